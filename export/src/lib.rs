#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod csv;
mod error;
mod format;
mod geojson;
mod gpkg;
mod kml;
mod sink;
mod site;

use std::io::Write;

pub use error::{ExportError, ExportResult};
pub use format::{Format, UnknownFormat};
pub use sink::SiteSink;
pub use site::{COORDINATE_DECIMALS, ExportSite, PROPERTIES, Provenance, RunInfo};

/// A sink that writes `format` to `out`, starting with what precedes the first site (the header,
/// the provenance, KML's styles).
///
/// Memory stays bounded whatever the number of sites: GeoJSON, CSV and KML are written as the
/// sites come; a GeoPackage is built in a temporary SQLite file and copied to `out` by
/// [`SiteSink::finish`]. `out` need not be buffered.
///
/// ```
/// use tessera_export::{ExportSite, Format, Provenance, writer};
/// let site = ExportSite {
///     id: "s1".into(), lon: 39.0, lat: 35.95, class: "crater".into(),
///     confidence: 0.9, support: 4.0, seen_by: 5, uncertainty_m: 6.5,
///     status: "confirmed".into(), damaged_after: None, damaged_before: None,
///     date_confidence: None, consensus_run: Some("run-1".into()),
///     frames: vec!["ab12".into()], reviewed_at: None,
/// };
/// let mut out = Vec::new();
/// let mut sink = writer(Format::Csv, &mut out, &Provenance::default())?;
/// sink.write(&site)?;
/// sink.finish()?;
/// assert!(String::from_utf8_lossy(&out).contains("s1,35.95,39,crater"));
/// # Ok::<(), tessera_export::ExportError>(())
/// ```
pub fn writer<'a, W: Write + Send + 'a>(
    format: Format,
    out: W,
    provenance: &Provenance,
) -> ExportResult<Box<dyn SiteSink + 'a>> {
    Ok(match format {
        Format::GeoJson => Box::new(geojson::GeoJsonSink::new(out, provenance)?),
        Format::Csv => Box::new(csv::CsvSink::new(out)?),
        Format::Kml => Box::new(kml::KmlSink::new(out, provenance)?),
        Format::GeoPackage => Box::new(gpkg::GpkgSink::new(out, provenance)?),
    })
}
