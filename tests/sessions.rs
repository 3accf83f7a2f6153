//! A token lasts only as long as its session and its account: signing out, signing out
//! everywhere, a refresh, a role change, a suspension and a deleted account each end it at once
//! (these tests check sessions on every request; a server keeps its verdict for
//! `session_check_ms`, also tested).

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use actix_web::http::StatusCode;
use common::app::TestApp;
use common::{PASSWORD, error_code};
use diesel::prelude::*;
use rstest::rstest;
use serde_json::json;
use tessera_server::auth::Role;
use tessera_server::db::schema::users;
use tessera_server::db::user::User;
use tessera_server::db::{Backend, DbError};

async fn sign_in(app: &TestApp, handle: &str) -> String {
    let res = app
        .post("/api/v1/auth/login")
        .json(json!({"handle": handle, "password": PASSWORD}))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{res}");
    res.json()["token"].as_str().unwrap().to_owned()
}

/// The status of `GET /me/stats` with this token, and the error code when refused.
async fn stats(app: &TestApp, token: &str) -> (StatusCode, Option<String>) {
    let res = app.get("/api/v1/me/stats").token(token).await;
    let code = (res.status() != StatusCode::OK).then(|| error_code(res.json()).to_owned());
    (res.status(), code)
}

const ENDED: (StatusCode, Option<&str>) = (StatusCode::UNAUTHORIZED, Some("session_ended"));

fn ended(got: (StatusCode, Option<String>)) -> bool {
    (got.0, got.1.as_deref()) == ENDED
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn signing_out_ends_that_token_and_no_other(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    app.account("olive", Role::Volunteer);
    let (phone, laptop) = (sign_in(&app, "olive").await, sign_in(&app, "olive").await);
    assert_eq!(stats(&app, &phone).await.0, StatusCode::OK);
    let res = app.post("/api/v1/auth/logout").token(&phone).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "{res}");
    assert!(ended(stats(&app, &phone).await), "the signed-out token");
    assert_eq!(
        stats(&app, &laptop).await.0,
        StatusCode::OK,
        "another sign-in"
    );
    // Every route refuses it, even one that needs no sign-in.
    let res = app.get("/api/v1/health").token(&phone).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn signing_out_everywhere_ends_every_token_of_the_account(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    app.account("olive", Role::Volunteer);
    let other = app.volunteer();
    let tokens = [
        sign_in(&app, "olive").await,
        sign_in(&app, "olive").await,
        sign_in(&app, "olive").await,
    ];
    let res = app.post("/api/v1/auth/logout-all").token(&tokens[0]).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "{res}");
    for token in &tokens {
        assert!(ended(stats(&app, token).await));
    }
    assert_eq!(
        stats(&app, &other).await.0,
        StatusCode::OK,
        "other accounts"
    );
    // Signing in again works.
    let again = sign_in(&app, "olive").await;
    assert_eq!(stats(&app, &again).await.0, StatusCode::OK);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_refresh_ends_the_token_it_replaces(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let old = app.volunteer();
    let res = app.post("/api/v1/auth/refresh").token(&old).await;
    assert_eq!(res.status(), StatusCode::OK, "{res}");
    let fresh = res.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(stats(&app, &fresh).await.0, StatusCode::OK);
    assert!(ended(stats(&app, &old).await));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn demotion_suspension_and_deletion_end_an_accounts_tokens(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let coordinator = app.account("coord", Role::Coordinator);
    let create = |token: String, slug: &'static str| {
        let app = &app;
        async move {
            app.post("/api/v1/campaigns")
                .token(&token)
                .json(json!({"slug": slug, "name": slug}))
                .await
                .status()
        }
    };
    assert_eq!(
        create(coordinator.clone(), "one").await,
        StatusCode::CREATED
    );
    let id = app.user_id(&coordinator);
    app.db()
        .write(|conn| -> Result<usize, DbError> {
            Ok(User::set_role(conn, &id.clone().into(), Role::Volunteer)?)
        })
        .unwrap();
    let res = app
        .post("/api/v1/campaigns")
        .token(&coordinator)
        .json(json!({"slug": "two", "name": "two"}))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{res}");
    assert_eq!(error_code(res.json()), "session_ended");
    // Signed in again, the account acts in its new role only.
    let demoted = sign_in(&app, "coord").await;
    assert_eq!(create(demoted, "three").await, StatusCode::FORBIDDEN);

    let volunteer = app.account("vol", Role::Volunteer);
    let vol_id = app.user_id(&volunteer);
    app.db()
        .write(|conn| -> Result<usize, DbError> {
            Ok(User::set_suspended(conn, &vol_id.clone().into(), true)?)
        })
        .unwrap();
    assert!(ended(stats(&app, &volunteer).await), "suspended");
    let res = app
        .post("/api/v1/auth/login")
        .json(json!({"handle": "vol", "password": PASSWORD}))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a suspended account cannot sign in"
    );

    let gone = app.volunteer();
    let gone_id = app.user_id(&gone);
    diesel::delete(users::table.find(&gone_id))
        .execute(&mut *app.db().conn().unwrap())
        .unwrap();
    assert!(ended(stats(&app, &gone).await), "deleted account");
}

#[actix_web::test]
async fn an_instance_trusts_its_last_check_for_session_check_ms_only() {
    let app = TestApp::with_config(Backend::Sqlite, |c| c.session_check_ms = 400).await;
    let token = app.volunteer();
    let id = app.user_id(&token);
    assert_eq!(stats(&app, &token).await.0, StatusCode::OK);
    // Suspended behind this instance's back (by another instance, or on the command line).
    app.db()
        .write(|conn| -> Result<usize, DbError> {
            Ok(User::set_suspended(conn, &id.clone().into(), true)?)
        })
        .unwrap();
    assert_eq!(
        stats(&app, &token).await.0,
        StatusCode::OK,
        "within the check interval the last verdict stands"
    );
    std::thread::sleep(std::time::Duration::from_millis(450));
    assert!(
        ended(stats(&app, &token).await),
        "after it, the change is seen"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn signing_in_forgets_the_accounts_expired_sessions(#[case] backend: Backend) {
    use tessera_server::db::schema::sessions;
    let app = TestApp::new(backend).await;
    let token = app.account("olive", Role::Volunteer);
    let id = app.user_id(&token);
    let count = || -> i64 {
        sessions::table
            .filter(sessions::user_id.eq(&id))
            .count()
            .get_result(&mut *app.db().conn().unwrap())
            .unwrap()
    };
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq("long-gone"),
            sessions::user_id.eq(&id),
            sessions::created_at.eq(0_i64),
            sessions::expires_at.eq(1_i64),
        ))
        .execute(&mut *app.db().conn().unwrap())
        .unwrap();
    assert_eq!(count(), 2);
    sign_in(&app, "olive").await;
    assert_eq!(count(), 2, "the expired one went, the new one came");
    let gone: i64 = sessions::table
        .filter(sessions::id.eq("long-gone"))
        .count()
        .get_result(&mut *app.db().conn().unwrap())
        .unwrap();
    assert_eq!(gone, 0);
}
