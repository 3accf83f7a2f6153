//! Chips: a small north-up square of a frame around a point, for the analyst's site panel
//! (the same strike site seen in every frame that covers it).
//!
//! The square is laid out in metres east and north of the point on the WGS84 ellipsoid (its local
//! radii of curvature, exact enough over a few kilometres), each pixel centre is carried into the
//! frame's CRS and pixel grid, and the frame is sampled bilinearly there, through the same band
//! reader as the overview pyramid.

use crate::display::Pixels;
use crate::encode::{TileFormat, encode};
use crate::error::{TilerError, TilerResult};
use crate::frame::Frame;
use crate::raster::BandCache;
use crate::sample::{NodeGrid, render_rgba};

/// The largest chip side in pixels.
pub const MAX_CHIP_PX: u32 = 4096;

/// WGS84 semi-major axis and first eccentricity squared.
const A: f64 = 6_378_137.0;
const E2: f64 = 0.006_694_379_990_141_317;

/// A north-up `out_px`×`out_px` RGB square of `frame` centred on (`lon`, `lat`) and reaching
/// `half_size_m` metres east, west, north and south of it. Pixels outside the frame or on its
/// nodata are black and marked invalid in [`Pixels::valid`].
///
/// # Errors
/// [`TilerError::OutsideFrame`] when the point is not on the frame; [`TilerError::InvalidOption`]
/// for a frame in pixel space, a size that is not a positive number of metres, or `out_px`
/// outside 1..=[`MAX_CHIP_PX`]; any error of reading the frame.
///
/// ```no_run
/// use tessera_tiles::{Frame, OpenOptions, chip};
/// let frame = Frame::open("raqqa_2017-10-30.tif", &OpenOptions::default())?;
/// let px = chip(&frame, 39.01, 35.95, 60.0, 256)?;
/// assert_eq!((px.width, px.height, px.channels), (256, 256, 3));
/// // A point far from the frame is refused.
/// assert!(chip(&frame, 2.35, 48.85, 60.0, 256).is_err());
/// # Ok::<(), tessera_tiles::TilerError>(())
/// ```
pub fn chip(
    frame: &Frame,
    lon: f64,
    lat: f64,
    half_size_m: f64,
    out_px: u32,
) -> TilerResult<Pixels> {
    let path = &frame.info().path;
    let invalid = |detail: String| TilerError::InvalidOption {
        path: path.clone(),
        detail,
    };
    if !(half_size_m.is_finite() && half_size_m > 0.0) {
        return Err(invalid(format!(
            "chip half size {half_size_m} m is not positive"
        )));
    }
    if !(1..=MAX_CHIP_PX).contains(&out_px) {
        return Err(invalid(format!(
            "chip side {out_px} px is not in 1..={MAX_CHIP_PX}"
        )));
    }
    let crs = frame
        .crs()
        .ok_or_else(|| invalid("a frame in pixel space has no place on the map".into()))?;
    let inverse = frame
        .transform()
        .invert()
        .ok_or_else(|| invalid("degenerate geotransform".into()))?;
    let to_pixel = |lon: f64, lat: f64| {
        crs.from_wgs84(lon, lat)
            .ok()
            .map(|(x, y)| inverse.apply(x, y))
    };
    let (w, h) = (
        f64::from(frame.info().width),
        f64::from(frame.info().height),
    );
    let on_frame = (-180.0..=180.0).contains(&lon)
        && (-90.0..=90.0).contains(&lat)
        && to_pixel(lon, lat).is_some_and(|(x, y)| (0.0..w).contains(&x) && (0.0..h).contains(&y));
    if !on_frame {
        return Err(TilerError::OutsideFrame {
            path: path.clone(),
            lon,
            lat,
        });
    }
    let sin = lat.to_radians().sin();
    let k = 1.0 - E2 * sin * sin;
    let (east_radius, north_radius) = (
        A / k.sqrt() * lat.to_radians().cos(),
        A * (1.0 - E2) / k.powf(1.5),
    );
    let metres_per_px = 2.0 * half_size_m / f64::from(out_px);
    let project = |x: f64, y: f64| {
        let east = -half_size_m + x * metres_per_px;
        let north = half_size_m - y * metres_per_px;
        to_pixel(
            lon + (east / east_radius).to_degrees(),
            lat + (north / north_radius).to_degrees(),
        )
    };
    let n = out_px as usize;
    let grid = NodeGrid::new(n, n, &project);
    let (rgba, _) = render_rgba(&mut BandCache::new(frame.source()), &grid, n, n)?;
    let mut out = Pixels::new(n, n, 3);
    let mut valid = vec![0u8; n * n];
    if let Some(rgba) = rgba {
        for ((d, v), s) in out
            .data
            .chunks_exact_mut(3)
            .zip(valid.iter_mut())
            .zip(rgba.chunks_exact(4))
        {
            d.copy_from_slice(&s[..3]);
            *v = u8::from(s[3] != 0);
        }
    }
    out.valid = Some(valid);
    Ok(out)
}

/// [`chip`], encoded as a JPEG of `quality` (1–100): what the site panel shows.
///
/// # Errors
/// As [`chip`], and [`TilerError::Encode`] when encoding fails.
pub fn chip_jpeg(
    frame: &Frame,
    lon: f64,
    lat: f64,
    half_size_m: f64,
    out_px: u32,
    quality: u8,
) -> TilerResult<Vec<u8>> {
    let px = chip(frame, lon, lat, half_size_m, out_px)?;
    encode(&px, TileFormat::Jpeg, quality).map_err(|detail| TilerError::Encode {
        path: frame.info().path.clone(),
        key: format!("chip at {lon},{lat}"),
        detail,
    })
}
