//! Who may see strike sites and how they are listed, on SQLite and PostgreSQL: analysts alone
//! see sites, votes and exports; no export carries a volunteer's handle; filters, pages and bad
//! requests.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use actix_web::http::{Method, StatusCode};
use common::sites::{A, B, campaign, sites_of};
use common::{call, error_code};
use diesel::prelude::*;
use rstest::rstest;
use serde_json::{Value, json};
use tessera_server::api::app;
use tessera_server::auth::Role;
use tessera_server::db::Backend;
use tessera_server::db::schema::sites;

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
