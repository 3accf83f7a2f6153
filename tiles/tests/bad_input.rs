//! Bad input: each failure is its own `TilerError` variant and names the file.

#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use std::path::{Path, PathBuf};

use tessera_tiles::{
    Frame, LocalTileStore, OpenOptions, TileOptions, TileStore, TilerError, TilerResult, tile_frame,
};

fn open(path: &Path) -> TilerResult<Frame> {
    Frame::open(path, &OpenOptions::default())
}

/// Opens and tiles, so corruption found only when chunks are decoded also surfaces.
fn open_and_tile(path: &Path, out: &Path) -> TilerResult<()> {
    let frame = open(path)?;
    tile_frame(
        &frame,
        None,
        "f",
        None,
        &TileOptions::default(),
        &LocalTileStore::new(out),
        &|_, _| {},
    )?;
    Ok(())
}

fn copy_fixture(dir: &Path, name: &str) -> (PathBuf, Vec<u8>) {
    let bytes = std::fs::read(common::fixture(name)).unwrap();
    (dir.join(name), bytes)
}

/// Overwrites the value of `tag` in the first IFD of a little-endian classic TIFF.
fn patch_tag(bytes: &mut [u8], tag: u16, typ: u16, value: u32) {
    assert_eq!(&bytes[..4], b"II*\0");
    let ifd = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    let n = u16::from_le_bytes(bytes[ifd..ifd + 2].try_into().unwrap()) as usize;
    for i in 0..n {
        let e = ifd + 2 + 12 * i;
        if u16::from_le_bytes(bytes[e..e + 2].try_into().unwrap()) == tag {
            bytes[e + 2..e + 4].copy_from_slice(&typ.to_le_bytes());
            bytes[e + 8..e + 12].copy_from_slice(&value.to_le_bytes());
            return;
        }
    }
    panic!("tag {tag} not found");
}

fn assert_names_file(err: &TilerError, path: &Path) {
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
}

#[test]
fn missing_file_and_directory_are_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    for path in [dir.path().join("nope.tif"), dir.path().to_path_buf()] {
        let err = open(&path).unwrap_err();
        assert!(matches!(err, TilerError::Unreadable { .. }), "{err}");
        assert_names_file(&err, &path);
    }
}

#[test]
fn truncated_files_are_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(common::data("raqqa-sentinel2/raqqa_s2l2a_2017-10-30.tif")).unwrap();
    for keep in [6, 200, bytes.len() * 6 / 10] {
        let path = dir.path().join(format!("cut{keep}.tif"));
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let err = open_and_tile(&path, &dir.path().join("out")).unwrap_err();
        assert!(
            matches!(err, TilerError::Corrupt { .. }),
            "{keep} bytes: {err}"
        );
        assert_names_file(&err, &path);
    }
    // No manifest for a frame that failed part-way.
    assert!(!dir.path().join("out/tiles/f/manifest.jsonl").exists());
}

#[test]
fn garbage_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.tif");
    std::fs::write(&text, "this is not an image at all").unwrap();
    let err = open(&text).unwrap_err();
    assert!(matches!(err, TilerError::UnsupportedFormat { .. }), "{err}");
    let tiff = dir.path().join("bad.tif");
    std::fs::write(&tiff, b"II*\0\xff\xff\xff\x7fgarbage").unwrap();
    let err = open(&tiff).unwrap_err();
    assert!(matches!(err, TilerError::Corrupt { .. }), "{err}");
}

#[test]
fn unsupported_compression_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut bytes) = copy_fixture(dir.path(), "point_packbits.tif");
    patch_tag(&mut bytes, 259, 3, 34712); // JPEG 2000
    std::fs::write(&path, bytes).unwrap();
    let err = open(&path).unwrap_err();
    assert!(
        matches!(err, TilerError::UnsupportedCompression { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("34712"));
    assert_names_file(&err, &path);
}

#[test]
fn float_samples_are_an_unsupported_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("float.tif");
    let mut enc = tiff::encoder::TiffEncoder::new(std::fs::File::create(&path).unwrap()).unwrap();
    enc.write_image::<tiff::encoder::colortype::Gray32Float>(4, 4, &[0.5f32; 16])
        .unwrap();
    let err = open(&path).unwrap_err();
    assert!(matches!(err, TilerError::UnsupportedFormat { .. }), "{err}");
    assert_names_file(&err, &path);
}

