//! Strike sites as durable evidence, on SQLite and PostgreSQL: a site keeps its id, status and
//! history across consensus runs; reviews are audit records, serialised per site; analysts
//! alone see sites, votes and exports, and no export carries a volunteer's handle.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use actix_web::http::{Method, StatusCode};
use common::{TestContext, call, error_code};
use diesel::prelude::*;
use rstest::rstest;
use serde_json::{Value, json};
use tessera_server::api::app;
use tessera_server::auth::Role;
use tessera_server::db::Backend;
use tessera_server::db::schema::{site_reviews, sites};
use tessera_server::jobs::consensus::run_once;
use tessera_server::sites::review::{Action, status_after};

/// Three buildings on tile 0, in task pixels: A, B 100 px east of it, C 30 px (~13 m) south of A.
const A: (f64, f64) = (100.0, 120.0);
const B: (f64, f64) = (200.0, 60.0);
const C: (f64, f64) = (100.0, 150.0);

/// Answers needed per task: high, so the tile stays open through every round below.
const NEEDED: i32 = 20;

struct Campaign {
    ctx: TestContext,
    task: i64,
    analyst: String,
    handles: Vec<String>,
}

fn campaign(backend: Backend) -> Campaign {
    let ctx = TestContext::new(backend);
    let id = ctx.campaign(
        "c",
        json!({"redundancy": {"min": NEEDED, "max": NEEDED}, "consensus": {"eps_m": 5.0}}),
    );
    let task = ctx.tasks(&id, 1, NEEDED)[0];
    let analyst = ctx.account("analyst-one", Role::Analyst);
    Campaign {
        ctx,
        task,
        analyst,
        handles: Vec::new(),
    }
}

