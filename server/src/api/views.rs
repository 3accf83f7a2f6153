//! JSON shapes of the API, kept apart from database rows.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;
use crate::campaign_settings::CampaignSettings;
use crate::db::campaign::Campaign;
use crate::db::user::User;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// A pseudonym: 3–32 letters, digits, `_`, `-` or `.`. No email, no real name.
    #[schema(example = "olive_owl")]
    pub handle: String,
    /// At least 10 characters.
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub handle: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub handle: String,
    pub role: Role,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.0.clone(),
            handle: user.handle.clone(),
            role: user.role(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Expiry, seconds since the Unix epoch.
    pub expires_at: i64,
    pub user: UserView,
}

pub use crate::db::kinds::CampaignStatus;

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignView {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub status: CampaignStatus,
    pub settings: CampaignSettings,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
}

impl TryFrom<Campaign> for CampaignView {
    type Error = serde_json::Error;

    fn try_from(c: Campaign) -> Result<Self, Self::Error> {
        Ok(Self {
            settings: serde_json::from_str(&c.settings)?,
            status: c.status,
            id: c.id.0,
            slug: c.slug,
            name: c.name,
            description: c.description,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaignRequest {
    /// URL-safe short name: 2–64 of a-z, 0-9 and `-`.
    #[schema(example = "raqqa-2017")]
    pub slug: String,
    /// 1–200 characters, no control characters.
    #[schema(example = "Raqqa 2017", max_length = 200)]
    pub name: String,
    /// At most 4000 characters.
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub description: String,
    /// `draft` (default) or `active`.
    #[serde(default)]
    pub status: Option<CampaignStatus>,
    /// Any subset of the settings; the rest take their defaults.
    #[serde(default)]
    pub settings: CampaignSettings,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCampaignRequest {
    /// 1–200 characters, no control characters.
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// At most 4000 characters.
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    /// A partial settings object, merged into the current settings.
    #[schema(value_type = Option<Object>)]
    pub settings: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CampaignListQuery {
    /// Staff only: restrict to one status. Volunteers always see active campaigns.
    pub status: Option<CampaignStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignList {
    pub campaigns: Vec<CampaignView>,
}
