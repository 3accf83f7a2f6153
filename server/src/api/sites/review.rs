//! `POST /api/v1/sites/{id}/reviews`

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};

use super::get::{detail, site_id, unknown};
use super::views::{ReviewRequest, SiteDetail};
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Authenticated, Reviewers};
use crate::db::campaign::Campaign;
use crate::db::ids::{SiteId, UserId};
use crate::db::site::{ReviewRow, Site, SiteRow};
use crate::db::{DbConn, now_ms};
use crate::sites::review::{self, MergeTarget, Request, State};
use crate::state::AppState;

/// Locks the site (and, for a merge, the site merged into, in id order so that two crossing
/// merges cannot deadlock) and records the review. Runs in one write transaction: concurrent
/// reviews of a site are serialised, each sees the one before it.
fn record(
    conn: &mut DbConn,
    id: &SiteId,
    reviewer: &UserId,
    body: &ReviewRequest,
) -> ApiResult<SiteDetail> {
    let into = body.into.as_deref().map(|s| SiteId(s.to_owned()));
    let mut locked: Vec<&SiteId> = std::iter::once(id).chain(into.as_ref()).collect();
    locked.sort();
    locked.dedup();
    let mut rows: Vec<SiteRow> = Vec::new();
    for key in locked {
        match Site::find_for_update(conn, key) {
            Ok(row) => rows.push(row),
            Err(diesel::result::Error::NotFound) if key == id => return Err(unknown()),
            Err(diesel::result::Error::NotFound) => {
                return Err(ApiError::validation(format!("no site {key} to merge into")));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let Some(site) = rows.iter().find(|r| &r.id == id).cloned() else {
        return Err(unknown());
    };
    let classes = Campaign::find_by_id_or_slug(conn, site.campaign_id.as_str())?
        .settings()
        .map_err(|e| ApiError::internal(&e))?
        .damage_classes;
    let target = into.as_ref().and_then(|t| rows.iter().find(|r| &r.id == t));
    let request = Request {
        action: body.action,
        comment: &body.comment,
        class: body.class.as_deref(),
        into: match (&into, target) {
            (Some(t), Some(row)) => Some(MergeTarget {
                id: t.as_str(),
                same_campaign: row.campaign_id == site.campaign_id,
                merged: row.merged_into.is_some(),
            }),
            _ => None,
        },
    };
    let before = State {
        status: site.status,
        class: site.class.clone(),
        merged_into: site.merged_into.as_ref().map(|m| m.0.clone()),
    };
    let after = review::apply(id.as_str(), &before, &request, &classes)
        .map_err(|refusal| ApiError::validation(refusal.to_string()))?;
    let row = ReviewRow {
        id: uuid::Uuid::now_v7().to_string(),
        site_id: id.clone(),
        user_id: Some(reviewer.clone()),
        run_id: None,
        action: body.action.as_str().to_owned(),
        comment: body.comment.clone(),
        from_status: before.status.as_str().to_owned(),
        to_status: after.status.as_str().to_owned(),
        from_class: before.class,
        to_class: after.class,
        merged_into: after.merged_into.map(SiteId),
        created_at: now_ms(),
    };
    Site::record_review(conn, &site, &row, body.action.reviews())?;
    detail(conn, id)
}

/// Records a review: confirm, reject, reclassify (`class`), merge (`into`, another site of the
/// campaign) or comment. Each is an audit record (who, when, from → to) that is never edited
/// or deleted; the site's status is its history folded. A confirmed, rejected, reclassified or
/// merged site is never moved or deleted by later consensus runs.
#[utoipa::path(
    tag = "sites",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Site id")),
    request_body = ReviewRequest,
    responses(
        (status = 201, description = "Recorded; the site after it", body = SiteDetail),
        (status = 403, description = "Not an analyst", body = ErrorBody),
        (status = 404, description = "No such site", body = ErrorBody),
        (status = 422, description = "The review is not valid for this site (the message says why)", body = ErrorBody),
    )
)]
#[post("/sites/{id}/reviews")]
pub async fn review_site(
    state: web::Data<AppState>,
    caller: Authenticated<Reviewers>,
    id: web::Path<String>,
    body: web::Json<ReviewRequest>,
) -> ApiResult<HttpResponse> {
    let id = site_id(id.into_inner())?;
    let body = body.into_inner();
    let action = body.action;
    let reviewer = caller.user_id;
    let site = state
        .db
        .write_async(move |conn| -> ApiResult<SiteDetail> { record(conn, &id, &reviewer, &body) })
        .await?;
    tracing::info!(site.id = %site.site.id, review.action = action.as_str(), site.status = site.site.status.as_str(), "site reviewed");
    Ok(HttpResponse::build(StatusCode::CREATED).json(site))
}
