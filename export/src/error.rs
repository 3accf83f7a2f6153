//! The crate's one error type. Every fallible public function returns [`ExportResult`].

use crate::format::{Format, UnknownFormat};

/// Everything that can go wrong while exporting. Marked `#[non_exhaustive]` so new failure modes
/// are not breaking changes. After an error the output is incomplete: discard it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A number of a site is NaN or infinite: no format can represent it faithfully.
    #[error("site {site}: {field} is {value}, not a finite number")]
    NotFinite {
        /// The site's id.
        site: String,
        /// Which number (e.g. `"confidence"`).
        field: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A site's position is outside WGS 84 (longitude −180..180, latitude −90..90).
    #[error("site {site}: position ({lon}, {lat}) is outside WGS 84's range")]
    OutOfRange {
        /// The site's id.
        site: String,
        /// Longitude in degrees.
        lon: f64,
        /// Latitude in degrees.
        lat: f64,
    },
    /// A format name that is not one of `geojson`, `csv`, `kml`, `gpkg`.
    #[error(transparent)]
    UnknownFormat(#[from] UnknownFormat),
    /// Writing the output (or the GeoPackage's temporary file) failed.
    #[error("writing the {format} export: {source}")]
    Io {
        /// The format being written.
        format: Format,
        /// The underlying failure.
        #[source]
        source: std::io::Error,
    },
    /// The CSV encoder failed (in practice: its output failed).
    #[error("writing the CSV export: {0}")]
    Csv(#[source] csv::Error),
    /// The GeoPackage's SQLite database refused a statement.
    #[error("GeoPackage: {context}: {source}")]
    Sqlite {
        /// What was being done.
        context: &'static str,
        /// The underlying failure.
        #[source]
        source: rusqlite::Error,
    },
}

/// The result of every fallible function of this crate.
pub type ExportResult<T> = Result<T, ExportError>;

/// Maps an I/O failure of `format`'s writer into [`ExportError::Io`].
pub(crate) fn io(format: Format) -> impl FnOnce(std::io::Error) -> ExportError {
    move |source| ExportError::Io { format, source }
}

/// Maps a failed SQLite statement into [`ExportError::Sqlite`].
pub(crate) fn sqlite(context: &'static str) -> impl FnOnce(rusqlite::Error) -> ExportError {
    move |source| ExportError::Sqlite { context, source }
}
