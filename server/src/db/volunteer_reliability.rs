//! Volunteers' reliability, one row per volunteer per campaign (`volunteer_reliability`).
//!
//! A full consensus run over the whole campaign estimates every volunteer who answered in it and
//! writes their rows with its run id ([`VolunteerReliability::record_full`]); it also drops the
//! rows of volunteers it no longer estimated (suspended ones, whose answers it left out).
//! Incremental runs read those rows back ([`VolunteerReliability::estimated`]) and hold them
//! fixed. A volunteer who answered only since the last full run is estimated by the incremental
//! run from one area's answers: that estimate is written `provisional`
//! ([`VolunteerReliability::record_provisional`]), never over a full run's row, and is not held
//! fixed later (the next incremental run estimates them again from what they answered there).

use diesel::prelude::*;

use super::DbConn;
use super::ids::{CampaignId, RunId, UserId};
use super::schema::{users, volunteer_reliability};

/// A volunteer's reliability in one campaign, as a run estimated it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = volunteer_reliability)]
pub struct VolunteerReliability {
    pub campaign_id: CampaignId,
    pub user_id: UserId,
    /// Probability of marking a real site they saw.
    pub sensitivity: f64,
    /// Expected false marks per task of the campaign's mean area.
    pub false_rate: f64,
    /// Probability of marking a look-alike they saw.
    pub fooled: f64,
    /// Probability that a correct mark carries the right class.
    pub class_accuracy: f64,
    /// Vote weight (Youden's J).
    pub weight: f64,
    /// Answers the estimate used.
    pub answers: i64,
    /// Estimated by an incremental run from one area, not by a full run over the campaign.
    pub provisional: bool,
    /// The run that estimated it.
    pub run_id: RunId,
    pub updated_at: i64,
}

impl VolunteerReliability {
    /// The campaign's estimates from full runs (provisional ones left out), by volunteer.
    pub fn estimated(conn: &mut DbConn, campaign_id: &CampaignId) -> QueryResult<Vec<Self>> {
        volunteer_reliability::table
            .filter(volunteer_reliability::campaign_id.eq(campaign_id))
            .filter(volunteer_reliability::provisional.eq(false))
            .order(volunteer_reliability::user_id.asc())
            .select(Self::as_select())
            .load(conn)
    }

    /// Every row of a campaign, provisional ones included, by volunteer.
    pub fn of_campaign(conn: &mut DbConn, campaign_id: &CampaignId) -> QueryResult<Vec<Self>> {
        volunteer_reliability::table
            .filter(volunteer_reliability::campaign_id.eq(campaign_id))
            .order(volunteer_reliability::user_id.asc())
            .select(Self::as_select())
            .load(conn)
    }

    /// Writes full-run estimates (`provisional` false), replacing whatever the volunteers had
    /// in the campaign. Run it in a write transaction.
    pub fn record_full(conn: &mut DbConn, rows: &[Self]) -> QueryResult<()> {
        for row in rows {
            debug_assert!(!row.provisional);
            let updated =
                diesel::update(volunteer_reliability::table.find((&row.campaign_id, &row.user_id)))
                    .set(row)
                    .execute(conn)?;
            if updated == 0 {
                diesel::insert_into(volunteer_reliability::table)
                    .values(row)
                    .execute(conn)?;
            }
        }
        Ok(())
    }

    /// Writes provisional estimates, each only where the volunteer has no full-run estimate
    /// in the campaign. Returns how many it wrote. Run it in a write transaction.
    pub fn record_provisional(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        let mut written = 0;
        for row in rows {
            debug_assert!(row.provisional);
            let key = volunteer_reliability::table.find((&row.campaign_id, &row.user_id));
            let updated = diesel::update(key.filter(volunteer_reliability::provisional.eq(true)))
                .set(row)
                .execute(conn)?;
            let exists: bool = diesel::select(diesel::dsl::exists(key)).get_result(conn)?;
            written += if updated > 0 {
                updated
            } else if exists {
                0
            } else {
                diesel::insert_into(volunteer_reliability::table)
                    .values(row)
                    .execute(conn)?
            };
        }
        Ok(written)
    }

    /// Drops a campaign's rows that the full run `run_id` did not write: volunteers it no
    /// longer estimated (their answers were left out). Returns how many it dropped.
    pub fn drop_not_estimated_by(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        run_id: &RunId,
    ) -> QueryResult<usize> {
        diesel::delete(
            volunteer_reliability::table
                .filter(volunteer_reliability::campaign_id.eq(campaign_id))
                .filter(volunteer_reliability::run_id.ne(run_id)),
        )
        .execute(conn)
    }

    /// Whether a suspended volunteer still has an estimate in the campaign: their answers are
    /// still in its sites, and a full run should leave them out.
    pub fn suspended_still_counted(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            volunteer_reliability::table
                .inner_join(users::table)
                .filter(volunteer_reliability::campaign_id.eq(campaign_id))
                .filter(users::suspended.eq(true)),
        ))
        .get_result(conn)
    }
}
