//! The Web Mercator overview pyramid and chips on real frames: where the pyramid's data ends
//! against GDAL's footprint, pixels sampled where the frame has them, bounded reads, and the
//! site chips.

#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]
#![expect(
    clippy::many_single_char_names,
    reason = "x, y, w, h, z, n: map arithmetic"
)]

mod common;

use std::collections::HashMap;
use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tessera_tiles::{
    Frame, LocalTileStore, OverviewOptions, OverviewSummary, Pixels, TilerError, chip, chip_jpeg,
    overview_frame,
};

const RAQQA: &str = "data/raqqa-sentinel2/raqqa_s2l2a_2017-10-30.tif";
const UTM_25S: &str = "data/rasters/stars_L7_ETMs.tif";

fn build(frame: &Frame, dir: &Path) -> OverviewSummary {
    let store = LocalTileStore::new(dir);
    overview_frame(frame, "f", &OverviewOptions::default(), &store, &|_, _| {}).unwrap()
}

/// Decoded pyramid tiles, read on demand.
struct Pyramid {
    dir: PathBuf,
    tiles: HashMap<(u8, u32, u32), Option<Vec<u8>>>,
}

impl Pyramid {
    fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
            tiles: HashMap::new(),
        }
    }

    /// RGBA of a tile: a JPEG is opaque, a missing tile `None`.
    fn tile(&mut self, z: u8, x: u32, y: u32) -> Option<&Vec<u8>> {
        let dir = self.dir.join(format!("overview/f/{z}/{x}"));
        self.tiles
            .entry((z, x, y))
            .or_insert_with(|| {
                let jpeg = dir.join(format!("{y}.jpg"));
                if let Ok(bytes) = std::fs::read(&jpeg) {
                    // Opaque: only the JPEG's header is checked, its pixels are taken as data.
                    let mut dec = zune_jpeg::JpegDecoder::new(std::io::Cursor::new(bytes));
                    dec.decode_headers().unwrap();
                    let info = dec.info().unwrap();
                    assert_eq!((info.width, info.height), (256, 256));
                    Some(vec![255; 256 * 256 * 4])
                } else if let Ok(bytes) = std::fs::read(dir.join(format!("{y}.png"))) {
                    let dec = png::Decoder::new(std::io::Cursor::new(bytes));
                    let mut reader = dec.read_info().unwrap();
                    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
                    let info = reader.next_frame(&mut buf).unwrap();
                    assert_eq!((info.width, info.height), (256, 256));
                    assert_eq!(info.color_type, png::ColorType::Rgba);
                    Some(buf)
                } else {
                    None
                }
            })
            .as_ref()
    }

    /// RGBA of the pyramid's pixel at zoom `z` that holds (lon, lat); alpha 0 where no tile is.
    fn at(&mut self, z: u8, lon: f64, lat: f64) -> [u8; 4] {
        let (px, py) = global_pixel(z, lon, lat);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "on the map"
        )]
        let (gx, gy) = (px.floor() as u32, py.floor() as u32);
        match self.tile(z, gx / 256, gy / 256) {
            Some(t) => {
                let i = (((gy % 256) * 256 + gx % 256) * 4) as usize;
                t[i..i + 4].try_into().unwrap()
            }
            None => [0; 4],
        }
    }
}

