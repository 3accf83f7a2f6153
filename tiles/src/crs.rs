//! Coordinate reference systems: CRS coordinates ↔ WGS84 longitude/latitude through the pure-Rust
//! `proj4rs` (no PROJ or GDAL at run time).
//!
//! A [`Crs`] is built from an EPSG code (every code `proj4rs`'s `crs-definitions` table knows:
//! 4326, 3857, all UTM zones 326xx/327xx, …) or from a PROJ string (how user-defined GeoTIFF CRSs
//! are expressed). `proj4rs` works in radians for geographic systems; this module hides that and
//! speaks degrees.

use std::fmt;

use proj4rs::Proj;
use proj4rs::transform::{Transform, TransformClosure, transform};

/// A coordinate reference system that can convert to and from WGS84.
///
/// ```
/// use tessera_tiles::Crs;
/// let utm37n = Crs::from_epsg(32637).unwrap();
/// let (lon, lat) = utm37n.to_wgs84(500_000.0, 3_978_403.0).unwrap();
/// assert!((lon - 39.0).abs() < 1e-9 && (lat - 35.95).abs() < 0.01);
/// assert!(Crs::from_epsg(1).is_err());
/// ```
pub struct Crs {
    label: String,
    epsg: Option<u16>,
    definition: String,
    proj: Proj,
    wgs84: Proj,
}

impl fmt::Debug for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crs")
            .field("label", &self.label)
            .field("epsg", &self.epsg)
            .finish_non_exhaustive()
    }
}

impl Clone for Crs {
    fn clone(&self) -> Self {
        // Both definitions were parsed once already, so re-parsing cannot fail.
        Self::build(self.label.clone(), self.epsg, self.definition.clone())
            .unwrap_or_else(|_| unreachable!("a parsed CRS definition parses again"))
    }
}

impl PartialEq for Crs {
    fn eq(&self, other: &Self) -> bool {
        match (self.epsg, other.epsg) {
            (Some(a), Some(b)) => a == b,
            _ => self.label == other.label,
        }
    }
}

/// One point for `proj4rs`'s `Transform` trait.
struct Pt(f64, f64);

impl Transform for Pt {
    fn transform_coordinates<F: TransformClosure>(
        &mut self,
        f: &mut F,
    ) -> proj4rs::errors::Result<()> {
        let (x, y, _) = f(self.0, self.1, 0.0)?;
        self.0 = x;
        self.1 = y;
        Ok(())
    }
}

const WGS84: &str = "+proj=longlat +datum=WGS84 +no_defs";

impl Crs {
    fn build(label: String, epsg: Option<u16>, definition: String) -> Result<Self, String> {
        let proj = Proj::from_proj_string(&definition).map_err(|e| format!("{label}: {e}"))?;
        let wgs84 = Proj::from_proj_string(WGS84).map_err(|e| e.to_string())?;
        Ok(Self {
            label,
            epsg,
            definition,
            proj,
            wgs84,
        })
    }

    /// The PROJ string behind this CRS.
    #[must_use]
    pub fn definition(&self) -> &str {
        &self.definition
    }

    /// The CRS with this EPSG code, if `proj4rs` knows it.
    ///
    /// # Errors
    /// A message naming the code when it is unknown.
    pub fn from_epsg(code: u16) -> Result<Self, String> {
        let def = crs_definitions::from_code(code)
            .ok_or_else(|| format!("EPSG:{code} is not in the proj4rs definitions"))?;
        Self::build(format!("EPSG:{code}"), Some(code), def.proj4.to_owned())
    }

    /// A CRS from a PROJ string such as `+proj=utm +zone=18 +datum=WGS84`.
    ///
    /// # Errors
    /// A message when the string does not parse.
    pub fn from_proj_string(definition: &str) -> Result<Self, String> {
        let definition = definition.trim().to_owned();
        Self::build(definition.clone(), None, definition)
    }

