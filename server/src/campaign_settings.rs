//! A campaign's settings, with the documented defaults a coordinator gets by naming only a slug.

use serde::{Deserialize, Serialize};
use tessera_consensus::ConsensusParams;
use utoipa::ToSchema;

/// Everything a coordinator can tune about a campaign. Every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignSettings {
    /// Damage classes a volunteer chooses from, as `snake_case` ids.
    /// Default: `destroyed`, `severe`, `moderate`, `crater`.
    pub damage_classes: Vec<String>,
    /// How many independent answers a task needs.
    pub redundancy: Redundancy,
    /// Share of tasks that are gold (known answer) for established volunteers. Default 0.05.
    pub gold_rate: f64,
    /// Gold share during a volunteer's first `new_volunteer_tasks` tasks. Default 0.25.
    pub gold_rate_new: f64,
    /// How many first tasks count as "new volunteer". Default 20.
    pub new_volunteer_tasks: u32,
    /// Tile edge in pixels. Default 256.
    pub tile_size: u32,
    /// Overlap between neighbouring tiles in pixels. Default 32.
    pub overlap: u32,
    /// JPEG quality of tiles, 1–100. Default 85.
    pub jpeg_quality: u8,
    /// Tiles with more than this share of no-data pixels are skipped. Default 0.9.
    pub nodata_threshold: f64,
    /// Minutes before an unanswered lease expires and the task returns to the pool. Default 10.
    pub lease_minutes: u32,
    /// Leases a volunteer may hold at once (one shown, the rest prefetched). Default 2.
    pub max_leases: u32,
    /// Consensus parameters.
    pub consensus: ConsensusSettings,
}

/// Adaptive redundancy: retire at `min` agreeing answers, ask up to `max` when they disagree.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Redundancy {
    /// Default 3.
    pub min: u32,
    /// Default 6.
    pub max: u32,
}

/// Parameters of the consensus engine for this campaign.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ConsensusSettings {
    /// Clustering radius in metres; `null` derives it from the frames' ground resolution.
    pub eps_m: Option<f64>,
    /// Distinct volunteers needed to form a site. Default 2.
    pub min_volunteers: u32,
    /// Share of the volunteers who saw a spot that must have marked it. Default 0.5.
    pub min_support: f64,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        Self {
            damage_classes: ["destroyed", "severe", "moderate", "crater"]
                .map(str::to_owned)
                .to_vec(),
            redundancy: Redundancy::default(),
            gold_rate: 0.05,
            gold_rate_new: 0.25,
            new_volunteer_tasks: 20,
            tile_size: 256,
            overlap: 32,
            jpeg_quality: 85,
            nodata_threshold: 0.9,
            lease_minutes: 10,
            max_leases: 2,
            consensus: ConsensusSettings::default(),
        }
    }
}

impl Default for Redundancy {
    fn default() -> Self {
        Self { min: 3, max: 6 }
    }
}

impl Default for ConsensusSettings {
    fn default() -> Self {
        Self {
            eps_m: None,
            min_volunteers: 2,
            min_support: 0.5,
        }
    }
}

impl CampaignSettings {
    /// The consensus engine's parameters for this campaign: the one place settings become
    /// [`ConsensusParams`], for the consensus job and for answer intake's adaptive redundancy
    /// alike. What a campaign does not set keeps the engine's documented default.
    ///
    /// ```
    /// use tessera_server::campaign_settings::CampaignSettings;
    /// let mut settings = CampaignSettings::default();
    /// settings.consensus.min_volunteers = 3;
    /// settings.consensus.min_support = 0.75;
    /// settings.redundancy.max = 9;
    /// let params = settings.consensus_params();
    /// assert_eq!((params.min_volunteers, params.min_support, params.max_answers), (3, 0.75, 9));
    /// ```
    #[must_use]
    pub fn consensus_params(&self) -> ConsensusParams {
        ConsensusParams {
            eps_m: self.consensus.eps_m,
            min_volunteers: self.consensus.min_volunteers as usize,
            min_support: self.consensus.min_support,
            classes: self.damage_classes.clone(),
            min_answers: self.redundancy.min as usize,
            max_answers: self.redundancy.max as usize,
            ..ConsensusParams::default()
        }
    }

