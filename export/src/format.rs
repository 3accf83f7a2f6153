//! The export formats and how each is named on the command line, on disk and over HTTP.

use std::fmt;
use std::str::FromStr;

/// A GIS file format that [`writer`](crate::writer) can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// GeoJSON (RFC 7946) FeatureCollection.
    GeoJson,
    /// Comma-separated values (RFC 4180) with `latitude` and `longitude` columns.
    Csv,
    /// KML 2.2 (Google Earth).
    Kml,
    /// OGC GeoPackage 1.3 (QGIS's default vector format).
    GeoPackage,
}

impl Format {
    /// Every format, in the order they are documented.
    pub const ALL: [Self; 4] = [Self::GeoJson, Self::Csv, Self::Kml, Self::GeoPackage];

    /// The name used by `FromStr`, the command line and URLs (`export.{name}`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::GeoJson => "geojson",
            Self::Csv => "csv",
            Self::Kml => "kml",
            Self::GeoPackage => "gpkg",
        }
    }

    /// The file extension, without the dot.
    pub const fn extension(self) -> &'static str {
        self.name()
    }

    /// The media type for an HTTP `Content-Type`.
    pub const fn media_type(self) -> &'static str {
        match self {
            Self::GeoJson => "application/geo+json",
            Self::Csv => "text/csv; charset=utf-8; header=present",
            Self::Kml => "application/vnd.google-earth.kml+xml",
            Self::GeoPackage => "application/geopackage+sqlite3",
        }
    }
}

/// A format name that [`Format`]'s `FromStr` does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown export format {0:?}: expected geojson, csv, kml or gpkg")]
pub struct UnknownFormat(pub String);

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses `geojson`, `csv`, `kml` or `gpkg` (ASCII case-insensitive).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownFormat(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>().ok(), Some(format));
        }
        assert_eq!("GPKG".parse::<Format>().ok(), Some(Format::GeoPackage));
        assert_eq!("shp".parse::<Format>(), Err(UnknownFormat("shp".into())));
    }
}