impl Campaign {
    /// `n` new volunteers answer the task: each marks `points` (jittered by a pixel or two), or
    /// says "nothing here" when `points` is empty.
    async fn answers<S, B>(&mut self, svc: &S, n: usize, points: &[(f64, f64)])
    where
        S: actix_web::dev::Service<
                actix_http::Request,
                Response = actix_web::dev::ServiceResponse<B>,
                Error = actix_web::Error,
            >,
        B: actix_web::body::MessageBody,
    {
        for _ in 0..n {
            let handle = format!("volunteer-{}", self.handles.len());
            let token = self.ctx.account(&handle, Role::Volunteer);
            let j = self.handles.len() as f64 % 3.0 - 1.0;
            let body = if points.is_empty() {
                json!({"idempotency_key": "k", "nothing_here": true})
            } else {
                let marks: Vec<Value> = points
                    .iter()
                    .map(|&(x, y)| json!({"x": x + j, "y": y - j, "class": "destroyed"}))
                    .collect();
                json!({"idempotency_key": "k", "marks": marks})
            };
            let (_, next) = call(
                svc,
                Method::POST,
                "/api/v1/campaigns/c/next",
                Some(&token),
                None,
            )
            .await;
            assert_eq!(next["task"]["id"].as_i64(), Some(self.task), "{next}");
            let (status, receipt) = call(
                svc,
                Method::POST,
                &format!("/api/v1/tasks/{}/answers", self.task),
                Some(&token),
                Some(body),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{receipt}");
            self.handles.push(handle);
        }
        // A run counts answers from its start inclusive: let this millisecond pass.
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert_eq!(
            run_once(self.ctx.db()).unwrap().len(),
            1,
            "one consensus run"
        );
    }
}

async fn sites_of<S, B>(svc: &S, token: &str) -> Vec<Value>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (status, page) = call(
        svc,
        Method::GET,
        "/api/v1/campaigns/c/sites",
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page["next_cursor"].is_null());
    let mut sites = page["sites"].as_array().unwrap().clone();
    // west to east, then north to south: A, C, B
    sites.sort_by(|a, b| {
        let key = |s: &Value| (s["lon"].as_f64().unwrap() * 1e4).round() as i64;
        key(a).cmp(&key(b)).then(
            b["lat"]
                .as_f64()
                .unwrap()
                .total_cmp(&a["lat"].as_f64().unwrap()),
        )
    });
    sites
}

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
    let (status, detail) = call(
        &svc,
        Method::GET,
        &format!("/api/v1/sites/{}", id(a)),
        Some(&analyst),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
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
    let (_, detail) = call(
        &svc,
        Method::GET,
        &format!("/api/v1/sites/{}", id(a)),
        Some(&analyst),
        None,
    )
    .await;
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
    let (_, merged_detail) = call(
        &svc,
        Method::GET,
        &format!("/api/v1/sites/{}", id(cc)),
        Some(&analyst),
        None,
    )
    .await;
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
    let (_, detail) = call(
        &svc,
        Method::GET,
        &format!("/api/v1/sites/{}", id(a)),
        Some(&analyst),
        None,
    )
    .await;
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
    let (_, lost) = call(
        &svc,
        Method::GET,
        &format!("/api/v1/sites/{site}"),
        Some(&c.analyst),
        None,
    )
    .await;
    assert_eq!(lost["status"], "consensus_lost", "{lost}");
    c.answers(&svc, 8, &[A]).await; // 12 of 18
    let (_, back) = call(
        &svc,
        Method::GET,
        &format!("/api/v1/sites/{site}"),
        Some(&c.analyst),
        None,
    )
    .await;
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
async fn only_analysts_see_sites_and_no_export_names_a_volunteer(#[case] backend: Backend) {
    let mut c = campaign(backend);
    let svc = actix_web::test::init_service(app(c.ctx.data())).await;
    c.answers(&svc, 4, &[A, B]).await;
    let site = sites_of(&svc, &c.analyst).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let volunteer = c.ctx.account("just-a-volunteer", Role::Volunteer);
    let coordinator = c.ctx.account("a-coordinator", Role::Coordinator);
    let admin = c.ctx.account("an-admin", Role::Admin);
    let routes = [
        (Method::GET, "/api/v1/campaigns/c/sites".to_owned(), None),
        (Method::GET, format!("/api/v1/sites/{site}"), None),
        (
            Method::POST,
            format!("/api/v1/sites/{site}/reviews"),
            Some(json!({"action": "comment", "comment": "hm"})),
        ),
        (
            Method::GET,
            "/api/v1/campaigns/c/export.geojson".to_owned(),
            None,
        ),
        (
            Method::GET,
            "/api/v1/campaigns/c/export.csv".to_owned(),
            None,
        ),
        (
            Method::GET,
            "/api/v1/campaigns/c/export.kml".to_owned(),
            None,
        ),
        (
            Method::GET,
            "/api/v1/campaigns/c/export.gpkg".to_owned(),
            None,
        ),
    ];
    for (method, path, body) in &routes {
        for (who, token) in [("volunteer", &volunteer), ("coordinator", &coordinator)] {
            let (status, err) = call(&svc, method.clone(), path, Some(token), body.clone()).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{who} on {path}: {err}");
            assert_eq!(error_code(&err), "forbidden");
        }
        let (status, _) = call(&svc, method.clone(), path, None, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "anonymous on {path}");
        let req = actix_web::test::TestRequest::default()
            .method(method.clone())
            .uri(path)
            .insert_header(("Authorization", format!("Bearer {admin}")));
        let req = match body {
            Some(b) => req.set_json(b),
            None => req,
        };
        let res = actix_web::test::call_service(&svc, req.to_request()).await;
        assert!(
            res.status().is_success(),
            "admin on {path}: {}",
            res.status()
        );
    }
    // Every format, read whole: no handle, no account id.
    let ids: Vec<String> = c
        .handles
        .iter()
        .map(|h| {
            use tessera_server::db::schema::users;
            let conn = &mut *c.ctx.db().conn().unwrap();
            users::table
                .filter(users::handle.eq(h))
                .select(users::id)
                .first::<String>(conn)
                .unwrap()
        })
        .collect();
    for format in ["geojson", "csv", "kml", "gpkg"] {
        let req = actix_web::test::TestRequest::get()
            .uri(&format!("/api/v1/campaigns/c/export.{format}"))
            .insert_header(("Authorization", format!("Bearer {}", c.analyst)));
        let res = actix_web::test::call_service(&svc, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::OK, "{format}");
        let disposition = res
            .headers()
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            disposition.contains(&format!("c-sites.{format}")),
            "{disposition}"
        );
        let body = actix_web::test::read_body(res).await;
        assert!(body.len() > 100, "{format}: {} bytes", body.len());
        let text = String::from_utf8_lossy(&body);
        for secret in c
            .handles
            .iter()
            .chain(&ids)
            .chain(["analyst-one".to_owned()].iter())
        {
            assert!(
                !text.contains(secret.as_str()),
                "{format} export contains {secret}"
            );
        }
        if format == "geojson" {
            let doc: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(doc["features"].as_array().unwrap().len(), 2);
            assert!(doc.get("crs").is_none());
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn bad_requests_get_a_reason(#[case] backend: Backend) {
    let mut c = campaign(backend);
    let svc = actix_web::test::init_service(app(c.ctx.data())).await;
    c.answers(&svc, 4, &[A]).await;
    let site = sites_of(&svc, &c.analyst).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = Some(c.analyst.as_str());
    for (path, status) in [
        (
            "/api/v1/campaigns/c/sites?page_size=1001",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/campaigns/c/sites?page_size=0",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/campaigns/c/sites?status=maybe",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/campaigns/c/sites?class=volcano",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/campaigns/c/sites?bbox=1,2,3",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/campaigns/c/sites?min_confidence=2",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/campaigns/c/sites?cursor=%27%3B--",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/api/v1/campaigns/nope/sites", StatusCode::NOT_FOUND),
        ("/api/v1/campaigns/c/export.shp", StatusCode::NOT_FOUND),
        (
            "/api/v1/campaigns/c/export.csv?status=maybe",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/api/v1/sites/no-such-site", StatusCode::NOT_FOUND),
    ] {
        let (got, body) = call(&svc, Method::GET, path, t, None).await;
        assert_eq!(got, status, "{path}: {body}");
        error_code(&body);
    }
    let reviews = format!("/api/v1/sites/{site}/reviews");
    for body in [
        json!({"action": "reclassify", "class": "volcano"}),
        json!({"action": "reclassify"}),
        json!({"action": "merge", "into": site}),
        json!({"action": "merge", "into": "no-such-site"}),
        json!({"action": "comment", "comment": ""}),
        json!({"action": "confirm", "comment": "x".repeat(2001)}),
        json!({"action": "confirm", "class": "destroyed"}),
    ] {
        let (got, err) = call(&svc, Method::POST, &reviews, t, Some(body.clone())).await;
        assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        error_code(&err);
    }
    for body in [
        json!({"action": "consensus_lost"}),
        json!({"action": "approve"}),
        json!({"action": "confirm", "extra": 1}),
    ] {
        let (got, err) = call(&svc, Method::POST, &reviews, t, Some(body.clone())).await;
        assert!(got.is_client_error(), "{body}: {got}");
        error_code(&err);
    }
    let (_, detail) = call(&svc, Method::GET, &format!("/api/v1/sites/{site}"), t, None).await;
    assert!(
        detail["history"].as_array().unwrap().is_empty(),
        "refused reviews leave no trace"
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
    let (_, detail) = call(
        &svc,
        Method::GET,
        &format!("/api/v1/sites/{site}"),
        Some(&c.analyst),
        None,
    )
    .await;
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

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn pages_cover_every_site_once_in_id_order(#[case] backend: Backend) {
    let c = campaign(backend);
    let campaign_id: String = {
        use tessera_server::db::schema::campaigns;
        let conn = &mut *c.ctx.db().conn().unwrap();
        campaigns::table.select(campaigns::id).first(conn).unwrap()
    };
    {
        let conn = &mut *c.ctx.db().conn().unwrap();
        for i in 0..25 {
            diesel::insert_into(sites::table)
                .values((
                    sites::id.eq(uuid::Uuid::now_v7().to_string()),
                    sites::campaign_id.eq(&campaign_id),
                    sites::lon.eq(39.0 + f64::from(i) * 1e-4),
                    sites::lat.eq(35.95),
                    sites::class.eq(if i % 2 == 0 { "destroyed" } else { "severe" }),
                    sites::confidence.eq(f64::from(i) / 25.0),
                    sites::support.eq(0.8),
                    sites::seen_by.eq(5),
                    sites::status.eq("candidate"),
                    // sites 0..20 dated to a month: January to May 2017, in turn
                    sites::damaged_after.eq((i < 20).then(|| format!("2017-0{}-01", 1 + i % 5))),
                    sites::damaged_before.eq((i < 20).then(|| format!("2017-0{}-01", 2 + i % 5))),
                    sites::created_at.eq(0_i64),
                    sites::updated_at.eq(0_i64),
                ))
                .execute(conn)
                .unwrap();
        }
    }
    let svc = actix_web::test::init_service(app(c.ctx.data())).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(after) => format!("/api/v1/campaigns/c/sites?page_size=10&cursor={after}"),
            None => "/api/v1/campaigns/c/sites?page_size=10".to_owned(),
        };
        let (status, page) = call(&svc, Method::GET, &path, Some(&c.analyst), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        seen.extend(
            page["sites"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "in id order, each once");
    assert_eq!(seen.len(), 25);
    let (_, filtered) = call(
        &svc,
        Method::GET,
        "/api/v1/campaigns/c/sites?class=severe&min_confidence=0.5&bbox=38,35,40,36",
        Some(&c.analyst),
        None,
    )
    .await;
    let got = filtered["sites"].as_array().unwrap();
    assert!(
        got.iter()
            .all(|s| s["class"] == "severe" && s["confidence"].as_f64().unwrap() >= 0.5)
    );
    assert_eq!(got.len(), 6, "{filtered}");
    // Dated damage: intervals overlapping the one asked for; undated sites left out.
    for (query, expected) in [
        ("damaged_after=2017-04-15", 8),
        ("damaged_before=2017-01-15", 4),
        ("damaged_after=2017-02-10&damaged_before=2017-02-20", 4),
        ("damaged_after=2018-01-01", 0),
    ] {
        let (status, page) = call(
            &svc,
            Method::GET,
            &format!("/api/v1/campaigns/c/sites?{query}"),
            Some(&c.analyst),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(
            page["sites"].as_array().unwrap().len(),
            expected,
            "{query}: {page}"
        );
        let req = actix_web::test::TestRequest::get()
            .uri(&format!("/api/v1/campaigns/c/export.geojson?{query}"))
            .insert_header(("Authorization", format!("Bearer {}", c.analyst)));
        let body =
            actix_web::test::read_body(actix_web::test::call_service(&svc, req.to_request()).await)
                .await;
        let doc: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            doc["features"].as_array().unwrap().len(),
            expected,
            "export {query}"
        );
    }
    let (status, _) = call(
        &svc,
        Method::GET,
        "/api/v1/campaigns/c/sites?damaged_after=May",
        Some(&c.analyst),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
