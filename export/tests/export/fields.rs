//! Every format holds exactly the documented fields and nothing else. No export may ever carry
//! a volunteer's handle, account id or any personal data: the row type has no field for one,
//! and these lists make any new field (in the row or in a writer) a deliberate change that has
//! to be written here and in the README.

use std::collections::BTreeSet;

use serde_json::Value;
use tessera_export::{Format, PROPERTIES};

use crate::support::{export, open_gpkg, sites};

/// The documented keys of the provenance object.
const PROVENANCE: [&str; 7] = [
    "campaign",
    "campaign_name",
    "exported_at",
    "filters",
    "consensus_runs",
    "classes",
    "exporter",
];

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'a str> {
    names.into_iter().collect()
}

#[test]
fn geojson_has_exactly_the_documented_members() {
    let json: Value = serde_json::from_slice(&export(Format::GeoJson, &sites())).unwrap();
    assert_eq!(set(keys(&json)), set(["type", "tessera", "features"]));
    assert_eq!(set(keys(&json["tessera"])), set(PROVENANCE));
    assert_eq!(
        set(keys(&json["tessera"]["consensus_runs"][0])),
        set(["id", "parameters", "code_version"])
    );
    for feature in json["features"].as_array().unwrap() {
        assert_eq!(set(keys(feature)), set(["type", "geometry", "properties"]));
        assert_eq!(
            set(keys(&feature["geometry"])),
            set(["type", "coordinates"])
        );
        assert_eq!(set(keys(&feature["properties"])), set(PROPERTIES));
    }
}

#[test]
fn csv_has_exactly_the_documented_columns() {
    let out = export(Format::Csv, &sites());
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let mut expected = vec!["id", "latitude", "longitude"];
    expected.extend(&PROPERTIES[1..]);
    assert_eq!(header, expected);
    assert!(
        reader
            .records()
            .all(|row| row.unwrap().len() == expected.len())
    );
}

#[test]
fn kml_has_exactly_the_documented_elements_and_data() {
    let text = String::from_utf8(export(Format::Kml, &sites())).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let elements = set(doc
        .descendants()
        .filter(roxmltree::Node::is_element)
        .map(|n| n.tag_name().name()));
    let documented = [
        "kml",
        "Document",
        "name",
        "description",
        "Style",
        "IconStyle",
        "color",
        "LabelStyle",
        "scale",
        "Placemark",
        "styleUrl",
        "ExtendedData",
        "Data",
        "value",
        "Point",
        "coordinates",
    ];
    assert_eq!(elements, set(documented));
    let attributes = set(doc
        .descendants()
        .flat_map(|n| n.attributes())
        .map(|a| a.name()));
    assert_eq!(attributes, set(["id", "name"]));
    for placemark in doc.descendants().filter(|n| n.has_tag_name("Placemark")) {
        let data: Vec<&str> = placemark
            .descendants()
            .filter(|n| n.has_tag_name("Data"))
            .filter_map(|n| n.attribute("name"))
            .collect();
        assert_eq!(data, PROPERTIES);
    }
}

#[test]
fn geopackage_has_exactly_the_documented_tables_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_gpkg(dir.path(), &sites());
    let names = |sql: &str| -> Vec<String> {
        db.prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let tables = names("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    assert_eq!(
        tables,
        [
            "gpkg_contents",
            "gpkg_extensions",
            "gpkg_geometry_columns",
            "gpkg_metadata",
            "gpkg_metadata_reference",
            "gpkg_spatial_ref_sys",
            "sites",
            "sqlite_sequence",
        ]
    );
    let columns = names("SELECT name FROM pragma_table_info('sites') ORDER BY cid");
    let mut expected = vec!["fid", "geom"];
    expected.extend(PROPERTIES);
    assert_eq!(columns, expected);
}
