//! Campaigns: an investigation with its own frames, tasks, settings and status.

use diesel::prelude::*;

use super::schema::campaigns;
use super::{Db, DbConn, DbError, now_ms};
use crate::campaign_settings::CampaignSettings;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub status: String,
    pub settings: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = campaigns)]
pub struct CampaignInsertForm<'a> {
    pub id: &'a str,
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub status: &'a str,
    pub settings: &'a str,
    pub created_by: Option<&'a str>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = campaigns)]
pub struct CampaignUpdateForm {
    pub name: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub settings: Option<String>,
    pub updated_at: Option<i64>,
}

impl Campaign {
    /// Creates an active campaign with a fresh id in its own write transaction, as the demo,
    /// the load generator and the tests do (coordinators go through the API).
    pub fn add_active(
        db: &Db,
        slug: &str,
        name: &str,
        description: &str,
        settings: &CampaignSettings,
    ) -> Result<Campaign, DbError> {
        let id = uuid::Uuid::new_v4().to_string();
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
                    status: "active",
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

    pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Campaign> {
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
    pub fn list(conn: &mut DbConn, statuses: Option<&[&str]>) -> QueryResult<Vec<Campaign>> {
        let mut query = campaigns::table
            .select(Campaign::as_select())
            .order(campaigns::created_at.desc())
            .into_boxed();
        if let Some(statuses) = statuses {
            query = query.filter(campaigns::status.eq_any(statuses.to_vec()));
        }
        query.load(conn)
    }

    pub fn update(conn: &mut DbConn, id: &str, form: &CampaignUpdateForm) -> QueryResult<Campaign> {
        diesel::update(campaigns::table.find(id))
            .set(form)
            .execute(conn)?;
        Self::find(conn, id)
    }
}
