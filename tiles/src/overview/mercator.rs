//! Web Mercator (EPSG:3857) and its XYZ tile scheme, as Google, OSM and `OpenLayers` use it:
//! 256 px tiles, tile (0, 0) at the north-west corner of the world, y growing southwards (not
//! TMS, whose y grows northwards).
//!
//! Coordinates are on the sphere of radius 6 378 137 m, so these formulas are exact for the
//! projection itself (EPSG:3857 is defined on the sphere), and `proj4rs` is needed only for the
//! frame's own CRS.

use std::f64::consts::PI;

/// The sphere radius of EPSG:3857, in metres.
pub const RADIUS: f64 = 6_378_137.0;
/// Half the world's width in projected metres (20 037 508.34 m).
pub const ORIGIN: f64 = PI * RADIUS;
/// The latitude where the square world ends (±85.0511°).
pub const MAX_LAT: f64 = 85.051_128_779_806_59;
/// Tile side in pixels.
pub const TILE: u32 = 256;
/// The deepest zoom the overview ever goes to (~9 mm per pixel at the equator).
pub const MAX_ZOOM: u8 = 24;

/// WGS84 degrees to projected metres.
#[must_use]
pub fn to_mercator(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    (
        lon.to_radians() * RADIUS,
        (PI / 4.0 + lat / 2.0).tan().ln() * RADIUS,
    )
}

/// Projected metres to WGS84 degrees.
#[must_use]
pub fn to_lonlat(x: f64, y: f64) -> (f64, f64) {
    (
        (x / RADIUS).to_degrees(),
        (y / RADIUS).sinh().atan().to_degrees(),
    )
}

/// Projected metres per pixel at zoom `z`.
#[must_use]
pub fn resolution(z: u8) -> f64 {
    2.0 * ORIGIN / (f64::from(TILE) * f64::from(1u32 << z))
}

/// Ground metres per pixel at zoom `z` and latitude `lat` (degrees).
#[must_use]
pub fn ground_resolution(z: u8, lat: f64) -> f64 {
    resolution(z) * lat.to_radians().cos()
}

/// Projected metres of one tile side at zoom `z`.
#[must_use]
pub fn tile_span(z: u8) -> f64 {
    2.0 * ORIGIN / f64::from(1u32 << z)
}

/// Projected coordinates of global pixel position (px, py) at zoom `z`, in pixel-corner
/// coordinates: (0, 0) is the world's north-west corner and a pixel's centre is at +0.5.
#[must_use]
pub fn pixel_to_mercator(z: u8, px: f64, py: f64) -> (f64, f64) {
    let res = resolution(z);
    (-ORIGIN + px * res, ORIGIN - py * res)
}

/// The tile (x, y) at zoom `z` that holds projected point (mx, my), clamped to the world.
#[must_use]
pub fn tile_at(z: u8, mx: f64, my: f64) -> (u32, u32) {
    let span = tile_span(z);
    let last = f64::from((1u32 << z) - 1);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to 0..2^z"
    )]
    let index = |v: f64| (v / span).floor().clamp(0.0, last) as u32;
    (index(mx + ORIGIN), index(ORIGIN - my))
}

/// The zoom range of a frame's pyramid: the deepest zoom is the first whose ground resolution at
/// the frame's latitude is finer than the frame's pixels (so no detail is lost); the shallowest is
/// the deepest zoom at which the frame's projected extent still fits in one tile side (so the
/// whole frame is 1 to 4 tiles, usually 1 or 2).
///
/// ```
/// use tessera_tiles::overview_zooms;
/// // 10 m pixels at 36° N over ~15 km: zooms 11 to 14.
/// assert_eq!(overview_zooms(9.05, 35.95, 15_200.0), (11, 14));
/// // A 0.5 m frame of 4 km: zooms 12 to 18.
/// assert_eq!(overview_zooms(0.5, 35.95, 5_100.0), (12, 18));
/// ```
#[must_use]
pub fn overview_zooms(pixel_m: f64, lat: f64, extent_m: f64) -> (u8, u8) {
    let max = (0..=MAX_ZOOM)
        .find(|&z| ground_resolution(z, lat) < pixel_m)
        .unwrap_or(MAX_ZOOM);
    let min = (0..=max)
        .rev()
        .find(|&z| extent_m <= tile_span(z))
        .unwrap_or(0);
    (min, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mercator_round_trips_and_matches_epsg_3857() {
        let (x, y) = to_mercator(39.01, 35.95);
        // EPSG:3857 values of the same point from proj4rs's definition.
        let crs = crate::crs::Crs::from_epsg(3857).unwrap();
        let (px, py) = crs.from_wgs84(39.01, 35.95).unwrap();
        assert!(
            (x - px).abs() < 1e-6 && (y - py).abs() < 1e-6,
            "{x} {y} vs {px} {py}"
        );
        let (lon, lat) = to_lonlat(x, y);
        assert!((lon - 39.01).abs() < 1e-12 && (lat - 35.95).abs() < 1e-12);
    }

    #[test]
    fn tile_scheme_is_xyz_with_y_down() {
        // Raqqa at zoom 14 is tile (9967, 6436) in the OSM scheme (textbook slippy-map formula).
        let (mx, my) = to_mercator(39.01, 35.95);
        assert_eq!(tile_at(14, mx, my), (9967, 6436));
        // The world's north-west corner is tile (0, 0) at every zoom.
        assert_eq!(tile_at(5, -ORIGIN, ORIGIN), (0, 0));
        assert_eq!(tile_at(5, ORIGIN, -ORIGIN), (31, 31));
    }

    #[test]
    fn resolution_halves_per_zoom() {
        assert!((resolution(0) - 156_543.033_928_041).abs() < 1e-6);
        assert!((resolution(1) * 2.0 - resolution(0)).abs() < 1e-9);
    }

    #[test]
    fn zoom_range_never_inverts() {
        // A frame wider than the world starts at zoom 0.
        assert_eq!(overview_zooms(100_000.0, 0.0, 1e9), (0, 1));
        assert_eq!(overview_zooms(200_000.0, 0.0, 1e9), (0, 0));
        let (min, max) = overview_zooms(0.001, 10.0, 10.0);
        assert_eq!(max, MAX_ZOOM);
        assert!(min <= max);
    }
}
