//! `GET /api/v1/sites/{id}`

use actix_web::{get, web};

use super::views::{RunView, SiteDetail, SiteSummary};
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Authenticated, Reviewers};
use crate::db::DbConn;
use crate::db::ids::SiteId;
use crate::db::site::Site;
use crate::state::AppState;

/// The 404 for a site that does not exist.
pub(super) fn unknown() -> ApiError {
    ApiError::not_found("no such site")
}

/// Reads a site with its provenance, votes and history.
pub(super) fn detail(conn: &mut DbConn, id: &SiteId) -> ApiResult<SiteDetail> {
    let row = match Site::find(conn, id) {
        Err(diesel::result::Error::NotFound) => return Err(unknown()),
        other => other?,
    };
    let consensus_run = match &row.consensus_run_id {
        Some(run) => Site::runs(conn, std::slice::from_ref(run))?
            .into_iter()
            .next()
            .map(RunView::from),
        None => None,
    };
    let votes_by_class = serde_json::from_str(&row.class_votes).unwrap_or_default();
    Ok(SiteDetail {
        consensus_run,
        frames: Site::frames_of(conn, id)?
            .into_iter()
            .map(Into::into)
            .collect(),
        tasks: Site::tasks_of(conn, id)?.into_iter().map(|t| t.0).collect(),
        votes_by_class,
        votes: Site::votes_of(conn, id)?
            .into_iter()
            .map(Into::into)
            .collect(),
        history: Site::history_of(conn, id)?
            .into_iter()
            .map(Into::into)
            .collect(),
        merged_from: Site::merged_into(conn, id)?
            .into_iter()
            .map(|s| s.0)
            .collect(),
        site: SiteSummary::from(row),
    })
}

/// Checks a site id's shape before it reaches a query.
pub(super) fn site_id(raw: String) -> ApiResult<SiteId> {
    if raw.is_empty() || raw.len() > 64 {
        return Err(unknown());
    }
    Ok(SiteId(raw))
}

/// One site: its figures, the consensus run that last touched it, the frames and tasks it rests
/// on, its votes (each volunteer a number valid within this site, with their reliability
/// estimate) and its history.
#[utoipa::path(
    tag = "sites",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Site id")),
    responses(
        (status = 200, description = "The site", body = SiteDetail),
        (status = 403, description = "Not an analyst", body = ErrorBody),
        (status = 404, description = "No such site", body = ErrorBody),
    )
)]
#[get("/sites/{id}")]
pub async fn get_site(
    state: web::Data<AppState>,
    _caller: Authenticated<Reviewers>,
    id: web::Path<String>,
) -> ApiResult<web::Json<SiteDetail>> {
    let id = site_id(id.into_inner())?;
    let site = state
        .db
        .read(move |conn| -> ApiResult<SiteDetail> { detail(conn, &id) })
        .await?;
    Ok(web::Json(site))
}
