//! Strike sites as durable evidence, on SQLite and PostgreSQL: a site keeps its id, status and
//! history across consensus runs, and reviews are audit records, serialised per site.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use actix_web::http::{Method, StatusCode};
use common::call;
use common::sites::{A, B, C, campaign, site_detail, sites_of};
use diesel::prelude::*;
use rstest::rstest;
use serde_json::{Value, json};
use tessera_server::api::app;
use tessera_server::auth::Role;
use tessera_server::db::Backend;
use tessera_server::db::schema::{site_reviews, sites};
use tessera_server::sites::review::{Action, status_after};

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn reviews_survive_new_answers_and_consensus_runs(#[case] backend: Backend) {
    let mut c = campaign(backend);
    let svc = actix_web::test::init_service(app(c.ctx.data())).await;
    let analyst = c.analyst.clone();
    // Round 1: four of five volunteers mark A, B and C.
    c.answers(&svc, 4, &[A, B, C]).await;
    c.answers(&svc, 1, &[]).await;
    let first = sites_of(&svc, &analyst).await;
    assert_eq!(first.len(), 3, "{first:?}");
    let (a, cc, b) = (&first[0], &first[1], &first[2]);
    assert!(
        first
            .iter()
            .all(|s| s["status"] == "candidate" && s["seen_by"] == 5)
    );
    let id = |s: &Value| s["id"].as_str().unwrap().to_owned();

    // The analyst confirms A, rejects B and merges C into A.
    let review = |site: String, body: Value| {
        let svc = &svc;
        let analyst = &analyst;
        async move {
            call(
                svc,
                Method::POST,
                &format!("/api/v1/sites/{site}/reviews"),
                Some(analyst),
                Some(body),
            )
            .await
        }
    };
    let (status, confirmed) = review(
        id(a),
        json!({"action": "confirm", "comment": "crater visible on both dates"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{confirmed}");
    assert_eq!(confirmed["status"], "confirmed");
    assert!(confirmed["reviewed_at"].is_string());
    let (status, rejected) =
        review(id(b), json!({"action": "reject", "comment": "a shadow"})).await;
    assert_eq!(status, StatusCode::CREATED, "{rejected}");
    let (status, merged) = review(id(cc), json!({"action": "merge", "into": id(a)})).await;
    assert_eq!(status, StatusCode::CREATED, "{merged}");
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["merged_into"], id(a).as_str());

    // The site panel: provenance, votes by number, history with who and from -> to.
    let detail = site_detail(&svc, &analyst, &id(a)).await;
    assert_eq!(detail["tasks"], json!([c.task]));
    assert_eq!(detail["votes_by_class"], json!({"destroyed": 4}));
    let voters: Vec<i64> = detail["votes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["voter"].as_i64().unwrap())
        .collect();
    let mut sorted = voters.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![1, 2, 3, 4]);
    assert!(
        detail["votes"][0]["reliability"]["sensitivity"].is_number(),
        "{detail}"
    );
    let run1 = detail["consensus_run"]["id"].as_str().unwrap().to_owned();
    assert!(
        detail["consensus_run"]["parameters"]["classes"].is_array(),
        "{detail}"
    );
    assert_eq!(detail["merged_from"], json!([id(cc)]));
    let history = detail["history"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["action"], "confirm");
    assert_eq!(history[0]["reviewer"], "analyst-one");
    assert_eq!(
        history[0]["from"],
        json!({"status": "candidate", "class": "destroyed"})
    );
    assert_eq!(
        history[0]["to"],
        json!({"status": "confirmed", "class": "destroyed"})
    );
    let text = detail.to_string();
    for handle in &c.handles {
        assert!(
            !text.contains(handle.as_str()),
            "a volunteer's handle in the site: {text}"
        );
    }
    for vote in detail["votes"].as_array().unwrap() {
        assert_eq!(
            vote.as_object().unwrap().len(),
            3,
            "votes carry voter, class, reliability only: {vote}"
        );
    }

    // Round 2: more answers; consensus runs again over the same place.
    c.answers(&svc, 3, &[A, B, C]).await;
    let second = sites_of(&svc, &analyst).await;
    assert_eq!(second.len(), 3, "no site raised again: {second:?}");
    assert_eq!(
        (id(&second[0]), id(&second[1]), id(&second[2])),
        (id(a), id(cc), id(b))
    );
    assert_eq!(second[0]["status"], "confirmed");
    assert_eq!(second[1]["status"], "merged");
    assert_eq!(second[2]["status"], "rejected");
    assert_eq!(second[0]["seen_by"], 8, "figures follow consensus");
    assert_eq!(
        (second[0]["lon"].clone(), second[0]["lat"].clone()),
        (a["lon"].clone(), a["lat"].clone()),
        "a reviewed site is never moved"
    );
    let detail = site_detail(&svc, &analyst, &id(a)).await;
    assert_ne!(
        detail["consensus_run"]["id"],
        run1.as_str(),
        "the run that last touched it"
    );
    assert_eq!(detail["votes_by_class"], json!({"destroyed": 7}));
    assert_eq!(
        detail["history"].as_array().unwrap().len(),
        1,
        "history intact"
    );
    let merged_detail = site_detail(&svc, &analyst, &id(cc)).await;
    assert_eq!(
        merged_detail["history"][0]["action"], "merge",
        "both histories kept"
    );

    // Round 3: ten volunteers see nothing there: consensus no longer supports A or B.
    c.answers(&svc, 10, &[]).await;
    let third = sites_of(&svc, &analyst).await;
    assert_eq!(third.len(), 3, "{third:?}");
    assert_eq!(
        third[0]["status"], "consensus_lost",
        "flagged for review, not dropped"
    );
    assert_eq!(
        third[2]["status"], "rejected",
        "a rejected site stays rejected"
    );
    let detail = site_detail(&svc, &analyst, &id(a)).await;
    let history = detail["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[1]["action"], "consensus_lost");
    assert!(history[1]["reviewer"].is_null());
    assert_eq!(history[1]["from"]["status"], "confirmed");
    assert!(history[1]["consensus_run"].is_string());

    // The stored status is always the history folded.
    let conn = &mut *c.ctx.db().conn().unwrap();
    let rows: Vec<(String, String)> = sites::table
        .select((sites::id, sites::status))
        .load(conn)
        .unwrap();
    for (site, status) in rows {
        let history: Vec<(String, String)> = site_reviews::table
            .filter(site_reviews::site_id.eq(&site))
            .order((site_reviews::created_at, site_reviews::id))
            .select((site_reviews::action, site_reviews::to_status))
            .load(conn)
            .unwrap();
        let folded = status_after(
            history
                .iter()
                .map(|(a, to)| (Action::parse(a).unwrap(), to.as_str())),
        );
        assert_eq!(folded.as_str(), status, "site {site}");
    }
    // The audit trail refuses to be edited or deleted.
    assert!(
        diesel::update(site_reviews::table)
            .set(site_reviews::comment.eq("rewritten"))
            .execute(conn)
            .is_err()
    );
    assert!(diesel::delete(site_reviews::table).execute(conn).is_err());
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_flagged_site_supported_again_gets_its_status_back(#[case] backend: Backend) {
    let mut c = campaign(backend);
    let svc = actix_web::test::init_service(app(c.ctx.data())).await;
    c.answers(&svc, 4, &[A]).await;
    let site = sites_of(&svc, &c.analyst).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/sites/{site}/reviews");
    let (status, _) = call(
        &svc,
        Method::POST,
        &path,
        Some(&c.analyst),
        Some(json!({"action": "confirm"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    c.answers(&svc, 6, &[]).await; // 4 of 10 marked it: below the campaign's support of 0.5
    let lost = site_detail(&svc, &c.analyst, &site).await;
    assert_eq!(lost["status"], "consensus_lost", "{lost}");
    c.answers(&svc, 8, &[A]).await; // 12 of 18
    let back = site_detail(&svc, &c.analyst, &site).await;
    assert_eq!(back["status"], "confirmed", "{back}");
    let actions: Vec<&str> = back["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["confirm", "consensus_lost", "consensus_restored"]);
    assert_eq!(back["history"][2]["to"]["status"], "confirmed");
    assert_eq!(
        sites_of(&svc, &c.analyst).await.len(),
        1,
        "the same site, not a new one"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn concurrent_reviews_of_one_site_are_serialised(#[case] backend: Backend) {
    let mut c = campaign(backend);
    let svc = actix_web::test::init_service(app(c.ctx.data())).await;
    c.answers(&svc, 4, &[A]).await;
    let site = sites_of(&svc, &c.analyst).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let analysts: Vec<String> = (0..4)
        .map(|i| c.ctx.account(&format!("analyst-{i}"), Role::Analyst))
        .collect();
    let path = format!("/api/v1/sites/{site}/reviews");
    let calls = (0..24).map(|i| {
        let (svc, path, token) = (&svc, &path, &analysts[i % 4]);
        let body = match i % 3 {
            0 => json!({"action": "confirm"}),
            1 => json!({"action": "reject"}),
            _ => json!({"action": "comment", "comment": format!("note {i}")}),
        };
        async move { call(svc, Method::POST, path, Some(token), Some(body)).await }
    });
    for (status, body) in futures_util::future::join_all(calls).await {
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let detail = site_detail(&svc, &c.analyst, &site).await;
    let history = detail["history"].as_array().unwrap();
    assert_eq!(history.len(), 24);
    // Each review saw the one before it: the chain of from -> to is unbroken.
    let mut status = "candidate".to_owned();
    for entry in history {
        assert_eq!(entry["from"]["status"], status.as_str(), "{history:?}");
        status = entry["to"]["status"].as_str().unwrap().to_owned();
    }
    assert_eq!(detail["status"], status.as_str());
}
