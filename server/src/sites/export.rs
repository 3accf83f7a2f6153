//! Exporting a campaign's sites, the same for `GET /campaigns/{id}/export.{format}` and
//! `tessera export`: the filter as both take it, and [`export`], which streams the sites in id
//! order a page at a time into a [`tessera_export`] writer.
//!
//! Each page is its own short read, so an export of any size never holds a read transaction
//! (on `SQLite`, the WAL checkpoint waits for the oldest reader) for longer than one page; a
//! site reviewed mid-export appears as it was when its page was read.

use std::io::Write;

use tessera_export::{ExportSite, Format, Provenance, RunInfo};

use crate::db::campaign::Campaign;
use crate::db::ids::{RunId, SiteId};
use crate::db::kinds::SiteStatus;
use crate::db::site::{Site, SiteFilter, SiteRow};
use crate::db::{Db, DbError, PoolError};

/// Sites read per page.
const PAGE: i64 = 2_000;

/// Filter values as a query string or the command line gives them: comma-separated lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterArgs<'a> {
    pub bbox: Option<&'a str>,
    pub class: Option<&'a str>,
    pub status: Option<&'a str>,
    pub min_confidence: Option<f64>,
    /// Damage dated on or after this day (`YYYY-MM-DD`).
    pub damaged_after: Option<&'a str>,
    /// Damage dated on or before this day (`YYYY-MM-DD`).
    pub damaged_before: Option<&'a str>,
}

/// Why a filter was refused: always the caller's mistake, said in the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadFilter(pub String);

