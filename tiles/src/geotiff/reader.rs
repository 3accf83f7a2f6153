//! Chunk-by-chunk pixel access to a GeoTIFF: one strip or internal tile at a time, through a small
//! pool of `tiff` decoders so that several threads can decode chunks of the same file at once
//! (a `tiff::Decoder` needs `&mut` and owns its file handle).

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use tiff::decoder::{Decoder, DecodingResult};

use super::direct::DirectChunks;
use super::{Layout, open_decoder};
use crate::display::{DisplayMap, Pixels};
use crate::error::{TilerError, TilerResult};
use crate::raster::PixelSource;

type Dec = Decoder<BufReader<File>>;

/// Raw samples of one chunk: one buffer for chunky data, one per needed band for planar data.
pub(crate) enum RawChunk {
    U8(Vec<Vec<u8>>),
    U16(Vec<Vec<u16>>),
}

/// Reads chunks of one GeoTIFF and converts them to display pixels.
pub(crate) struct ChunkReader {
    path: PathBuf,
    layout: Layout,
    map: DisplayMap,
    /// Bands to decode: the displayed ones plus alpha (only matters for planar files).
    needed: Vec<usize>,
    pool: Mutex<Vec<Dec>>,
    /// The fast path for 8-bit uncompressed/DEFLATE chunks, when the file allows it.
    direct: Option<DirectChunks>,
}

impl std::fmt::Debug for ChunkReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkReader")
            .field("path", &self.path)
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
}

impl ChunkReader {
    pub(crate) fn new(
        path: &Path,
        mut decoder: Dec,
        layout: Layout,
        map: DisplayMap,
    ) -> TilerResult<Self> {
        let direct = DirectChunks::probe(path, &mut decoder, &layout)?;
        let mut needed = map.bands.clone();
        needed.extend(map.alpha);
        needed.sort_unstable();
        needed.dedup();
        Ok(Self {
            path: path.to_path_buf(),
            layout,
            map,
            needed,
            pool: Mutex::new(vec![decoder]),
            direct,
        })
    }

    pub(crate) fn layout(&self) -> &Layout {
        &self.layout
    }

    pub(crate) fn set_map(&mut self, map: DisplayMap) {
        let mut needed = map.bands.clone();
        needed.extend(map.alpha);
        needed.sort_unstable();
        needed.dedup();
        self.needed = needed;
        self.map = map;
    }

    /// Bands actually decoded, in the order of the planes [`Self::read_raw`] returns for planar data.
    pub(crate) fn needed(&self) -> &[usize] {
        &self.needed
    }

    fn with_decoder<R>(&self, f: impl FnOnce(&mut Dec) -> TilerResult<R>) -> TilerResult<R> {
        let taken = self.pool.lock().map_or(None, |mut p| p.pop());
        let mut dec = match taken {
            Some(d) => d,
            None => open_decoder(&self.path)?,
        };
        let out = f(&mut dec);
        if out.is_ok()
            && let Ok(mut p) = self.pool.lock()
        {
            p.push(dec);
        }
        out
    }

