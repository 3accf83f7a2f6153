//! `GET /api/v1/campaigns/{id}/export.{format}`

use std::io::{self, Write};

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, web};
use tessera_export::{Format, Provenance};
use tokio::sync::mpsc;

use super::list::campaign_for_analyst;
use super::views::ExportQuery;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Authenticated, Reviewers};
use crate::db::campaign::Campaign;
use crate::db::now_ms;
use crate::db::site::SiteFilter;
use crate::sites::export::{export, provenance};
use crate::state::AppState;

/// Bytes sent to the client per chunk.
const CHUNK: usize = 64 * 1024;
/// Chunks in flight between the export thread and the connection: with [`CHUNK`], what bounds
/// an export's memory whatever its size.
const CHUNKS_IN_FLIGHT: usize = 8;

/// A writer that hands full chunks to the response stream, waiting while the client is slow.
/// A client that went away makes the next write fail, which stops the export.
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<web::Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = web::Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        let _ = self.send();
    }
}

/// The campaign's sites as a GIS file, streamed: GeoJSON (RFC 7946), CSV (with `latitude` and
/// `longitude` columns), KML 2.2 or GeoPackage. Each file states its provenance (campaign,
/// export time, filters, consensus runs and their parameters). No volunteer's handle, account
/// id or any personal data is ever in an export.
#[utoipa::path(
    tag = "sites",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Campaign id or slug"),
        ("format" = String, Path, description = "`geojson`, `csv`, `kml` or `gpkg`"),
        ExportQuery,
    ),
    responses(
        (status = 200, description = "The file: `application/geo+json`, `text/csv`, \
                                       `application/vnd.google-earth.kml+xml` or \
                                       `application/geopackage+sqlite3`",
         content_type = "application/octet-stream"),
        (status = 403, description = "Not an analyst", body = ErrorBody),
        (status = 404, description = "No such campaign or format", body = ErrorBody),
        (status = 422, description = "A filter is not valid", body = ErrorBody),
    )
)]
#[get("/campaigns/{id}/export.{format}")]
pub async fn export_sites(
    state: web::Data<AppState>,
    _caller: Authenticated<Reviewers>,
    path: web::Path<(String, String)>,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let (key, format) = path.into_inner();
    let format: Format = format
        .parse()
        .map_err(|e: tessera_export::UnknownFormat| ApiError::not_found(e.to_string()))?;
    let query = query.into_inner();
    let (campaign, filter, provenance) = state
        .db
        .run(move |db| -> ApiResult<(Campaign, SiteFilter, Provenance)> {
            let (campaign, classes) = campaign_for_analyst(&mut *db.conn()?, &key)?;
            let args = query.filters();
            let filter = args
                .parse(&classes)
                .map_err(|e| ApiError::validation(e.0))?;
            let prov = provenance(db, &campaign, &filter, args.described(), classes, now_ms())
                .map_err(|e| ApiError::internal(&e))?;
            Ok((campaign, filter, prov))
        })
        .await?;
    let filename = format!("{}-sites.{}", campaign.slug, format.extension());
    let (tx, rx) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let db = state.db.clone();
    tokio::task::spawn_blocking(move || {
        stream_export(&db, &campaign, &filter, &provenance, format, &tx);
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.media_type()))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// Runs the export on this (blocking) thread into the response stream. An error mid-stream
/// can no longer change the status: it is logged and the body ends with an error, so the client
/// sees a failed download rather than a short file.
fn stream_export(
    db: &crate::db::Db,
    campaign: &Campaign,
    filter: &SiteFilter,
    provenance: &Provenance,
    format: Format,
    tx: &mpsc::Sender<io::Result<web::Bytes>>,
) {
    let out = ChannelWriter {
        tx: tx.clone(),
        buf: Vec::with_capacity(CHUNK),
    };
    match export(db, campaign, filter, provenance, format, out, &mut |_| {}) {
        Ok(sites) => {
            tracing::info!(campaign.id = %campaign.id, export.format = format.name(), export.sites = sites, "sites exported");
        }
        Err(err) => {
            tracing::warn!(campaign.id = %campaign.id, export.format = format.name(), error = %err, "export stopped");
            let _ = tx.blocking_send(Err(io::Error::other("the export failed")));
        }
    }
}
