//! GeoPackage: one point layer `sites` in EPSG:4326 with typed fields, and the provenance in the
//! metadata extension (`gpkg_metadata`, referenced from the layer).
//!
//! A GeoPackage is an SQLite database, which cannot be written front to back into a stream. It
//! is built in a temporary file, rows inserted as they come inside one transaction (SQLite's page
//! cache bounds the memory), and `finish` copies the finished file to the output. Hand-written
//! over rusqlite (the workspace's one bundled SQLite) rather than with the `geopackage` crate,
//! which is pre-alpha: a minimal valid GeoPackage is the schema in `schema.sql`, one INSERT per
//! site and the 29-byte geometry of [`point_blob`].

use std::fs::File;
use std::io::{self, Write};

use rusqlite::{Connection, params};
use tempfile::TempDir;

use crate::error::{ExportResult, io, sqlite};
use crate::format::Format;
use crate::sink::SiteSink;
use crate::site::{ExportSite, Provenance};

/// The `md_standard_uri` of the provenance record (it is this crate's JSON, not ISO 19115).
const PROVENANCE_URI: &str = "urn:tessera:export-provenance";

const INSERT: &str = "INSERT INTO sites (geom, id, class, confidence, support, seen_by, \
    uncertainty_m, status, damaged_after, damaged_before, date_confidence, consensus_run, frames, \
    reviewed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

/// Builds the GeoPackage in a temporary directory, then copies it to `out`.
pub(crate) struct GpkgSink<W: Write> {
    out: W,
    conn: Connection,
    /// Holds the database file; removed (with any journal) when the sink is dropped.
    dir: TempDir,
    /// The layer's extent so far, `[min_x, min_y, max_x, max_y]`, for `gpkg_contents`.
    bounds: Option<[f64; 4]>,
}

impl<W: Write> GpkgSink<W> {
    pub(crate) fn new(out: W, provenance: &Provenance) -> ExportResult<Self> {
        let dir = tempfile::Builder::new()
            .prefix("tessera-export-")
            .tempdir()
            .map_err(io(Format::GeoPackage))?;
        let conn = Connection::open(dir.path().join("sites.gpkg"))
            .map_err(sqlite("creating the temporary database"))?;
        // The file is thrown away if anything fails, so nothing needs to survive a crash:
        // no fsync, and the rollback journal stays in memory.
        conn.execute_batch(
            "PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY; PRAGMA foreign_keys = ON;",
        )
        .map_err(sqlite("configuring the temporary database"))?;
        conn.execute_batch(include_str!("schema.sql"))
            .map_err(sqlite("creating the GeoPackage tables"))?;
        conn.execute(
            "UPDATE gpkg_contents SET description = ?1 WHERE table_name = 'sites'",
            params![format!("Strike sites of {}", provenance.campaign_name)],
        )
        .map_err(sqlite("registering the layer"))?;
        conn.execute(
            "INSERT INTO gpkg_metadata (id, md_scope, md_standard_uri, mime_type, metadata) \
             VALUES (1, 'dataset', ?1, 'application/json', ?2)",
            params![PROVENANCE_URI, provenance.to_json()],
        )
        .map_err(sqlite("writing the provenance"))?;
        conn.execute(
            "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, md_file_id) \
             VALUES ('table', 'sites', 1)",
            [],
        )
        .map_err(sqlite("linking the provenance to the layer"))?;
        conn.execute_batch("BEGIN")
            .map_err(sqlite("starting the transaction"))?;
        Ok(Self {
            out,
            conn,
            dir,
            bounds: None,
        })
    }
}

impl<W: Write + Send> SiteSink for GpkgSink<W> {
    fn write(&mut self, site: &ExportSite) -> ExportResult<()> {
        site.validate()?;
        let (lon, lat) = site.rounded_position();
        let mut insert = self
            .conn
            .prepare_cached(INSERT)
            .map_err(sqlite("preparing the insert"))?;
        insert
            .execute(params![
                point_blob(lon, lat),
                site.id,
                site.class,
                site.confidence,
                site.support,
                site.seen_by,
                site.uncertainty_m,
                site.status,
                site.damaged_after,
                site.damaged_before,
                site.date_confidence,
                site.consensus_run,
                site.frames_joined(),
                site.reviewed_at,
            ])
            .map_err(sqlite("inserting a site"))?;
        let b = self.bounds.get_or_insert([lon, lat, lon, lat]);
        *b = [b[0].min(lon), b[1].min(lat), b[2].max(lon), b[3].max(lat)];
        Ok(())
    }

    fn finish(self: Box<Self>) -> ExportResult<()> {
        let Self {
            mut out,
            conn,
            dir,
            bounds,
        } = *self;
        let [min_x, min_y, max_x, max_y] = bounds.map_or([None; 4], |b| b.map(Some));
        conn.execute(
            "UPDATE gpkg_contents SET min_x = ?1, min_y = ?2, max_x = ?3, max_y = ?4 \
             WHERE table_name = 'sites'",
            params![min_x, min_y, max_x, max_y],
        )
        .map_err(sqlite("writing the layer's extent"))?;
        conn.execute_batch("COMMIT")
            .map_err(sqlite("committing the sites"))?;
        conn.close()
            .map_err(|(_, e)| e)
            .map_err(sqlite("closing the database"))?;
        let mut file = File::open(dir.path().join("sites.gpkg")).map_err(io(Format::GeoPackage))?;
        io::copy(&mut file, &mut out).map_err(io(Format::GeoPackage))?;
        out.flush().map_err(io(Format::GeoPackage))
    }
}

/// A point as GeoPackage binary (standard §2.1.3): the `GP` header (version 0, flags
/// `0b0000_0001` = little-endian, no envelope, not empty), the SRS id, then little-endian WKB.
pub(crate) fn point_blob(lon: f64, lat: f64) -> Vec<u8> {
    let mut blob = Vec::with_capacity(29);
    blob.extend_from_slice(b"GP\x00\x01");
    blob.extend_from_slice(&4326i32.to_le_bytes());
    blob.push(1); // WKB byte order: little-endian
    blob.extend_from_slice(&1u32.to_le_bytes()); // WKB type: Point
    blob.extend_from_slice(&lon.to_le_bytes());
    blob.extend_from_slice(&lat.to_le_bytes());
    blob
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_blob_is_the_gp_header_then_wkb() {
        let blob = point_blob(1.5, -2.0);
        assert_eq!(blob.len(), 29);
        assert_eq!(&blob[..8], b"GP\x00\x01\xe6\x10\x00\x00");
        assert_eq!(&blob[8..13], b"\x01\x01\x00\x00\x00");
        assert_eq!(&blob[13..21], &1.5f64.to_le_bytes());
        assert_eq!(&blob[21..], &(-2.0f64).to_le_bytes());
    }
}
