//! `PATCH /api/v1/campaigns/{id}`

use actix_web::{patch, web};

use super::access::{find, view};
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Authenticated, Coordinators};
use crate::api::views::{CampaignView, UpdateCampaignRequest};
use crate::campaign_settings::CampaignSettings;
use crate::db::campaign::{Campaign, CampaignUpdateForm};
use crate::db::now_ms;
use crate::state::AppState;

/// Merges `patch` into `base`: objects key by key, anything else replaced.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
            for (key, value) in patch {
                merge(base.entry(key).or_insert(serde_json::Value::Null), value);
            }
        }
        (base, patch) => *base = patch,
    }
}

/// Changes a campaign's name, description or settings (a partial settings object is merged).
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id or slug")),
    request_body = UpdateCampaignRequest,
    responses(
        (status = 200, description = "Updated", body = CampaignView),
        (status = 403, description = "Not a coordinator", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 422, description = "Invalid field", body = ErrorBody),
    )
)]
#[patch("/campaigns/{id}")]
pub async fn update_campaign(
    state: web::Data<AppState>,
    _caller: Authenticated<Coordinators>,
    id: web::Path<String>,
    body: web::Json<UpdateCampaignRequest>,
) -> ApiResult<web::Json<CampaignView>> {
    let req = body.into_inner();
    if let Some(name) = &req.name {
        super::create::validate_name(name)?;
    }
    if let Some(description) = &req.description {
        super::create::validate_description(description)?;
    }
    let current = find(&state, id.into_inner()).await?;
    let settings = match req.settings {
        None => None,
        Some(patch) => {
            if !patch.is_object() {
                return Err(ApiError::validation("settings must be an object"));
            }
            let mut merged: serde_json::Value =
                serde_json::from_str(&current.settings).map_err(|e| ApiError::internal(&e))?;
            merge(&mut merged, patch);
            let parsed: CampaignSettings = serde_json::from_value(merged)
                .map_err(|e| ApiError::validation(format!("settings: {e}")))?;
            parsed.validate().map_err(ApiError::validation)?;
            Some(serde_json::to_string(&parsed).map_err(|e| ApiError::internal(&e))?)
        }
    };
    let form = CampaignUpdateForm {
        name: req.name.map(|n| n.trim().to_owned()),
        description: req.description,
        settings,
        status: None,
        updated_at: Some(now_ms()),
    };
    let updated = state
        .db
        .write_async(move |conn| -> ApiResult<Campaign> {
            Ok(Campaign::update(conn, &current.id, &form)?)
        })
        .await?;
    state.campaigns.clear();
    Ok(web::Json(view(updated)?))
}

#[cfg(test)]
mod tests {
    use super::merge;
    use serde_json::json;

    #[test]
    fn nested_objects_merge_key_by_key() {
        let mut base = json!({"redundancy": {"min": 3, "max": 6}, "gold_rate": 0.05});
        merge(&mut base, json!({"redundancy": {"max": 8}}));
        assert_eq!(
            base,
            json!({"redundancy": {"min": 3, "max": 8}, "gold_rate": 0.05})
        );
    }
}