/// Global pixel position (pixel-corner coordinates) of (lon, lat) at zoom `z`, computed with the
/// textbook slippy-map formulas rather than the crate's own.
fn global_pixel(z: u8, lon: f64, lat: f64) -> (f64, f64) {
    let n = 256.0 * f64::from(1u32 << z);
    let lat = lat.to_radians();
    (
        (lon + 180.0) / 360.0 * n,
        (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * n,
    )
}

fn reference(name: &str) -> Value {
    let text = std::fs::read_to_string(common::fixture("gdalinfo_corners.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["file"] == name)
        .unwrap()
        .clone()
}

/// The WGS84 position of frame pixel position (px, py).
fn lonlat(frame: &Frame, px: f64, py: f64) -> (f64, f64) {
    let c = frame.footprint(px, py, 0.0, 0.0).unwrap().unwrap();
    (c[0][0], c[0][1])
}

#[test]
fn raqqa_pyramid_spans_zooms_11_to_14_in_jpeg_and_png() {
    let frame = common::open(&common::data(&RAQQA[5..]));
    let dir = tempfile::tempdir().unwrap();
    let s = build(&frame, dir.path());
    // ~9 m pixels at 36° N: zoom 14 (7.7 m) is the first finer; 15 km fits one zoom-11 tile.
    assert_eq!((s.min_zoom, s.max_zoom), (11, 14), "{s:?}");
    assert!(s.jpeg_tiles > 0 && s.png_tiles > 0, "{s:?}");
    let r = reference(RAQQA);
    let corners = r["wgs84_corners"].as_array().unwrap();
    let (west, north) = (
        corners[0][0].as_f64().unwrap(),
        corners[0][1].as_f64().unwrap(),
    );
    let (east, south) = (
        corners[2][0].as_f64().unwrap(),
        corners[2][1].as_f64().unwrap(),
    );
    for (got, want) in s.bounds.iter().zip([west, south, east, north]) {
        assert!((got - want).abs() < 1e-7, "{:?}", s.bounds);
    }
    for z in 11..=14 {
        let files = std::fs::read_dir(dir.path().join(format!("overview/f/{z}"))).unwrap();
        assert!(files.count() > 0, "zoom {z} has tiles");
    }
    assert!(!dir.path().join("overview/f/10").exists());
    assert!(!dir.path().join("overview/f/15").exists());
}

/// Just inside every corner of GDAL's footprint the pyramid has data, just outside it has none,
/// at every zoom: on a geographic frame and on a UTM one.
#[test]
fn data_ends_where_gdal_says_the_frame_ends() {
    for name in [RAQQA, UTM_25S] {
        let frame = common::open(&common::resolve(name));
        let dir = tempfile::tempdir().unwrap();
        let s = build(&frame, dir.path());
        let mut pyramid = Pyramid::new(dir.path());
        let r = reference(name);
        let (w, h) = (
            f64::from(frame.info().width),
            f64::from(frame.info().height),
        );
        for (k, (cx, cy)) in [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
            .into_iter()
            .enumerate()
        {
            let gdal = &r["wgs84_corners"][k];
            let (lon, lat) = lonlat(&frame, cx, cy);
            assert!(
                (lon - gdal[0].as_f64().unwrap()).abs() < 1e-7,
                "{name} corner {k}"
            );
            assert!(
                (lat - gdal[1].as_f64().unwrap()).abs() < 1e-7,
                "{name} corner {k}"
            );
            let (sx, sy) = (
                if cx > 0.0 { -1.0 } else { 1.0 },
                if cy > 0.0 { -1.0 } else { 1.0 },
            );
            let z = s.max_zoom;
            // 2 frame pixels in: data; 2 out: none (a max-zoom pixel is under one frame pixel).
            let (lon, lat) = lonlat(&frame, cx + 2.0 * sx, cy + 2.0 * sy);
            assert_eq!(pyramid.at(z, lon, lat)[3], 255, "{name} corner {k} inside");
            let (lon, lat) = lonlat(&frame, cx - 2.0 * sx, cy - 2.0 * sy);
            assert_eq!(pyramid.at(z, lon, lat)[3], 0, "{name} corner {k} outside");
            // Shallower zooms are averaged: still data well inside, none well outside.
            for z in s.min_zoom..s.max_zoom {
                let step = 2.0 * f64::from(1u32 << (s.max_zoom - z));
                let (lon, lat) = lonlat(&frame, cx + step * sx, cy + step * sy);
                assert_eq!(
                    pyramid.at(z, lon, lat)[3],
                    255,
                    "{name} z{z} corner {k} inside"
                );
                let (lon, lat) = lonlat(&frame, cx - step * sx, cy - step * sy);
                assert_eq!(
                    pyramid.at(z, lon, lat)[3],
                    0,
                    "{name} z{z} corner {k} outside"
                );
            }
        }
    }
}

/// Bilinear value at frame position (fx, fy) of the whole frame's pixels `all`.
fn expected(all: &Pixels, fx: f64, fy: f64) -> [f64; 3] {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "inside"
    )]
    let (x0, y0) = ((fx - 0.5).floor() as usize, (fy - 0.5).floor() as usize);
    #[expect(clippy::cast_precision_loss, reason = "small")]
    let (tx, ty) = (fx - 0.5 - x0 as f64, fy - 0.5 - y0 as f64);
    let mut out = [0.0; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let v = |x: usize, y: usize| f64::from(all.data[((y0 + y) * all.width + x0 + x) * 3 + c]);
        *o = v(0, 0) * (1.0 - tx) * (1.0 - ty)
            + v(1, 0) * tx * (1.0 - ty)
            + v(0, 1) * (1.0 - tx) * ty
            + v(1, 1) * tx * ty;
    }
    out
}

/// Inverse of `lonlat` for the geographic Raqqa frame.
fn frame_position(frame: &Frame, lon: f64, lat: f64) -> (f64, f64) {
    let inv = frame.transform().invert().unwrap();
    inv.apply(lon, lat)
}

/// Map pixels sample the frame where they lie: checked on the lossless PNG tiles (the frame's
/// edges) against a bilinear read of the frame computed here from `read_window`.
#[test]
fn pyramid_pixels_show_the_frame_at_their_place() {
    let frame = common::open(&common::data(&RAQQA[5..]));
    let dir = tempfile::tempdir().unwrap();
    let s = build(&frame, dir.path());
    let all = frame.read_window(0, 0, u32::MAX, u32::MAX).unwrap();
    let mut pyramid = Pyramid::new(dir.path());
    let z = s.max_zoom;
    let n = 256.0 * f64::from(1u32 << z);
    let (mut worst, mut shifted, mut count) = (0.0f64, 0.0, 0);
    for i in 0..24 {
        for j in 0..16 {
            // A frame position inside, moved to the centre of the map pixel holding it.
            let (lon, lat) = lonlat(
                &frame,
                20.0 + 50.0 * f64::from(i),
                10.0 + 30.0 * f64::from(j),
            );
            let (px, py) = global_pixel(z, lon, lat);
            let (cx, cy) = (px.floor() + 0.5, py.floor() + 0.5);
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "on the map"
            )]
            let (tx, ty) = ((cx / 256.0) as u32, (cy / 256.0) as u32);
            let png = dir.path().join(format!("overview/f/{z}/{tx}/{ty}.png"));
            if !png.is_file() {
                continue;
            }
            let lon_c = cx / n * 360.0 - 180.0;
            let lat_c = (PI * (1.0 - 2.0 * cy / n)).sinh().atan().to_degrees();
            let (fx, fy) = frame_position(&frame, lon_c, lat_c);
            let got = pyramid.at(z, lon_c, lat_c);
            assert_eq!(got[3], 255, "inside the frame at {fx},{fy}");
            let want = expected(&all, fx, fy);
            let off = expected(&all, fx + 2.0, fy + 1.0);
            for c in 0..3 {
                worst = worst.max((f64::from(got[c]) - want[c]).abs());
                shifted += (f64::from(got[c]) - off[c]).abs();
            }
            count += 1;
        }
    }
    assert!(count > 100, "{count} samples on edge tiles");
    // Rounding to bytes, and node interpolation far below a pixel.
    assert!(worst <= 1.0, "worst error {worst}");
    let shifted = shifted / f64::from(3 * count);
    assert!(shifted > 5.0, "two pixels away is another value: {shifted}");
}

