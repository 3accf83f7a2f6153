//! The `OpenAPI` document, snapshotted so that every change to the HTTP API shows up in review
//! as a diff of `tests/snapshots/openapi__openapi.snap`.
//!
//! The frontend's API types are generated from the same snapshot (`npm run gen:api` in
//! `frontend/`), so the browser code and the server cannot drift apart unnoticed.
//!
//! When the API changes on purpose, bless the new document, read its diff, commit it and
//! regenerate the frontend's types. A failing local run leaves the new document in
//! `openapi__openapi.snap.new`; either accept it with `cargo insta review` (from `cargo install
//! cargo-insta`) or write it over the old one directly:
//!
//! ```sh
//! INSTA_UPDATE=always cargo nextest run -p tessera-server --test openapi
//! (cd frontend && npm run gen:api)
//! ```
//!
//! With `CI=true` a changed document fails the test and insta writes nothing, so CI never
//! accepts a change by itself.

#[test]
fn openapi_document_is_unchanged() {
    insta::assert_json_snapshot!("openapi", tessera_server::api::openapi());
}