    /// Checks every value; the message names the field and the allowed range.
    ///
    /// ```
    /// use tessera_server::campaign_settings::CampaignSettings;
    /// assert!(CampaignSettings::default().validate().is_ok());
    /// let bad = CampaignSettings { tile_size: 10, ..CampaignSettings::default() };
    /// assert!(bad.validate().unwrap_err().contains("tile_size"));
    /// ```
    pub fn validate(&self) -> Result<(), String> {
        let classes = &self.damage_classes;
        if classes.is_empty() || classes.len() > 16 {
            return Err("damage_classes must list 1 to 16 classes".into());
        }
        for (i, class) in classes.iter().enumerate() {
            let well_formed = !class.is_empty()
                && class.len() <= 32
                && class
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !well_formed {
                return Err(format!(
                    "damage class {class:?} must be 1-32 characters of a-z, 0-9 and _"
                ));
            }
            if classes[..i].contains(class) {
                return Err(format!("damage class {class:?} is listed twice"));
            }
        }
        let r = self.redundancy;
        if !(1..=50).contains(&r.min) || r.max < r.min || r.max > 50 {
            return Err("redundancy needs 1 <= min <= max <= 50".into());
        }
        for (name, rate) in [
            ("gold_rate", self.gold_rate),
            ("gold_rate_new", self.gold_rate_new),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        if !(64..=2048).contains(&self.tile_size) {
            return Err("tile_size must be between 64 and 2048 pixels".into());
        }
        if self.overlap * 2 >= self.tile_size {
            return Err("overlap must be less than half of tile_size".into());
        }
        if !(1..=100).contains(&self.jpeg_quality) {
            return Err("jpeg_quality must be between 1 and 100".into());
        }
        if !(0.0..=1.0).contains(&self.nodata_threshold) {
            return Err("nodata_threshold must be between 0 and 1".into());
        }
        if !(1..=24 * 60).contains(&self.lease_minutes) {
            return Err("lease_minutes must be between 1 and 1440".into());
        }
        if !(1..=10).contains(&self.max_leases) {
            return Err("max_leases must be between 1 and 10".into());
        }
        let c = self.consensus;
        if c.eps_m.is_some_and(|e| !(e > 0.0 && e <= 1000.0)) {
            return Err("consensus.eps_m must be between 0 and 1000 metres".into());
        }
        if c.min_volunteers == 0 || !(0.0..=1.0).contains(&c.min_support) {
            return Err("consensus needs min_volunteers >= 1 and 0 <= min_support <= 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn empty_object_gives_the_defaults() {
        let s: CampaignSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, CampaignSettings::default());
        assert_eq!(s.redundancy.min, 3);
    }

    #[test]
    fn unknown_setting_is_refused() {
        let err = serde_json::from_str::<CampaignSettings>(r#"{"redundnacy":{"min":2}}"#);
        assert!(err.unwrap_err().to_string().contains("redundnacy"));
    }

    #[rstest]
    #[case::no_classes(r#"{"damage_classes":[]}"#, "damage_classes")]
    #[case::bad_class(r#"{"damage_classes":["Bad Class"]}"#, "Bad Class")]
    #[case::duplicate_class(r#"{"damage_classes":["a","a"]}"#, "twice")]
    #[case::max_below_min(r#"{"redundancy":{"min":4,"max":3}}"#, "redundancy")]
    #[case::gold_rate(r#"{"gold_rate":1.5}"#, "gold_rate")]
    #[case::overlap(r#"{"tile_size":256,"overlap":128}"#, "overlap")]
    #[case::quality(r#"{"jpeg_quality":0}"#, "jpeg_quality")]
    #[case::eps(r#"{"consensus":{"eps_m":-1}}"#, "eps_m")]
    fn invalid_settings_name_the_field(#[case] json: &str, #[case] needle: &str) {
        let s: CampaignSettings = serde_json::from_str(json).unwrap();
        assert!(s.validate().unwrap_err().contains(needle));
    }
}