fn list(value: Option<&str>) -> Vec<&str> {
    value
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

impl FilterArgs<'_> {
    /// Checks every value against the campaign's classes and the known statuses.
    pub fn parse(&self, classes: &[String]) -> Result<SiteFilter, BadFilter> {
        let mut filter = SiteFilter::default();
        if let Some(bbox) = self.bbox {
            let parts: Vec<f64> = bbox
                .split(',')
                .map(|p| p.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| {
                    BadFilter(format!(
                        "bbox {bbox:?} is not four numbers west,south,east,north"
                    ))
                })?;
            let [west, south, east, north] = parts[..] else {
                return Err(BadFilter(format!(
                    "bbox {bbox:?} is not four numbers west,south,east,north"
                )));
            };
            let lon_ok = |x: f64| (-180.0..=180.0).contains(&x);
            let lat_ok = |y: f64| (-90.0..=90.0).contains(&y);
            if !(lon_ok(west) && lon_ok(east) && lat_ok(south) && lat_ok(north))
                || west > east
                || south > north
            {
                return Err(BadFilter(format!(
                    "bbox {bbox:?} must be west,south,east,north in degrees with west ≤ east and south ≤ north"
                )));
            }
            filter.bbox = Some([west, south, east, north]);
        }
        for class in list(self.class) {
            if !classes.iter().any(|c| c == class) {
                return Err(BadFilter(format!(
                    "class {class:?} is not one of the campaign's classes: {}",
                    classes.join(", ")
                )));
            }
            filter.classes.push(class.to_owned());
        }
        for status in list(self.status) {
            let parsed = status.parse::<SiteStatus>().map_err(|_| {
                BadFilter(format!(
                    "status {status:?} is not one of {}",
                    SiteStatus::ALL
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            filter.statuses.push(parsed);
        }
        if let Some(min) = self.min_confidence {
            if !(0.0..=1.0).contains(&min) {
                return Err(BadFilter(format!(
                    "min_confidence {min} must be between 0 and 1"
                )));
            }
            filter.min_confidence = Some(min);
        }
        for (name, value, slot) in [
            (
                "damaged_after",
                self.damaged_after,
                &mut filter.damaged_from,
            ),
            (
                "damaged_before",
                self.damaged_before,
                &mut filter.damaged_to,
            ),
        ] {
            if let Some(day) = value.filter(|d| !d.is_empty()) {
                chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
                    BadFilter(format!("{name} {day:?} is not a date like 2017-10-30"))
                })?;
                *slot = Some(day.to_owned());
            }
        }
        if let (Some(from), Some(to)) = (&filter.damaged_from, &filter.damaged_to)
            && from > to
        {
            return Err(BadFilter(format!(
                "damaged_after {from} is later than damaged_before {to}"
            )));
        }
        Ok(filter)
    }

    /// The filters as the export's provenance states them, in a fixed order.
    pub fn described(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (name, value) in [
            ("bbox", self.bbox),
            ("class", self.class),
            ("status", self.status),
        ] {
            if let Some(v) = value {
                out.push((name.to_owned(), v.to_owned()));
            }
        }
        if let Some(min) = self.min_confidence {
            out.push(("min_confidence".to_owned(), min.to_string()));
        }
        out
    }
}

/// Milliseconds since the epoch as RFC 3339 UTC (`2026-12-01T10:00:00Z`).
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(String::new, |t| {
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    })
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportFailure {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Write(#[from] tessera_export::ExportError),
}

impl From<diesel::result::Error> for ExportFailure {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

impl From<PoolError> for ExportFailure {
    fn from(e: PoolError) -> Self {
        Self::Db(e.into())
    }
}

/// Everything a file needs before its first site: the campaign, the filters, and the consensus
/// runs the selected sites come from.
pub fn provenance(
    db: &Db,
    campaign: &Campaign,
    filter: &SiteFilter,
    described: Vec<(String, String)>,
    classes: Vec<String>,
    exported_at: i64,
) -> Result<Provenance, ExportFailure> {
    let conn = &mut *db.conn()?;
    let run_ids: Vec<RunId> = Site::run_ids(conn, &campaign.id, filter)?;
    let runs = Site::runs(conn, &run_ids)?
        .into_iter()
        .map(|r| RunInfo {
            id: r.id.0,
            parameters: serde_json::from_str(&r.parameters).unwrap_or(serde_json::Value::Null),
            code_version: r.code_version,
        })
        .collect();
    Ok(Provenance {
        campaign: campaign.slug.clone(),
        campaign_name: campaign.name.clone(),
        exported_at: rfc3339(exported_at),
        filters: described,
        consensus_runs: runs,
        classes,
    })
}

/// An exported site: never a volunteer's handle or account id (the row holds none).
fn export_site(row: SiteRow, frames: Vec<String>) -> ExportSite {
    ExportSite {
        id: row.id.0,
        lon: row.lon,
        lat: row.lat,
        class: row.class,
        confidence: row.confidence,
        support: row.support,
        seen_by: u32::try_from(row.seen_by).unwrap_or(0),
        uncertainty_m: row.uncertainty_m,
        status: row.status.as_str().to_owned(),
        damaged_after: row.damaged_after,
        damaged_before: row.damaged_before,
        date_confidence: row.date_confidence,
        consensus_run: row.consensus_run_id.map(|r| r.0),
        frames,
        reviewed_at: row.reviewed_at.map(rfc3339),
    }
}

/// Writes the campaign's sites matching `filter` to `out` in `format`; returns how many.
/// `progress` is called after each page with the sites written so far.
pub fn export(
    db: &Db,
    campaign: &Campaign,
    filter: &SiteFilter,
    provenance: &Provenance,
    format: Format,
    out: impl Write + Send,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ExportFailure> {
    let mut sink = tessera_export::writer(format, out, provenance)?;
    let mut after: Option<SiteId> = None;
    let mut written = 0u64;
    loop {
        let (rows, frames) = {
            let conn = &mut *db.conn()?;
            let rows = Site::page(conn, &campaign.id, filter, after.as_ref(), PAGE)?;
            let ids: Vec<SiteId> = rows.iter().map(|r| r.id.clone()).collect();
            let frames = Site::frame_hashes(conn, &ids)?;
            (rows, frames)
        };
        let Some(last) = rows.last() else { break };
        after = Some(last.id.clone());
        let full = rows.len() == usize::try_from(PAGE).unwrap_or(usize::MAX);
        let mut frames = frames;
        for row in rows {
            let hashes = frames.remove(&row.id).unwrap_or_default();
            sink.write(&export_site(row, hashes))?;
            written += 1;
        }
        progress(written);
        if !full {
            break;
        }
    }
    sink.finish()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes() -> Vec<String> {
        vec!["destroyed".into(), "damaged".into()]
    }

    #[test]
    fn filters_parse_and_refuse_with_a_reason() {
        let ok = FilterArgs {
            bbox: Some("38.9,35.9,39.1,36.0"),
            class: Some("destroyed, damaged"),
            status: Some("confirmed,candidate"),
            min_confidence: Some(0.5),
            damaged_after: Some("2017-06-01"),
            damaged_before: None,
        }
        .parse(&classes())
        .unwrap();
        assert_eq!(ok.bbox, Some([38.9, 35.9, 39.1, 36.0]));
        assert_eq!(ok.damaged_from.as_deref(), Some("2017-06-01"));
        assert_eq!(ok.classes, classes());
        assert_eq!(
            ok.statuses,
            vec![SiteStatus::Confirmed, SiteStatus::Candidate]
        );
        let refused = |args: FilterArgs<'_>| args.parse(&classes()).unwrap_err().0;
        assert!(
            refused(FilterArgs {
                class: Some("crater"),
                ..FilterArgs::default()
            })
            .contains("destroyed, damaged")
        );
        assert!(
            refused(FilterArgs {
                status: Some("maybe"),
                ..FilterArgs::default()
            })
            .contains("consensus_lost")
        );
        assert!(
            refused(FilterArgs {
                bbox: Some("1,2,3"),
                ..FilterArgs::default()
            })
            .contains("four numbers")
        );
        assert!(
            refused(FilterArgs {
                bbox: Some("10,0,5,1"),
                ..FilterArgs::default()
            })
            .contains("west ≤ east")
        );
        assert!(
            refused(FilterArgs {
                min_confidence: Some(1.5),
                ..FilterArgs::default()
            })
            .contains("between 0 and 1")
        );
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(1_764_583_200_000), "2025-12-01T10:00:00Z");
    }
}
