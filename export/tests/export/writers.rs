//! Each writer on its own: user texts survive escaping, numbers no format can hold are refused
//! naming the site, and an export of no sites is a valid empty file in every format.

use rstest::rstest;
use serde_json::Value;
use tessera_export::{ExportError, ExportSite, Format};

use crate::support::{export, open_gpkg, provenance, sites, try_export};

#[test]
fn geojson_round_trips_texts_and_follows_rfc_7946() {
    let text = String::from_utf8(export(Format::GeoJson, &sites())).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["type"], "FeatureCollection");
    assert!(json.get("crs").is_none(), "RFC 7946 §4: no crs member");
    let provenance: Value = serde_json::from_str(&provenance().to_json()).unwrap();
    assert_eq!(json["tessera"], provenance);
    for (feature, site) in json["features"].as_array().unwrap().iter().zip(sites()) {
        let props = &feature["properties"];
        assert_eq!(props["id"], site.id.as_str());
        assert_eq!(props["class"], site.class.as_str());
        assert_eq!(props["frames"], serde_json::json!(site.frames));
        assert_eq!(feature["geometry"]["type"], "Point");
        // [lon, lat], rounded to 7 decimals.
        let coordinates = &feature["geometry"]["coordinates"];
        assert!((coordinates[0].as_f64().unwrap() - site.lon).abs() <= 5e-8);
        assert!((coordinates[1].as_f64().unwrap() - site.lat).abs() <= 5e-8);
    }
    // Every number of every coordinate pair, as written, has at most 7 decimals.
    let pairs: Vec<&str> = text.split("\"coordinates\":[").skip(1).collect();
    assert_eq!(pairs.len(), 3);
    for pair in pairs {
        let pair = &pair[..pair.find(']').unwrap()];
        for number in pair.split(',') {
            let decimals = number.split('.').nth(1).map_or(0, str::len);
            assert!(decimals <= 7, "{number} in {pair}");
        }
    }
}

#[test]
fn csv_quotes_commas_quotes_and_line_breaks() {
    let out = export(Format::Csv, &sites());
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("\"site, two\""), "{text}");
    assert!(
        text.contains("\"site \"\"three\"\"\nwith a line break\""),
        "{text}"
    );
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    for (row, site) in rows.iter().zip(sites()) {
        assert_eq!(&row[0], site.id);
        assert_eq!(row[1], site.rounded_position().1.to_string());
        assert_eq!(&row[3], site.class);
        assert_eq!(&row[12], "run-7");
        assert_eq!(&row[13], site.frames.join(";"));
    }
}

#[test]
fn kml_escapes_every_user_text() {
    let text = String::from_utf8(export(Format::Kml, &sites())).unwrap();
    assert!(!text.contains("<1>") && !text.contains("<walls>"), "{text}");
    let doc = roxmltree::Document::parse(&text).unwrap();
    let document = doc
        .descendants()
        .find(|n| n.has_tag_name("Document"))
        .unwrap();
    let child_text = |node: roxmltree::Node, tag: &str| {
        node.children()
            .find(|n| n.has_tag_name(tag))
            .and_then(|n| n.text())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(child_text(document, "name"), provenance().campaign_name);
    let description: Value = serde_json::from_str(&child_text(document, "description")).unwrap();
    let expected: Value = serde_json::from_str(&provenance().to_json()).unwrap();
    assert_eq!(description, expected);
    let placemarks: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("Placemark"))
        .collect();
    assert_eq!(placemarks.len(), 3);
    for (placemark, site) in placemarks.into_iter().zip(sites()) {
        assert_eq!(child_text(placemark, "name"), site.id);
        let data = |name: &str| {
            let node = placemark
                .descendants()
                .find(|n| n.has_tag_name("Data") && n.attribute("name") == Some(name))
                .unwrap();
            child_text(node, "value")
        };
        assert_eq!(data("id"), site.id);
        assert_eq!(data("class"), site.class);
        let style = if site.class == "crater" {
            "#class-0"
        } else {
            "#class-1"
        };
        assert_eq!(child_text(placemark, "styleUrl"), style);
    }
}