#[test]
fn frame_rows_are_read_in_bounded_bands() {
    let frame = common::open(&common::data(&RAQQA[5..]));
    let dir = tempfile::tempdir().unwrap();
    let s = build(&frame, dir.path());
    // 64 map rows of 7.7 m over 10.3 m frame rows, plus margins: about 50 of the 500 rows.
    assert!(
        s.largest_band_rows > 0 && s.largest_band_rows <= 64,
        "{s:?}"
    );
}

#[test]
fn pixel_space_frames_have_no_pyramid() {
    let frame = Frame::open(
        common::fixture("world.png"),
        &tessera_tiles::OpenOptions {
            pixel_space: true,
            hash: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        frame.crs().is_none(),
        "a world file without a CRS is pixel space"
    );
    let dir = tempfile::tempdir().unwrap();
    let store = LocalTileStore::new(dir.path());
    let err = overview_frame(&frame, "f", &OverviewOptions::default(), &store, &|_, _| {});
    assert!(
        matches!(err, Err(TilerError::InvalidOption { .. })),
        "{err:?}"
    );
}

#[test]
fn chip_centre_is_the_frame_pixel_under_the_point() {
    let frame = common::open(&common::data(&RAQQA[5..]));
    // The centre of frame pixel (600, 250); an odd side puts a chip pixel centre on it.
    let (lon, lat) = lonlat(&frame, 600.5, 250.5);
    let px = chip(&frame, lon, lat, 64.5, 129).unwrap();
    assert_eq!((px.width, px.height, px.channels), (129, 129, 3));
    assert!(px.valid.as_ref().unwrap().iter().all(|&v| v == 1));
    let want = frame.read_window(600, 250, 1, 1).unwrap();
    let centre = (64 * 129 + 64) * 3;
    assert_eq!(&px.data[centre..centre + 3], &want.data[..]);
    // North is up: 20 m north (20 chip pixels of 1 m up) is the frame's value there.
    let north = lat + (20.0 / 6_357_450.0_f64).to_degrees();
    let (fx, fy) = frame_position(&frame, lon, north);
    let all = frame.read_window(0, 0, u32::MAX, u32::MAX).unwrap();
    let want = expected(&all, fx, fy);
    let i = (44 * 129 + 64) * 3;
    for c in 0..3 {
        assert!(
            (f64::from(px.data[i + c]) - want[c]).abs() <= 3.0,
            "{c}: {} vs {want:?}",
            px.data[i + c]
        );
    }
}

#[test]
fn chip_over_the_frame_edge_is_partly_invalid_and_off_frame_is_refused() {
    let frame = common::open(&common::data(&RAQQA[5..]));
    let (lon, lat) = lonlat(&frame, 0.5, 0.5);
    let px = chip(&frame, lon, lat, 200.0, 64).unwrap();
    let valid = px.valid.as_ref().unwrap();
    let share = valid.iter().map(|&v| f64::from(v)).sum::<f64>() / 4096.0;
    // The north-west corner: only the south-east quarter is on the frame.
    assert!((share - 0.25).abs() < 0.03, "{share}");
    assert!(valid[0] == 0 && valid[4095] == 1);
    let err = chip(&frame, 2.35, 48.85, 60.0, 64).unwrap_err();
    assert!(matches!(err, TilerError::OutsideFrame { .. }), "{err}");
    assert!(
        err.to_string().contains("raqqa_s2l2a_2017-10-30.tif"),
        "{err}"
    );
    assert!(matches!(
        chip(&frame, lon, lat, 0.0, 64),
        Err(TilerError::InvalidOption { .. })
    ));
    assert!(matches!(
        chip(&frame, lon, lat, 60.0, 0),
        Err(TilerError::InvalidOption { .. })
    ));
}

#[test]
fn chip_jpeg_decodes_to_its_size() {
    let frame = common::open(&common::data(&RAQQA[5..]));
    let bytes = chip_jpeg(&frame, 39.01, 35.95, 120.0, 256, 85).unwrap();
    let mut dec = zune_jpeg::JpegDecoder::new(std::io::Cursor::new(bytes));
    dec.decode_headers().unwrap();
    let info = dec.info().unwrap();
    assert_eq!((info.width, info.height), (256, 256));
}