    /// Decodes the chunk at (cx, cy) of the chunk grid. Returns its samples and (width, height).
    pub(crate) fn read_raw(&self, cx: u32, cy: u32) -> TilerResult<(RawChunk, usize, usize)> {
        let l = &self.layout;
        let index = cy * l.chunks_across + cx;
        let per_plane = l.chunks_across * l.chunks_down;
        let planes: Vec<u32> = if l.planar {
            self.needed
                .iter()
                .map(|&b| u32::try_from(b).unwrap_or(0) * per_plane + index)
                .collect()
        } else {
            vec![index]
        };
        let (w, h) = (
            (l.width - cx * l.chunk_w).min(l.chunk_w) as usize,
            (l.height - cy * l.chunk_h).min(l.chunk_h) as usize,
        );
        let per_px = if l.planar { 1 } else { usize::from(l.samples) };
        if let Some(direct) = &self.direct {
            let planes = planes
                .iter()
                .map(|&i| direct.read(i, l, per_px, (w, h)))
                .collect::<TilerResult<Vec<_>>>()?;
            return Ok((RawChunk::U8(planes), w, h));
        }
        let results = self.with_decoder(|dec| {
            planes
                .iter()
                .map(|&i| {
                    dec.read_chunk(i)
                        .map_err(|e| TilerError::from_tiff(&self.path, e))
                })
                .collect::<TilerResult<Vec<_>>>()
        })?;
        let expect = w * h * per_px;
        let short = |got: usize| TilerError::Corrupt {
            path: self.path.clone(),
            detail: format!("chunk {index} decoded to {got} samples, expected {expect}"),
        };
        let raw = match results.first() {
            Some(DecodingResult::U8(_)) => RawChunk::U8(
                results
                    .into_iter()
                    .map(|r| match r {
                        DecodingResult::U8(v) if v.len() >= expect => Ok(v),
                        DecodingResult::U8(v) => Err(short(v.len())),
                        _ => Err(short(0)),
                    })
                    .collect::<TilerResult<_>>()?,
            ),
            Some(DecodingResult::U16(_)) => RawChunk::U16(
                results
                    .into_iter()
                    .map(|r| match r {
                        DecodingResult::U16(v) if v.len() >= expect => Ok(v),
                        DecodingResult::U16(v) => Err(short(v.len())),
                        _ => Err(short(0)),
                    })
                    .collect::<TilerResult<_>>()?,
            ),
            _ => {
                return Err(TilerError::UnsupportedFormat {
                    path: self.path.clone(),
                    detail: "decoded samples are neither 8- nor 16-bit unsigned".into(),
                });
            }
        };
        Ok((raw, w, h))
    }

    /// Decodes the chunk at (cx, cy) into display pixels.
    pub(crate) fn decode_chunk(&self, cx: u32, cy: u32) -> TilerResult<Pixels> {
        let (raw, w, h) = self.read_raw(cx, cy)?;
        let l = &self.layout;
        let stride = if l.planar { 1 } else { usize::from(l.samples) };
        let needed = &self.needed;
        let loc = |b: usize| {
            if l.planar {
                (needed.iter().position(|&n| n == b).unwrap_or(0), 0)
            } else {
                (0, b)
            }
        };
        Ok(match raw {
            RawChunk::U8(mut planes) if !l.planar && self.map.is_identity_for(stride) => {
                let mut data = planes.swap_remove(0);
                data.truncate(w * h * stride);
                Pixels {
                    width: w,
                    height: h,
                    channels: stride,
                    data,
                    valid: None,
                }
            }
            RawChunk::U8(planes) => {
                let refs: Vec<&[u8]> = planes.iter().map(Vec::as_slice).collect();
                self.map.convert(&refs, stride, loc, w, h)
            }
            RawChunk::U16(planes) => {
                let refs: Vec<&[u16]> = planes.iter().map(Vec::as_slice).collect();
                self.map.convert(&refs, stride, loc, w, h)
            }
        })
    }
}

impl PixelSource for ChunkReader {
    fn size(&self) -> (u32, u32) {
        (self.layout.width, self.layout.height)
    }

    fn channels(&self) -> usize {
        self.map.bands.len()
    }

    fn row_height(&self) -> u32 {
        self.layout.chunk_h
    }

    fn decode_row(&self, cy: u32) -> TilerResult<Pixels> {
        let l = &self.layout;
        if l.chunks_across == 1 {
            return self.decode_chunk(0, cy);
        }
        let spp = usize::from(l.samples);
        if let Some(direct) = &self.direct
            && !l.planar
            && self.map.is_identity_for(spp)
        {
            let data = direct.read_row(cy, l, spp)?;
            return Ok(Pixels {
                width: l.width as usize,
                height: data.len() / (l.width as usize * spp),
                channels: spp,
                data,
                valid: None,
            });
        }
        let chunks = (0..l.chunks_across)
            .into_par_iter()
            .map(|cx| self.decode_chunk(cx, cy))
            .collect::<TilerResult<Vec<_>>>()?;
        let h = chunks.first().map_or(0, |c| c.height);
        let mut row = Pixels::new(l.width as usize, h, self.channels());
        for (cx, chunk) in chunks.iter().enumerate() {
            row.blit(
                chunk,
                (0, 0),
                (cx * l.chunk_w as usize, 0),
                (chunk.width, chunk.height),
            );
        }
        Ok(row)
    }
}