#[test]
fn geopackage_stores_typed_values_and_its_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_gpkg(dir.path(), &sites());
    let pragma = |name: &str| -> i64 {
        db.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(pragma("application_id"), 0x4750_4B47);
    assert_eq!(pragma("user_version"), 10300);
    let srs: Vec<i64> = db
        .prepare("SELECT srs_id FROM gpkg_spatial_ref_sys ORDER BY srs_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(srs, [-1, 0, 4326]);
    let (id, class, seen_by, types): (String, String, i64, String) = db
        .query_row(
            "SELECT id, class, seen_by, typeof(confidence) || typeof(seen_by) || typeof(geom) \
             FROM sites WHERE fid = 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (id.as_str(), class.as_str()),
        ("site, two", sites()[1].class.as_str())
    );
    assert_eq!((seen_by, types.as_str()), (6, "realintegerblob"));
    let bounds: (f64, f64, f64, f64) = db
        .query_row(
            "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'sites'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(bounds, (0.0, -89.5, 179.999_999_9, 35.952_1));
    let (metadata, scope): (String, String) = db
        .query_row(
            "SELECT m.metadata, r.reference_scope || ':' || r.table_name \
             FROM gpkg_metadata m JOIN gpkg_metadata_reference r ON r.md_file_id = m.id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(metadata, provenance().to_json());
    assert_eq!(scope, "table:sites");
    let extensions: i64 = db
        .query_row(
            "SELECT count(*) FROM gpkg_extensions WHERE extension_name = 'gpkg_metadata'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(extensions, 2);
}

/// A site that no format can hold, and the field its error must name.
fn bad_sites() -> Vec<(ExportSite, &'static str)> {
    let mut out = Vec::new();
    for (field, value) in [("confidence", f64::NAN), ("lon", f64::INFINITY)] {
        let mut site = sites().remove(0);
        site.id = format!("bad-{field}");
        match field {
            "confidence" => site.confidence = value,
            _ => site.lon = value,
        }
        out.push((site, field));
    }
    let mut site = sites().remove(1);
    site.id = "bad-date_confidence".into();
    site.date_confidence = Some(f64::NEG_INFINITY);
    out.push((site, "date_confidence"));
    out
}

#[rstest]
fn non_finite_numbers_are_refused_naming_the_site(
    #[values(Format::GeoJson, Format::Csv, Format::Kml, Format::GeoPackage)] format: Format,
) {
    for (bad, field) in bad_sites() {
        let mut input = sites();
        input.insert(1, bad.clone());
        let error = try_export(format, &input).unwrap_err();
        assert!(
            matches!(&error, ExportError::NotFinite { site, field: f, .. } if *site == bad.id && f == &field),
            "{format}: {error:?}"
        );
        assert!(error.to_string().contains(&bad.id), "{error}");
    }
    let mut outside = sites().remove(0);
    outside.lat = 90.5;
    let error = try_export(format, &[outside]).unwrap_err();
    assert!(matches!(error, ExportError::OutOfRange { .. }), "{error:?}");
}

#[rstest]
fn an_empty_export_is_a_valid_empty_file(
    #[values(Format::GeoJson, Format::Csv, Format::Kml, Format::GeoPackage)] format: Format,
) {
    let out = export(format, &[]);
    match format {
        Format::GeoJson => {
            let json: Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(json["features"], serde_json::json!([]));
        }
        Format::Csv => {
            let text = String::from_utf8(out).unwrap();
            assert_eq!(text.lines().count(), 1);
            assert!(text.starts_with("id,latitude,longitude,class,"), "{text}");
        }
        Format::Kml => {
            let text = String::from_utf8(out).unwrap();
            let doc = roxmltree::Document::parse(&text).unwrap();
            assert!(doc.descendants().any(|n| n.has_tag_name("Document")));
            assert!(!doc.descendants().any(|n| n.has_tag_name("Placemark")));
        }
        Format::GeoPackage => {
            let dir = tempfile::tempdir().unwrap();
            let db = open_gpkg(dir.path(), &[]);
            let (count, min_x): (i64, Option<f64>) = db
                .query_row(
                    "SELECT (SELECT count(*) FROM sites), min_x FROM gpkg_contents",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!((count, min_x), (0, None));
        }
    }
}