#[test]
fn absurd_dimensions_are_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut bytes) = copy_fixture(dir.path(), "point_packbits.tif");
    patch_tag(&mut bytes, 256, 4, 3_000_000); // ImageWidth
    patch_tag(&mut bytes, 257, 4, 3_000_000); // ImageLength
    // Keep the strip count consistent (3 strips) so only the size itself is wrong.
    patch_tag(&mut bytes, 278, 4, 1_000_000); // RowsPerStrip
    std::fs::write(&path, bytes).unwrap();
    let err = open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            TilerError::AbsurdDimensions {
                width: 3_000_000,
                ..
            }
        ),
        "{err}"
    );
    assert_names_file(&err, &path);
}

#[test]
fn no_georeference_says_how_to_give_a_crs_unless_pixel_space() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.tif");
    let mut enc = tiff::encoder::TiffEncoder::new(std::fs::File::create(&path).unwrap()).unwrap();
    let rgb: Vec<u8> = (0..300 * 200 * 3)
        .map(|i| u8::try_from(i % 251).unwrap())
        .collect();
    enc.write_image::<tiff::encoder::colortype::RGB8>(300, 200, &rgb)
        .unwrap();
    let err = open(&path).unwrap_err();
    assert!(matches!(err, TilerError::NoGeoreference { .. }), "{err}");
    assert_names_file(&err, &path);
    assert!(err.to_string().contains("--crs") && err.to_string().contains("--pixel-space"));

    let frame = Frame::open(
        &path,
        &OpenOptions {
            pixel_space: true,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    assert!(frame.info().footprint.is_none() && frame.info().crs.is_none());
    let out = dir.path().join("out");
    let s = tile_frame(
        &frame,
        None,
        "plain",
        None,
        &TileOptions::default(),
        &LocalTileStore::new(&out),
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(s.tiles_written, 2);
    assert!(s.records.iter().all(|r| r.footprint.is_none()));
}

#[test]
fn world_file_image_without_crs_asks_for_one() {
    let path = common::fixture("world.png");
    let err = open(&path).unwrap_err();
    assert!(matches!(err, TilerError::NoGeoreference { .. }), "{err}");
    let bad_crs = Frame::open(
        &path,
        &OpenOptions {
            crs_override: Some("EPSG:1".into()),
            ..OpenOptions::default()
        },
    );
    assert!(matches!(bad_crs, Err(TilerError::InvalidOption { .. })));
}

#[test]
fn failing_store_stops_the_frame_without_a_manifest() {
    #[derive(Debug)]
    struct Full;
    impl TileStore for Full {
        fn put(&self, key: &str, _: &[u8]) -> TilerResult<()> {
            Err(TilerError::Store {
                path: "/full".into(),
                key: key.into(),
                source: std::io::Error::other("disk full"),
            })
        }
    }
    let frame = open(&common::data("rasters/rasterio_shade.tif")).unwrap();
    let err = tile_frame(
        &frame,
        None,
        "f",
        None,
        &TileOptions::default(),
        &Full,
        &|_, _| {},
    )
    .unwrap_err();
    assert!(matches!(err, TilerError::Store { .. }), "{err}");
}

#[test]
fn bad_frame_ids_and_options_are_invalid() {
    let frame = open(&common::data("rasters/rasterio_shade.tif")).unwrap();
    let store = LocalTileStore::new(tempfile::tempdir().unwrap().path());
    for id in ["", "../x", "a/b", ".hidden"] {
        let err = tile_frame(
            &frame,
            None,
            id,
            None,
            &TileOptions::default(),
            &store,
            &|_, _| {},
        )
        .unwrap_err();
        assert!(
            matches!(err, TilerError::InvalidOption { .. }),
            "{id}: {err}"
        );
    }
    let opts = TileOptions {
        overlap: 256,
        ..TileOptions::default()
    };
    assert!(tile_frame(&frame, None, "f", None, &opts, &store, &|_, _| {}).is_err());
}
