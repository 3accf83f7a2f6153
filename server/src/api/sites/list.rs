//! `GET /api/v1/campaigns/{id}/sites`

use actix_web::{get, web};

use super::views::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SitePage, SiteQuery, SiteSummary};
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Authenticated, Reviewers};
use crate::db::campaign::Campaign;
use crate::db::ids::SiteId;
use crate::db::site::Site;
use crate::state::AppState;

/// Finds a campaign by id or slug for an analyst (who sees every status), with its classes.
pub(super) fn campaign_for_analyst(
    conn: &mut crate::db::DbConn,
    key: &str,
) -> ApiResult<(Campaign, Vec<String>)> {
    let campaign = match Campaign::find_by_id_or_slug(conn, key) {
        Err(diesel::result::Error::NotFound) => {
            return Err(ApiError::not_found("no such campaign"));
        }
        other => other?,
    };
    let classes = campaign
        .settings()
        .map_err(|e| ApiError::internal(&e))?
        .damage_classes;
    Ok((campaign, classes))
}

/// The campaign's sites, a page at a time in id order (ids are time-ordered UUIDs).
#[utoipa::path(
    tag = "sites",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id or slug"), SiteQuery),
    responses(
        (status = 200, description = "A page of sites", body = SitePage),
        (status = 403, description = "Not an analyst", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 422, description = "A filter, the page size or the cursor is not valid", body = ErrorBody),
    )
)]
#[get("/campaigns/{id}/sites")]
pub async fn list_sites(
    state: web::Data<AppState>,
    _caller: Authenticated<Reviewers>,
    id: web::Path<String>,
    query: web::Query<SiteQuery>,
) -> ApiResult<web::Json<SitePage>> {
    let query = query.into_inner();
    let size = query.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(ApiError::validation(format!(
            "page_size must be between 1 and {MAX_PAGE_SIZE}"
        )));
    }
    let cursor = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(c) if c.len() <= 64 && c.chars().all(|ch| ch.is_ascii_hexdigit() || ch == '-') => {
            Some(SiteId(c.to_owned()))
        }
        Some(_) => return Err(ApiError::validation("cursor is not one this API gave")),
    };
    let key = id.into_inner();
    let page = state
        .db
        .read(move |conn| -> ApiResult<SitePage> {
            let (campaign, classes) = campaign_for_analyst(conn, &key)?;
            let filter = query
                .filters()
                .parse(&classes)
                .map_err(|e| ApiError::validation(e.0))?;
            let rows = Site::page(
                conn,
                &campaign.id,
                &filter,
                cursor.as_ref(),
                i64::from(size) + 1,
            )?;
            let more = rows.len() > size as usize;
            let sites: Vec<SiteSummary> = rows
                .into_iter()
                .take(size as usize)
                .map(SiteSummary::from)
                .collect();
            let next_cursor = if more {
                sites.last().map(|s| s.id.clone())
            } else {
                None
            };
            Ok(SitePage { sites, next_cursor })
        })
        .await?;
    Ok(web::Json(page))
}