    /// Parses what a user passes as `--crs`: `EPSG:NNNN`, a bare number, or a PROJ string.
    ///
    /// ```
    /// use tessera_tiles::Crs;
    /// assert_eq!(Crs::parse("EPSG:3857").unwrap().epsg(), Some(3857));
    /// assert_eq!(Crs::parse("4326").unwrap().epsg(), Some(4326));
    /// assert!(Crs::parse("+proj=utm +zone=18 +datum=WGS84").unwrap().epsg().is_none());
    /// assert!(Crs::parse("not a crs").is_err());
    /// ```
    ///
    /// # Errors
    /// A message when the text is none of these forms or names an unknown code.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.starts_with('+') {
            return Self::from_proj_string(t);
        }
        let code = t
            .strip_prefix("EPSG:")
            .or_else(|| t.strip_prefix("epsg:"))
            .unwrap_or(t);
        code.parse::<u16>()
            .map_err(|_| format!("`{t}` is neither EPSG:NNNN nor a +proj string"))
            .and_then(Self::from_epsg)
    }

    /// The EPSG code, when the CRS was given as one.
    #[must_use]
    pub fn epsg(&self) -> Option<u16> {
        self.epsg
    }

    /// `EPSG:NNNN` or the PROJ string.
    #[must_use]
    pub fn label(&self) -> &str {
        &self.label
    }

    /// True for longitude/latitude systems (coordinates in degrees).
    #[must_use]
    pub fn is_geographic(&self) -> bool {
        self.proj.is_latlong()
    }

    /// Converts CRS coordinates to WGS84 (longitude, latitude) in degrees.
    ///
    /// # Errors
    /// The projection library's message when the point cannot be converted.
    pub fn to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        Self::convert(&self.proj, &self.wgs84, x, y)
    }

    /// Converts WGS84 (longitude, latitude) in degrees to this CRS.
    ///
    /// # Errors
    /// The projection library's message when the point cannot be converted.
    pub fn from_wgs84(&self, lon: f64, lat: f64) -> Result<(f64, f64), String> {
        Self::convert(&self.wgs84, &self.proj, lon, lat)
    }

    /// Converts coordinates of this CRS into `other`.
    ///
    /// # Errors
    /// The projection library's message when the point cannot be converted.
    pub fn to_crs(&self, other: &Self, x: f64, y: f64) -> Result<(f64, f64), String> {
        if self == other {
            return Ok((x, y));
        }
        Self::convert(&self.proj, &other.proj, x, y)
    }

    fn convert(src: &Proj, dst: &Proj, x: f64, y: f64) -> Result<(f64, f64), String> {
        let mut p = if src.is_latlong() {
            Pt(x.to_radians(), y.to_radians())
        } else {
            Pt(x, y)
        };
        transform(src, dst, &mut p).map_err(|e| e.to_string())?;
        if dst.is_latlong() {
            p = Pt(p.0.to_degrees(), p.1.to_degrees());
        }
        if p.0.is_finite() && p.1.is_finite() {
            Ok((p.0, p.1))
        } else {
            Err(format!("({x}, {y}) has no finite image"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::utm33n(32633, 500_000.0, 5_500_000.0, 15.0, 49.652_542_92)]
    #[case::web_mercator(3857, 0.0, 0.0, 0.0, 0.0)]
    #[case::wgs84(4326, 39.01, 35.95, 39.01, 35.95)]
    fn known_points_convert(
        #[case] code: u16,
        #[case] x: f64,
        #[case] y: f64,
        #[case] lon: f64,
        #[case] lat: f64,
    ) {
        let crs = Crs::from_epsg(code).unwrap();
        let (lo, la) = crs.to_wgs84(x, y).unwrap();
        assert!(
            (lo - lon).abs() < 1e-8 && (la - lat).abs() < 1e-8,
            "{lo} {la}"
        );
    }

    #[test]
    fn round_trip_through_wgs84() {
        let crs = Crs::from_epsg(32718).unwrap();
        let (lon, lat) = crs.to_wgs84(300_000.0, 8_000_000.0).unwrap();
        let (x, y) = crs.from_wgs84(lon, lat).unwrap();
        assert!((x - 300_000.0).abs() < 1e-4 && (y - 8_000_000.0).abs() < 1e-4);
    }

    #[test]
    fn clone_keeps_identity() {
        let a = Crs::from_proj_string("+proj=utm +zone=18 +ellps=WGS84").unwrap();
        assert_eq!(a.clone(), a);
        assert_ne!(a, Crs::from_epsg(4326).unwrap());
    }
}
