//! The GeoKey directory (tags 34735/34736/34737): which CRS a GeoTIFF is in, and whether its
//! raster space is `PixelIsArea` or `PixelIsPoint`.
//!
//! Most files name an EPSG code (`ProjectedCSTypeGeoKey` 3072 or `GeographicTypeGeoKey` 2048).
//! Some, like rasterio's `rgb1.tif`, are "user-defined" (code 32767) and spell the CRS out as a
//! projection code (e.g. 16018 = UTM zone 18N) or as projection parameters plus an ellipsoid; those
//! are turned into a PROJ string here, as GDAL does when it builds its WKT.

use std::collections::BTreeMap;

/// The GeoKey value for "user-defined".
const USER_DEFINED: u16 = 32767;

/// A parsed GeoKey value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum KeyValue {
    Short(u16),
    Doubles(Vec<f64>),
    Ascii(String),
}

/// The CRS a GeoTIFF declares.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DeclaredCrs {
    /// An EPSG code.
    Epsg(u16),
    /// A user-defined CRS, rebuilt as a PROJ string.
    Proj(String),
    /// GeoKeys present but not understood (the detail says which).
    Unsupported(String),
    /// No CRS keys at all.
    Missing,
}

/// The GeoKey directory, keyed by GeoKey id.
#[derive(Debug, Default, Clone)]
pub(crate) struct GeoKeys(BTreeMap<u16, KeyValue>);

impl GeoKeys {
    /// Parses the directory from the three tags. Malformed entries are skipped, not fatal: GDAL
    /// also reads what it can.
    pub(crate) fn parse(directory: &[u16], doubles: &[f64], ascii: &str) -> Self {
        let mut keys = BTreeMap::new();
        let count = directory.get(3).copied().unwrap_or(0) as usize;
        for entry in directory
            .get(4..)
            .unwrap_or(&[])
            .chunks_exact(4)
            .take(count)
        {
            let (id, location, n, offset) =
                (entry[0], entry[1], entry[2] as usize, entry[3] as usize);
            let value = match location {
                0 => Some(KeyValue::Short(entry[3])),
                34736 => doubles
                    .get(offset..offset + n)
                    .map(|d| KeyValue::Doubles(d.to_vec())),
                34737 => ascii
                    .get(offset..(offset + n).min(ascii.len()))
                    .map(|s| KeyValue::Ascii(s.trim_end_matches(['|', '\0']).to_owned())),
                34735 => directory.get(offset).map(|&v| KeyValue::Short(v)),
                _ => None,
            };
            if let Some(v) = value {
                keys.insert(id, v);
            }
        }
        Self(keys)
    }

    fn short(&self, id: u16) -> Option<u16> {
        match self.0.get(&id)? {
            KeyValue::Short(v) => Some(*v),
            _ => None,
        }
    }

    fn double(&self, id: u16) -> Option<f64> {
        match self.0.get(&id)? {
            KeyValue::Doubles(v) => v.first().copied(),
            _ => None,
        }
    }

    /// True when `GTRasterTypeGeoKey` (1025) says `RasterPixelIsPoint`.
    pub(crate) fn pixel_is_point(&self) -> bool {
        self.short(1025) == Some(2)
    }

    /// The declared CRS.
    pub(crate) fn crs(&self) -> DeclaredCrs {
        let model = self.short(1024);
        let code = |c: Option<u16>| c.filter(|&c| c != USER_DEFINED && c != 0);
        let projected = code(self.short(3072)).filter(|_| matches!(model, Some(1) | None));
        let geographic = code(self.short(2048)).filter(|_| matches!(model, Some(2) | None));
        if let Some(c) = projected.or(geographic) {
            return DeclaredCrs::Epsg(c);
        }
        match (model, self.short(3072), self.short(2048)) {
            (Some(1), _, _) => self.user_projected(),
            (Some(2), _, _) => match self.ellipsoid() {
                Some(e) => DeclaredCrs::Proj(format!("+proj=longlat {e} +no_defs")),
                None => {
                    DeclaredCrs::Unsupported("user-defined geographic CRS without ellipsoid".into())
                }
            },
            (Some(m), _, _) => DeclaredCrs::Unsupported(format!("model type {m}")),
            (None, _, _) => DeclaredCrs::Missing,
        }
    }

    /// The ellipsoid (or datum) part of a PROJ string for a user-defined CRS.
    fn ellipsoid(&self) -> Option<String> {
        match self.short(2048) {
            Some(4326) => return Some("+datum=WGS84".into()),
            Some(4269) => return Some("+datum=NAD83".into()),
            Some(4258 | 4019) => return Some("+ellps=GRS80".into()),
            _ => {}
        }
        match self.short(2050) {
            Some(6326) => return Some("+datum=WGS84".into()),
            Some(6269) => return Some("+datum=NAD83".into()),
            _ => {}
        }
        match self.short(2056) {
            Some(7030) => return Some("+ellps=WGS84".into()),
            Some(7019) => return Some("+ellps=GRS80".into()),
            Some(7022) => return Some("+ellps=intl".into()),
            Some(7008) => return Some("+ellps=clrk66".into()),
            _ => {}
        }
        let a = self.double(2057)?;
        match (self.double(2059), self.double(2058)) {
            (Some(rf), _) if rf != 0.0 => Some(format!("+a={a} +rf={rf}")),
            (_, Some(b)) => Some(format!("+a={a} +b={b}")),
            _ => Some(format!("+a={a} +b={a}")),
        }
    }

