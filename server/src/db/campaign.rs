//! Campaigns: an investigation with its own frames, tasks, settings and status.

use diesel::prelude::*;

use super::ids::{CampaignId, UserId};
use super::kinds::CampaignStatus;
use super::schema::campaigns;
use super::{Db, DbConn, DbError, now_ms};
use crate::campaign_settings::CampaignSettings;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub id: CampaignId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub status: CampaignStatus,
    pub settings: String,
    pub created_by: Option<UserId>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = campaigns)]
pub struct CampaignInsertForm<'a> {
    pub id: &'a CampaignId,
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub status: CampaignStatus,
    pub settings: &'a str,
    pub created_by: Option<&'a UserId>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = campaigns)]
pub struct CampaignUpdateForm {
    pub name: Option<String>,
    pub description: Option<String>,
    pub status: Option<CampaignStatus>,
    pub settings: Option<String>,
    pub updated_at: Option<i64>,
}

/// A campaign whose stored settings this version cannot read: an error to report, never a
/// reason to run the campaign on other settings.
#[derive(Debug, thiserror::Error)]
#[error("the settings of campaign {campaign} cannot be read: {source}")]
pub struct BadSettings {
    pub campaign: CampaignId,
    pub source: serde_json::Error,
}

impl Campaign {
    /// The stored settings, parsed: the one reader of the column.
    pub fn settings(&self) -> Result<CampaignSettings, BadSettings> {
        serde_json::from_str(&self.settings).map_err(|source| BadSettings {
            campaign: self.id.clone(),
            source,
        })
    }

    /// Creates an active campaign with a fresh id in its own write transaction, as the demo,
    /// the load generator and the tests do (coordinators go through the API).
    pub fn add_active(
        db: &Db,
        slug: &str,
        name: &str,
        description: &str,
        settings: &CampaignSettings,
    ) -> Result<Campaign, DbError> {
        let id = CampaignId::new_random();
        let settings = serde_json::to_string(settings)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        let now = now_ms();
        db.write(|conn| -> Result<Campaign, DbError> {
            Ok(Campaign::create(
                conn,
                &CampaignInsertForm {
                    id: &id,
                    slug,
                    name,
                    description,
                    status: CampaignStatus::Active,
                    settings: &settings,
                    created_by: None,
                    created_at: now,
                    updated_at: now,
                },
            )?)
        })
    }

    pub fn create(conn: &mut DbConn, form: &CampaignInsertForm<'_>) -> QueryResult<Campaign> {
        diesel::insert_into(campaigns::table)
            .values(form)
            .execute(conn)?;
        Self::find(conn, form.id)
    }

    pub fn find(conn: &mut DbConn, id: &CampaignId) -> QueryResult<Campaign> {
        campaigns::table
            .find(id)
            .select(Campaign::as_select())
            .first(conn)
    }

    /// Looks a campaign up by its id or, failing that, by its slug.
    pub fn find_by_id_or_slug(conn: &mut DbConn, key: &str) -> QueryResult<Campaign> {
        campaigns::table
            .filter(campaigns::id.eq(key).or(campaigns::slug.eq(key)))
            .select(Campaign::as_select())
            .first(conn)
    }

    /// Campaigns in the given statuses (all when `statuses` is `None`), newest first.
    pub fn list(
        conn: &mut DbConn,
        statuses: Option<&[CampaignStatus]>,
    ) -> QueryResult<Vec<Campaign>> {
        let mut query = campaigns::table
            .select(Campaign::as_select())
            .order(campaigns::created_at.desc())
            .into_boxed();
        if let Some(statuses) = statuses {
            query = query.filter(campaigns::status.eq_any(statuses.to_vec()));
        }
        query.load(conn)
    }

    pub fn update(
        conn: &mut DbConn,
        id: &CampaignId,
        form: &CampaignUpdateForm,
    ) -> QueryResult<Campaign> {
        diesel::update(campaigns::table.find(id))
            .set(form)
            .execute(conn)?;
        Self::find(conn, id)
    }
}
