//! CSV (RFC 4180): one row per site with `latitude` and `longitude` columns, which QGIS's
//! delimited-text import, GDAL (`X_POSSIBLE_NAMES=longitude`) and spreadsheets detect.
//!
//! A CSV has nowhere to put the file's provenance without breaking the readers: a comment line
//! above the header is not RFC 4180 and GDAL would read it as the header. Each row instead names
//! its consensus run in the `consensus_run` column.

use std::fmt::Write as _;
use std::io::Write;

use crate::error::{ExportError, ExportResult};
use crate::sink::SiteSink;
use crate::site::{ExportSite, PROPERTIES};

/// The header: `id`, the position, then the other properties in [`PROPERTIES`] order.
pub(crate) fn header() -> Vec<&'static str> {
    let mut columns = vec!["id", "latitude", "longitude"];
    columns.extend(PROPERTIES.iter().skip(1));
    columns
}

/// Streams rows through `csv`'s writer, which quotes fields that hold `,`, `"` or line breaks.
pub(crate) struct CsvSink<W: Write> {
    out: ::csv::Writer<W>,
    /// Scratch text for numbers, reused across rows.
    numbers: [String; 7],
}

impl<W: Write> CsvSink<W> {
    pub(crate) fn new(out: W) -> ExportResult<Self> {
        let mut out = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(out);
        out.write_record(header()).map_err(ExportError::Csv)?;
        Ok(Self {
            out,
            numbers: Default::default(),
        })
    }
}

impl<W: Write + Send> SiteSink for CsvSink<W> {
    fn write(&mut self, site: &ExportSite) -> ExportResult<()> {
        site.validate()?;
        let (lon, lat) = site.rounded_position();
        let [
            lat_s,
            lon_s,
            confidence,
            support,
            seen_by,
            uncertainty,
            date_confidence,
        ] = &mut self.numbers;
        for (text, value) in [
            (&mut *lat_s, Some(lat)),
            (&mut *lon_s, Some(lon)),
            (&mut *confidence, Some(site.confidence)),
            (&mut *support, Some(site.support)),
            (&mut *uncertainty, Some(site.uncertainty_m)),
            (&mut *date_confidence, site.date_confidence),
        ] {
            text.clear();
            if let Some(value) = value {
                // Writing into a String cannot fail.
                let _ = write!(text, "{value}");
            }
        }
        seen_by.clear();
        let _ = write!(seen_by, "{}", site.seen_by);
        let frames = site.frames_joined();
        let record: [&str; 15] = [
            &site.id,
            lat_s,
            lon_s,
            &site.class,
            confidence,
            support,
            seen_by,
            uncertainty,
            &site.status,
            or_empty(site.damaged_after.as_ref()),
            or_empty(site.damaged_before.as_ref()),
            date_confidence,
            or_empty(site.consensus_run.as_ref()),
            &frames,
            or_empty(site.reviewed_at.as_ref()),
        ];
        self.out.write_record(record).map_err(ExportError::Csv)
    }

    fn finish(mut self: Box<Self>) -> ExportResult<()> {
        self.out.flush().map_err(|e| ExportError::Csv(e.into()))
    }
}

/// An absent value is an empty field (GDAL reads it as null).
fn or_empty(value: Option<&String>) -> &str {
    value.map_or("", String::as_str)
}
