//! GeoJSON (RFC 7946): a FeatureCollection of Points, written feature by feature.
//!
//! The collection's opening (with the provenance as the foreign member `tessera`) is written
//! first, each feature as it comes, and the closing brackets by `finish`; only one feature is in
//! memory at a time. RFC 7946 rules: WGS 84 `[lon, lat]`, no `crs` member, 7 decimals.

use std::io::{BufWriter, Write};

use serde::Serialize;

use crate::error::{ExportError, ExportResult, io};
use crate::format::Format;
use crate::sink::SiteSink;
use crate::site::{ExportSite, Provenance};

/// Streams a FeatureCollection.
pub(crate) struct GeoJsonSink<W: Write> {
    out: BufWriter<W>,
    /// Whether a feature was written (the next one needs a separating comma).
    any: bool,
}

impl<W: Write> GeoJsonSink<W> {
    pub(crate) fn new(out: W, provenance: &Provenance) -> ExportResult<Self> {
        let mut out = BufWriter::new(out);
        write!(
            out,
            "{{\"type\":\"FeatureCollection\",\"tessera\":{},\"features\":[",
            provenance.to_json()
        )
        .map_err(io(Format::GeoJson))?;
        Ok(Self { out, any: false })
    }
}

impl<W: Write + Send> SiteSink for GeoJsonSink<W> {
    fn write(&mut self, site: &ExportSite) -> ExportResult<()> {
        site.validate()?;
        let (lon, lat) = site.rounded_position();
        let separator: &[u8] = if self.any { b",\n" } else { b"\n" };
        self.out.write_all(separator).map_err(io(Format::GeoJson))?;
        let feature = Feature {
            kind: "Feature",
            geometry: Point {
                kind: "Point",
                coordinates: [lon, lat],
            },
            properties: Properties::from(site),
        };
        serde_json::to_writer(&mut self.out, &feature).map_err(|e| ExportError::Io {
            format: Format::GeoJson,
            source: e.into(),
        })?;
        self.any = true;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> ExportResult<()> {
        let closing: &[u8] = if self.any { b"\n]}\n" } else { b"]}\n" };
        self.out.write_all(closing).map_err(io(Format::GeoJson))?;
        self.out.flush().map_err(io(Format::GeoJson))
    }
}

#[derive(Serialize)]
struct Feature<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    geometry: Point,
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

/// The feature's properties: exactly [`crate::PROPERTIES`], in that order.
#[derive(Serialize)]
struct Properties<'a> {
    id: &'a str,
    class: &'a str,
    confidence: f64,
    support: f64,
    seen_by: u32,
    uncertainty_m: f64,
    status: &'a str,
    damaged_after: Option<&'a str>,
    damaged_before: Option<&'a str>,
    date_confidence: Option<f64>,
    consensus_run: Option<&'a str>,
    frames: &'a [String],
    reviewed_at: Option<&'a str>,
}

impl<'a> From<&'a ExportSite> for Properties<'a> {
    fn from(site: &'a ExportSite) -> Self {
        Self {
            id: &site.id,
            class: &site.class,
            confidence: site.confidence,
            support: site.support,
            seen_by: site.seen_by,
            uncertainty_m: site.uncertainty_m,
            status: &site.status,
            damaged_after: site.damaged_after.as_deref(),
            damaged_before: site.damaged_before.as_deref(),
            date_confidence: site.date_confidence,
            consensus_run: site.consensus_run.as_deref(),
            frames: &site.frames,
            reviewed_at: site.reviewed_at.as_deref(),
        }
    }
}