    fn user_projected(&self) -> DeclaredCrs {
        let Some(ellps) = self.ellipsoid() else {
            return DeclaredCrs::Unsupported("user-defined projected CRS without ellipsoid".into());
        };
        let units = match self.short(3076) {
            None | Some(9001) => "+units=m",
            Some(9002) => "+units=ft",
            Some(9003) => "+units=us-ft",
            Some(u) => return DeclaredCrs::Unsupported(format!("linear unit code {u}")),
        };
        let proj = match self.short(3074) {
            Some(c @ 16001..=16060) => format!("+proj=utm +zone={}", c - 16000),
            Some(c @ 16101..=16160) => format!("+proj=utm +zone={} +south", c - 16100),
            Some(USER_DEFINED) | None => match self.projection_params() {
                Ok(p) => p,
                Err(e) => return DeclaredCrs::Unsupported(e),
            },
            Some(c) => return DeclaredCrs::Unsupported(format!("projection code {c}")),
        };
        DeclaredCrs::Proj(format!("{proj} {ellps} {units} +no_defs"))
    }

    /// Projection parameters for `ProjCoordTransGeoKey` (3075) methods PROJ strings can express.
    fn projection_params(&self) -> Result<String, String> {
        let g = |id| self.double(id).unwrap_or(0.0);
        let lon0 = self
            .double(3080)
            .or(self.double(3088))
            .or(self.double(3084))
            .unwrap_or(0.0);
        let lat0 = self
            .double(3081)
            .or(self.double(3089))
            .or(self.double(3085))
            .unwrap_or(0.0);
        let (x0, y0) = (
            self.double(3082).or(self.double(3086)).unwrap_or(0.0),
            self.double(3083).or(self.double(3087)).unwrap_or(0.0),
        );
        let k = self.double(3092).or(self.double(3093)).unwrap_or(1.0);
        let tail = format!("+x_0={x0} +y_0={y0}");
        match self.short(3075) {
            Some(1) => Ok(format!(
                "+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k={k} {tail}"
            )),
            Some(7) => Ok(format!("+proj=merc +lon_0={lon0} +k={k} {tail}")),
            Some(8) => Ok(format!(
                "+proj=lcc +lat_1={} +lat_2={} +lat_0={lat0} +lon_0={lon0} {tail}",
                g(3078),
                g(3079)
            )),
            Some(m) => Err(format!("coordinate transformation method {m}")),
            None => Err("user-defined projection without ProjCoordTransGeoKey".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(entries: &[[u16; 4]]) -> Vec<u16> {
        let n = u16::try_from(entries.len()).unwrap();
        let mut v = vec![1, 1, 0, n];
        v.extend(entries.iter().flatten());
        v
    }

    #[test]
    fn epsg_projected_code() {
        let k = GeoKeys::parse(
            &dir(&[[1024, 0, 1, 1], [1025, 0, 1, 1], [3072, 0, 1, 32618]]),
            &[],
            "",
        );
        assert_eq!(k.crs(), DeclaredCrs::Epsg(32618));
        assert!(!k.pixel_is_point());
    }

    #[test]
    fn geographic_code_and_pixel_is_point() {
        let k = GeoKeys::parse(
            &dir(&[[1024, 0, 1, 2], [1025, 0, 1, 2], [2048, 0, 1, 4326]]),
            &[],
            "",
        );
        assert_eq!(k.crs(), DeclaredCrs::Epsg(4326));
        assert!(k.pixel_is_point());
    }

    #[test]
    fn user_defined_utm_from_projection_code() {
        // The key layout of rasterio's rgb1.tif.
        let k = GeoKeys::parse(
            &dir(&[
                [1024, 0, 1, 1],
                [2048, 0, 1, 32767],
                [2056, 0, 1, 7030],
                [3072, 0, 1, 32767],
                [3074, 0, 1, 16018],
                [3076, 0, 1, 9001],
            ]),
            &[],
            "",
        );
        assert_eq!(
            k.crs(),
            DeclaredCrs::Proj("+proj=utm +zone=18 +ellps=WGS84 +units=m +no_defs".into())
        );
    }

    #[test]
    fn user_defined_tmerc_from_parameters() {
        let k = GeoKeys::parse(
            &dir(&[
                [1024, 0, 1, 1],
                [2057, 34736, 1, 0],
                [2059, 34736, 1, 1],
                [3072, 0, 1, 32767],
                [3074, 0, 1, 32767],
                [3075, 0, 1, 1],
                [3080, 34736, 1, 2],
                [3092, 34736, 1, 3],
            ]),
            &[6_378_137.0, 298.257_223_563, 15.0, 0.9996],
            "",
        );
        let DeclaredCrs::Proj(p) = k.crs() else {
            panic!("{:?}", k.crs())
        };
        assert!(
            p.starts_with("+proj=tmerc +lat_0=0 +lon_0=15 +k=0.9996"),
            "{p}"
        );
        assert!(p.contains("+a=6378137 +rf=298.257223563"), "{p}");
    }

    #[test]
    fn no_keys_is_missing_and_odd_model_unsupported() {
        assert_eq!(GeoKeys::parse(&[], &[], "").crs(), DeclaredCrs::Missing);
        let k = GeoKeys::parse(&dir(&[[1024, 0, 1, 3]]), &[], "");
        assert!(matches!(k.crs(), DeclaredCrs::Unsupported(_)));
    }
}
