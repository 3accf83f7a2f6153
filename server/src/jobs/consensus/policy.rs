//! When a consensus run covers the whole campaign.
//!
//! Volunteers' reliabilities and the campaign's priors drift slowly as answers come in, so they
//! are estimated by a full run over the whole campaign now and then, and held fixed by the
//! incremental runs in between. A run is full when any of these holds:
//!
//! - the campaign has no full run yet (its first run), or its last one failed;
//! - the consensus parameters changed since the last full run (its estimates were made under
//!   other parameters);
//! - the answers submitted since the last full run started exceed [`FullRunPolicy::answer_share`]
//!   of the answers that run read (by default 20 %: a campaign that grew by a fifth has
//!   volunteers the estimates barely know);
//! - the last full run is older than [`FullRunPolicy::max_age_ms`] (by default a day), so a slow
//!   campaign is still recalibrated;
//! - a suspended volunteer's answers still count in the campaign: only a full run leaves them out
//!   of every cell, not just the touched ones.

use crate::db::consensus_run::LastFullRun;
use crate::db::kinds::RunKind;

/// When the consensus job runs a full run instead of an incremental one (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FullRunPolicy {
    /// Answers since the last full run, as a share of the answers it read, that call for a new
    /// one. 0 makes every run full. Default 0.2.
    pub answer_share: f64,
    /// Age of the last full run, in milliseconds, that calls for a new one (0 = no limit).
    /// Default one day.
    pub max_age_ms: i64,
}

impl Default for FullRunPolicy {
    fn default() -> Self {
        Self {
            answer_share: 0.2,
            max_age_ms: 24 * 3_600_000,
        }
    }
}

/// What the choice of a run's kind reads.
#[derive(Debug, Clone, Copy)]
pub struct Campaign<'a> {
    /// The campaign's last full run that finished without error.
    pub last_full: Option<&'a LastFullRun>,
    /// The parameters the new run would use (JSON).
    pub parameters: &'a str,
    /// Answers submitted since the last full run started.
    pub answers_since: u64,
    /// Whether a suspended volunteer still has an estimate in the campaign.
    pub suspended_counted: bool,
}

impl FullRunPolicy {
    /// The kind of the campaign's next run at `now`.
    ///
    /// ```
    /// use tessera_server::db::consensus_run::LastFullRun;
    /// use tessera_server::db::kinds::RunKind;
    /// use tessera_server::jobs::consensus::policy::{Campaign, FullRunPolicy};
    /// let policy = FullRunPolicy::default();
    /// let first = Campaign { last_full: None, parameters: "{}", answers_since: 5, suspended_counted: false };
    /// assert_eq!(policy.kind(&first, 0), RunKind::Full);
    /// let last = LastFullRun { id: "r".into(), started_at: 0, parameters: "{}".into(), answers: 100,
    ///                          prior_site: 0.3, prior_decoy: 0.1 };
    /// let few = Campaign { last_full: Some(&last), answers_since: 20, ..first };
    /// assert_eq!(policy.kind(&few, 1_000), RunKind::Incremental);
    /// let many = Campaign { answers_since: 21, ..few };
    /// assert_eq!(policy.kind(&many, 1_000), RunKind::Full);
    /// ```
    #[must_use]
    pub fn kind(&self, campaign: &Campaign<'_>, now: i64) -> RunKind {
        let Some(last) = campaign.last_full else {
            return RunKind::Full;
        };
        #[expect(
            clippy::cast_precision_loss,
            reason = "answer counts are far below 2^52"
        )]
        let grown = campaign.answers_since as f64 > self.answer_share * last.answers as f64;
        let stale = self.max_age_ms > 0 && now.saturating_sub(last.started_at) >= self.max_age_ms;
        if last.parameters != campaign.parameters || campaign.suspended_counted || grown || stale {
            RunKind::Full
        } else {
            RunKind::Incremental
        }
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn last() -> LastFullRun {
        LastFullRun {
            id: "run".into(),
            started_at: 1_000,
            parameters: r#"{"eps_m":5.0}"#.into(),
            answers: 1_000,
            prior_site: 0.3,
            prior_decoy: 0.05,
        }
    }

    #[rstest]
    #[case::few_new_answers(r#"{"eps_m":5.0}"#, 200, false, 2_000, RunKind::Incremental)]
    #[case::a_fifth_more_answers(r#"{"eps_m":5.0}"#, 201, false, 2_000, RunKind::Full)]
    #[case::other_parameters(r#"{"eps_m":8.0}"#, 1, false, 2_000, RunKind::Full)]
    #[case::a_suspended_volunteer_counts(r#"{"eps_m":5.0}"#, 1, true, 2_000, RunKind::Full)]
    #[case::a_day_old(r#"{"eps_m":5.0}"#, 1, false, 1_000 + 24 * 3_600_000, RunKind::Full)]
    fn a_run_is_full_when_the_estimates_are_out_of_date(
        #[case] parameters: &str,
        #[case] answers_since: u64,
        #[case] suspended_counted: bool,
        #[case] now: i64,
        #[case] expected: RunKind,
    ) {
        let last = last();
        let campaign = Campaign {
            last_full: Some(&last),
            parameters,
            answers_since,
            suspended_counted,
        };
        assert_eq!(FullRunPolicy::default().kind(&campaign, now), expected);
    }

    #[test]
    fn a_share_of_zero_makes_every_run_full_and_no_age_limit_never_ages() {
        let last = last();
        let campaign = Campaign {
            last_full: Some(&last),
            parameters: &last.parameters,
            answers_since: 1,
            suspended_counted: false,
        };
        let every = FullRunPolicy {
            answer_share: 0.0,
            max_age_ms: 0,
        };
        assert_eq!(every.kind(&campaign, i64::MAX), RunKind::Full);
        let ageless = FullRunPolicy {
            answer_share: 1.0,
            max_age_ms: 0,
        };
        assert_eq!(ageless.kind(&campaign, i64::MAX), RunKind::Incremental);
    }
}
