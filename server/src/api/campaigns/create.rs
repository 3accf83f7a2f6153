//! `POST /api/v1/campaigns`

use actix_web::{HttpResponse, post, web};

use super::access::view;
use crate::api::error::{ApiError, ApiResult, ErrorBody, conflict_on_unique};
use crate::api::extract::{Authenticated, Coordinators};
use crate::api::views::{CampaignStatus, CampaignView, CreateCampaignRequest};
use crate::db::campaign::{Campaign, CampaignInsertForm};
use crate::db::ids::CampaignId;
use crate::db::{DbError, now_ms};
use crate::state::AppState;

/// A slug: 2–64 characters of a-z, 0-9 and `-`, not starting or ending with `-`.
pub fn validate_slug(slug: &str) -> ApiResult<()> {
    let ok = (2..=64).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(
            "slug must be 2-64 characters of a-z, 0-9 and '-', e.g. raqqa-2017",
        ))
    }
}

/// Longest campaign name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest campaign description, in characters: every volunteer downloads it with the list of
/// campaigns.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;

/// A name: 1–200 characters, no control characters (no NUL, no line breaks).
pub fn validate_name(name: &str) -> ApiResult<()> {
    if name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::validation(format!(
            "name must be 1-{MAX_NAME_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::validation(
            "name must not contain control characters",
        ));
    }
    Ok(())
}

/// A description: at most 4000 characters; line breaks and tabs, but no other control
/// characters.
pub fn validate_description(description: &str) -> ApiResult<()> {
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ApiError::validation(format!(
            "description must be at most {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    if description
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ApiError::validation(
            "description must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(())
}

/// Creates a campaign; only a slug and a name are needed.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    request_body = CreateCampaignRequest,
    responses(
        (status = 201, description = "Created", body = CampaignView),
        (status = 403, description = "Not a coordinator", body = ErrorBody),
        (status = 409, description = "Slug taken", body = ErrorBody),
        (status = 422, description = "Invalid field", body = ErrorBody),
    )
)]
#[post("/campaigns")]
pub async fn create_campaign(
    state: web::Data<AppState>,
    caller: Authenticated<Coordinators>,
    body: web::Json<CreateCampaignRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    validate_slug(&req.slug)?;
    validate_name(&req.name)?;
    validate_description(&req.description)?;
    req.settings.validate().map_err(ApiError::validation)?;
    let status = req.status.unwrap_or(CampaignStatus::Draft);
    if !matches!(status, CampaignStatus::Draft | CampaignStatus::Active) {
        return Err(ApiError::validation("a new campaign is draft or active"));
    }
    let settings = serde_json::to_string(&req.settings).map_err(|e| ApiError::internal(&e))?;
    let campaign = state
        .db
        .write_async(move |conn| -> Result<Campaign, DbError> {
            let now = now_ms();
            Ok(Campaign::create(
                conn,
                &CampaignInsertForm {
                    id: &CampaignId::new_random(),
                    slug: &req.slug,
                    name: req.name.trim(),
                    description: &req.description,
                    status,
                    settings: &settings,
                    created_by: Some(&caller.user_id),
                    created_at: now,
                    updated_at: now,
                },
            )?)
        })
        .await
        .map_err(conflict_on_unique(
            "slug_taken",
            "a campaign with this slug exists",
        ))?;
    tracing::info!(campaign.id = %campaign.id, campaign.slug = %campaign.slug, "campaign created");
    Ok(HttpResponse::Created().json(view(campaign)?))
}
