//! What goes into an export: one row per strike site, and the provenance of the whole file.
//!
//! The row type is the privacy boundary. It has no field for a volunteer's handle, account id or
//! address, so no writer can leak one: whatever the server knows about people stays on the
//! server's side of [`ExportSite`].

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::error::{ExportError, ExportResult};

/// The site properties every format carries, in the order they are written. A new property is
/// a conscious change: the tests compare every format's field names with this list.
pub const PROPERTIES: [&str; 13] = [
    "id",
    "class",
    "confidence",
    "support",
    "seen_by",
    "uncertainty_m",
    "status",
    "damaged_after",
    "damaged_before",
    "date_confidence",
    "consensus_run",
    "frames",
    "reviewed_at",
];

/// Decimal places of every written coordinate: 1e-7° is about 1 cm, far below any site's
/// uncertainty, and RFC 7946 recommends no more.
pub const COORDINATE_DECIMALS: i32 = 7;

/// One strike site as exported.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSite {
    /// The site's durable id.
    pub id: String,
    /// Longitude in degrees, WGS 84.
    pub lon: f64,
    /// Latitude in degrees, WGS 84.
    pub lat: f64,
    /// Damage class (one of the campaign's classes).
    pub class: String,
    /// Consensus confidence in `[0, 1]`.
    pub confidence: f64,
    /// Weighted support of the class among the votes.
    pub support: f64,
    /// How many volunteers saw the place.
    pub seen_by: u32,
    /// Radius of the position's uncertainty, metres.
    pub uncertainty_m: f64,
    /// `candidate`, `confirmed`, `rejected`, `merged` or `consensus_lost`.
    pub status: String,
    /// The damage happened after this date (ISO 8601), when dated.
    pub damaged_after: Option<String>,
    /// The damage happened before this date (ISO 8601), when dated.
    pub damaged_before: Option<String>,
    /// Confidence of the date interval in `[0, 1]`, when dated.
    pub date_confidence: Option<f64>,
    /// Id of the consensus run that last touched the site.
    pub consensus_run: Option<String>,
    /// SHA-256 of every frame the site rests on.
    pub frames: Vec<String>,
    /// When an analyst last reviewed the site (ISO 8601, UTC).
    pub reviewed_at: Option<String>,
}

impl ExportSite {
    /// Checks what no format can represent: a NaN or infinite number, or a position outside
    /// WGS 84's range. Every writer calls it before writing a byte of the site.
    pub fn validate(&self) -> ExportResult<()> {
        let numbers = [
            ("lon", Some(self.lon)),
            ("lat", Some(self.lat)),
            ("confidence", Some(self.confidence)),
            ("support", Some(self.support)),
            ("uncertainty_m", Some(self.uncertainty_m)),
            ("date_confidence", self.date_confidence),
        ];
        for (field, value) in numbers {
            if let Some(value) = value.filter(|v| !v.is_finite()) {
                return Err(ExportError::NotFinite {
                    site: self.id.clone(),
                    field,
                    value,
                });
            }
        }
        if !(-180.0..=180.0).contains(&self.lon) || !(-90.0..=90.0).contains(&self.lat) {
            return Err(ExportError::OutOfRange {
                site: self.id.clone(),
                lon: self.lon,
                lat: self.lat,
            });
        }
        Ok(())
    }

    /// The position rounded to [`COORDINATE_DECIMALS`], identical in every format.
    pub fn rounded_position(&self) -> (f64, f64) {
        (round_coordinate(self.lon), round_coordinate(self.lat))
    }

    /// The frames as one text field (`;`-separated) for formats without lists.
    pub fn frames_joined(&self) -> String {
        self.frames.join(";")
    }
}

/// Rounds to [`COORDINATE_DECIMALS`]. The quotient is the double nearest the decimal, so its
/// shortest printed form has at most that many decimals; adding zero turns `-0` into `0`.
fn round_coordinate(value: f64) -> f64 {
    let scale = 10f64.powi(COORDINATE_DECIMALS);
    (value * scale).round() / scale + 0.0
}

/// A consensus run whose output is in the export.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// The run's id (what each site's `consensus_run` refers to).
    pub id: String,
    /// The run's parameters, as the engine received them.
    pub parameters: serde_json::Value,
    /// The version of the code that ran it.
    pub code_version: String,
}

/// Where an export comes from: enough to re-derive every finding in it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Provenance {
    /// The campaign's slug.
    pub campaign: String,
    /// The campaign's display name.
    pub campaign_name: String,
    /// When the export was made (ISO 8601, UTC).
    pub exported_at: String,
    /// The filters applied, as `(name, value)` in the order given (e.g. `("status", "confirmed")`).
    pub filters: Vec<(String, String)>,
    /// The consensus runs the sites come from.
    pub consensus_runs: Vec<RunInfo>,
    /// The campaign's classes, in display order (KML gives each its style and colour).
    pub classes: Vec<String>,
}

impl Provenance {
    /// The provenance as one JSON object, the same in every format that can hold it: the
    /// fields above plus `exporter` (this crate's name and version). Keys keep their order.
    pub fn to_json(&self) -> String {
        // Cannot fail: every map key is a string.
        serde_json::to_string(&ProvenanceView(self)).unwrap_or_default()
    }

    /// [`Provenance::to_json`], indented for people (KML shows it in Google Earth's panel).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&ProvenanceView(self)).unwrap_or_default()
    }
}

/// Serde view of [`Provenance`], so the public struct need not expose serde.
struct ProvenanceView<'a>(&'a Provenance);

impl Serialize for ProvenanceView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut map = serializer.serialize_map(Some(7))?;
        map.serialize_entry("campaign", &p.campaign)?;
        map.serialize_entry("campaign_name", &p.campaign_name)?;
        map.serialize_entry("exported_at", &p.exported_at)?;
        map.serialize_entry("filters", &Filters(&p.filters))?;
        let runs: Vec<_> = p
            .consensus_runs
            .iter()
            .map(|run| {
                serde_json::json!({
                    "id": run.id,
                    "parameters": run.parameters,
                    "code_version": run.code_version,
                })
            })
            .collect();
        map.serialize_entry("consensus_runs", &runs)?;
        map.serialize_entry("classes", &p.classes)?;
        map.serialize_entry("exporter", &exporter())?;
        map.end()
    }
}

/// Filters as a JSON object whose keys keep the caller's order.
struct Filters<'a>(&'a [(String, String)]);

impl Serialize for Filters<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// The software that wrote the file, for the provenance.
pub(crate) fn exporter() -> String {
    format!("tessera-export {}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_keeps_at_most_seven_decimals() {
        for value in [38.991_234_567_89, -0.000_000_04, 179.999_999_99, 12.3] {
            let text = round_coordinate(value).to_string();
            let decimals = text.split('.').nth(1).map_or(0, str::len);
            assert!(decimals <= 7, "{value} printed as {text}");
            assert!(!text.starts_with("-0"), "{value} printed as {text}");
        }
    }
}
