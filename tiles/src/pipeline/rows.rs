//! One tile row: reading the bands under it (after and before frames), and cutting, encoding and
//! storing each of its tiles.

use crate::display::Pixels;
use crate::encode::{View, encode, encode_view};
use crate::error::{TilerError, TilerResult};
use crate::frame::Frame;
use crate::grid::{TileGrid, TileWindow};
use crate::manifest::TileRecord;
use crate::raster::BandCache;
use crate::resample::PixelMap;
use crate::store::TileStore;

use super::options::TileOptions;

/// Reads the bands of successive tile rows, of the after frame and of the before frame.
pub(super) struct BandReader<'a> {
    pub(super) cache: BandCache<'a>,
    pub(super) before: Option<(&'a Frame, &'a PixelMap<'a>, BandCache<'a>)>,
    pub(super) grid: &'a TileGrid,
}

impl BandReader<'_> {
    pub(super) fn read(&mut self, row: u32) -> TilerResult<Bands> {
        let (width, _) = self.cache.size();
        let y0 = row * self.grid.stride();
        let size = self.grid.size();
        let band = self.cache.read_band(y0, size, y0 + self.grid.stride())?;
        let before_band = match &mut self.before {
            Some((b, map, bc)) => {
                let (lo, hi) = map.rows_needed(width, y0, size);
                let bh = f64::from(b.info().height);
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "clamped to the frame height"
                )]
                let (by0, by1) = (
                    lo.floor().clamp(0.0, bh) as u32,
                    hi.ceil().clamp(0.0, bh) as u32,
                );
                Some((bc.read_rows(by0, by1 - by0)?, i64::from(by0)))
            }
            None => None,
        };
        Ok((band, before_band))
    }
}

/// One tile row's full-width band of the after frame, and the before frame's rows it needs (with
/// the first row's index).
pub(super) type Bands = (Pixels, Option<(Pixels, i64)>);

pub(super) type BeforeCtx<'a, 'b> = (&'b (&'a Frame, &'a str, PixelMap<'a>), &'b (Pixels, i64));

/// Cuts, encodes and stores one tile (and its before-tile). `None` when skipped as nodata.
pub(super) fn cut_one(
    after: &Frame,
    frame_id: &str,
    win: &TileWindow,
    band: &Pixels,
    opts: &TileOptions,
    store: &dyn TileStore,
    before: Option<BeforeCtx<'_, '_>>,
) -> TilerResult<Option<(TileRecord, u64)>> {
    let s = opts.tile_size as usize;
    let (w, h) = (win.w as usize, win.h as usize);
    let empty = band.valid.as_ref().map_or(0, |v| {
        (0..h)
            .map(|r| {
                w - v[r * band.width + win.x as usize..][..w]
                    .iter()
                    .map(|&m| usize::from(m))
                    .sum::<usize>()
            })
            .sum::<usize>()
    });
    #[expect(clippy::cast_precision_loss, reason = "pixel counts")]
    let nodata_fraction = empty as f64 / (w * h).max(1) as f64;
    if nodata_fraction >= opts.nodata_threshold && empty > 0 {
        return Ok(None);
    }
    let ext = opts.format.extension();
    let key = format!("tiles/{frame_id}/{}/{}.{ext}", win.col, win.row);
    let path = &after.info().path;
    let encoded = if w == s && h == s {
        // A whole tile inside the band: encoded in place.
        encode_view(
            &View::of(band, (win.x as usize, 0), (s, s)),
            opts.format,
            opts.quality,
        )
    } else {
        // An edge tile: padded with black.
        let mut tile = Pixels::new(s, s, band.channels);
        tile.blit(band, (win.x as usize, 0), (0, 0), (w, h));
        encode(&tile, opts.format, opts.quality)
    };
    let bytes = encoded.map_err(|detail| TilerError::Encode {
        path: path.clone(),
        key: key.clone(),
        detail,
    })?;
    store.put(&key, &bytes)?;
    let mut total = bytes.len() as u64;
    let size = f64::from(opts.tile_size);
    let footprint = after.footprint(f64::from(win.x), f64::from(win.y), size, size)?;
    let mut rec = TileRecord {
        id: format!("{frame_id}/{}/{}", win.col, win.row),
        frame: frame_id.to_owned(),
        col: win.col,
        row: win.row,
        key,
        size: opts.tile_size,
        window: win.into(),
        footprint,
        nodata_fraction,
        edge: win.edge,
        bytes: bytes.len() as u64,
        before_frame: None,
        before_key: None,
        before_nodata_fraction: None,
    };
    if let Some(((b, before_id, map), (bband, by0))) = before {
        let (btile, frac) = map.cut(bband, *by0, (win.x, win.y), opts.tile_size, opts.resampling);
        let bkey = format!(
            "tiles/{frame_id}/before/{before_id}/{}/{}.{ext}",
            win.col, win.row
        );
        let before_bytes =
            encode(&btile, opts.format, opts.quality).map_err(|detail| TilerError::Encode {
                path: b.info().path.clone(),
                key: bkey.clone(),
                detail,
            })?;
        store.put(&bkey, &before_bytes)?;
        total += before_bytes.len() as u64;
        rec.before_frame = Some((*before_id).to_owned());
        rec.before_key = Some(bkey);
        rec.before_nodata_fraction = Some(frac);
    }
    Ok(Some((rec, total)))
}
