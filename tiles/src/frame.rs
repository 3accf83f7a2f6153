//! A [`Frame`]: one georeferenced image opened for tiling, with the [`FrameInfo`] the server
//! registers (sha256, size, CRS, geotransform, WGS84 footprint, bands).

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::crs::Crs;
use crate::display::{DisplayMap, Pixels};
use crate::error::{TilerError, TilerResult};
use crate::georef::GeoTransform;
use crate::geotiff::geokeys::DeclaredCrs;
use crate::geotiff::reader::ChunkReader;
use crate::raster::{BandCache, MemorySource, PixelSource};
use crate::{geotiff, image_file, stretch};

/// How a frame's values are mapped to display bytes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Stretch {
    /// Percentile stretch for 16-bit data and for frames with more than three colour bands;
    /// 8-bit gray/RGB(A) shown as-is.
    #[default]
    Auto,
    /// No stretch: 8-bit as-is, 16-bit divided by 256.
    None,
    /// Linear stretch between two percentiles of each displayed band, e.g. (2.0, 98.0).
    Percentile(f64, f64),
}

/// Options for [`Frame::open`]; `Default` suits a plain GeoTIFF.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenOptions {
    /// Bands to display, 1-based: one (gray) or three (RGB), e.g. `[3, 2, 1]`. Default: band 1
    /// for one- or two-band frames, bands 1,2,3 otherwise.
    pub bands: Option<Vec<usize>>,
    /// CRS to use instead of (or in the absence of) the file's: `EPSG:NNNN` or a PROJ string.
    pub crs_override: Option<String>,
    /// Accept a frame without georeference and tile it in pixel space (footprints are then
    /// `None`). A frame that has a georeference still uses it.
    pub pixel_space: bool,
    /// Nodata value to use instead of the file's `GDAL_NODATA`.
    pub nodata_override: Option<f64>,
    /// Display stretch.
    pub stretch: Stretch,
    /// Compute the sha256 of the file at open (needed to register a frame; costs one read).
    pub hash: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            bands: None,
            crs_override: None,
            pixel_space: false,
            nodata_override: None,
            stretch: Stretch::Auto,
            hash: true,
        }
    }
}

/// What the server stores about a frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameInfo {
    /// The path the frame was opened from.
    pub path: PathBuf,
    /// Hex sha256 of the file (empty when `OpenOptions::hash` was off).
    pub sha256: String,
    /// File size in bytes.
    pub file_size: u64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bands (samples per pixel) in the file, alpha included.
    pub bands: u16,
    /// Bits per sample.
    pub bit_depth: u8,
    /// The displayed bands, 1-based.
    pub display_bands: Vec<usize>,
    /// `EPSG:NNNN`, a PROJ string, or `None` in pixel space.
    pub crs: Option<String>,
    /// The EPSG code when the CRS has one.
    pub epsg: Option<u16>,
    /// GDAL-style geotransform (pixel corners → CRS).
    pub geotransform: [f64; 6],
    /// WGS84 [lon, lat] of pixel corners (0,0), (W,0), (W,H), (0,H); `None` in pixel space.
    pub footprint: Option<[[f64; 2]; 4]>,
    /// The nodata value in use.
    pub nodata: Option<f64>,
}

/// An opened frame: metadata plus chunked pixel access.
#[derive(Debug)]
pub struct Frame {
    info: FrameInfo,
    transform: GeoTransform,
    crs: Option<Crs>,
    source: Box<dyn PixelSource>,
}

fn is_tiff(path: &Path) -> TilerResult<bool> {
    let mut magic = [0u8; 4];
    let mut f = std::fs::File::open(path).map_err(|source| TilerError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let n = f
        .read(&mut magic)
        .map_err(|source| TilerError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(n == 4 && (magic[..2] == *b"II" || magic[..2] == *b"MM"))
}

fn sha256_file(path: &Path) -> TilerResult<String> {
    let unreadable = |source| TilerError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(unreadable)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(unreadable)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write;
            let _ = write!(s, "{b:02x}");
            s
        }))
}

impl Frame {
    /// Opens a GeoTIFF, or a PNG/JPEG with a world file, reading only its header and tags (plus a
    /// sample of chunks when a stretch is needed, and the whole file once for the sha256).
    ///
    /// ```
    /// use tessera_tiles::{Frame, OpenOptions, TilerError};
    /// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/rasters");
    /// # if !std::path::Path::new(data).exists() { return; }
    /// let frame = Frame::open(format!("{data}/rasterio_RGB.byte.tif"), &OpenOptions::default()).unwrap();
    /// assert_eq!(frame.info().epsg, Some(32618));
    /// assert_eq!((frame.info().width, frame.info().height), (791, 718));
    /// let missing = Frame::open("/no/such/frame.tif", &OpenOptions::default());
    /// assert!(matches!(missing, Err(TilerError::Unreadable { .. })));
    /// ```
    ///
    /// # Errors
    /// A [`TilerError`] naming the file: unreadable, corrupt, unsupported, absurd dimensions, no
    /// georeference (unless `pixel_space`), or an unusable CRS.
    pub fn open(path: impl AsRef<Path>, opts: &OpenOptions) -> TilerResult<Self> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|source| TilerError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        if meta.is_dir() {
            return Err(TilerError::Unreadable {
                path: path.to_path_buf(),
                source: std::io::Error::other("is a directory"),
            });
        }
        let opened = if is_tiff(path)? {
            open_tiff(path, opts)?
        } else {
            open_image(path, opts)?
        };
        let (source, declared, mut gt, bands, bits, display_bands, nodata) = opened;
        let invalid = |detail: String| TilerError::InvalidOption {
            path: path.to_path_buf(),
            detail,
        };
        let crs = match (&opts.crs_override, declared) {
            (Some(text), _) => Some(Crs::parse(text).map_err(invalid)?),
            (None, DeclaredCrs::Epsg(code)) => {
                Some(Crs::from_epsg(code).map_err(|e| crs_error(path, &e))?)
            }
            (None, DeclaredCrs::Proj(def)) => {
                Some(Crs::from_proj_string(&def).map_err(|e| crs_error(path, &e))?)
            }
            (None, DeclaredCrs::Unsupported(d)) if !opts.pixel_space => {
                return Err(crs_error(path, &d));
            }
            (None, DeclaredCrs::Missing) if gt.is_some() && !opts.pixel_space => {
                return Err(TilerError::NoGeoreference {
                    path: path.to_path_buf(),
                    detail: "a transform but no CRS".into(),
                });
            }
            (None, _) => None,
        };
        if crs.is_none() || gt.is_none() {
            if !opts.pixel_space {
                let detail = if gt.is_none() {
                    "no ModelTiepoint/ModelTransformation tags and no world file"
                } else {
                    "no CRS"
                };
                return Err(TilerError::NoGeoreference {
                    path: path.to_path_buf(),
                    detail: detail.into(),
                });
            }
            gt = None;
        }
        let (crs, transform) = match (crs, gt) {
            (Some(c), Some(g)) => (Some(c), g),
            _ => (None, GeoTransform::PIXEL),
        };
        let (width, height) = source.size();
        let footprint = match &crs {
            Some(c) => Some(
                corners(c, &transform, 0.0, 0.0, f64::from(width), f64::from(height))
                    .map_err(|e| crs_error(path, &e))?,
            ),
            None => None,
        };
        let info = FrameInfo {
            path: path.to_path_buf(),
            sha256: if opts.hash {
                sha256_file(path)?
            } else {
                String::new()
            },
            file_size: meta.len(),
            width,
            height,
            bands,
            bit_depth: bits,
            display_bands,
            crs: crs.as_ref().map(|c| c.label().to_owned()),
            epsg: crs.as_ref().and_then(Crs::epsg),
            geotransform: transform.0,
            footprint,
            nodata,
        };
        Ok(Self {
            info,
            transform,
            crs,
            source,
        })
    }

    /// The metadata to register.
    #[must_use]
    pub fn info(&self) -> &FrameInfo {
        &self.info
    }

    /// The pixel → CRS transform ([`GeoTransform::PIXEL`] in pixel space).
    #[must_use]
    pub fn transform(&self) -> &GeoTransform {
        &self.transform
    }

    /// The CRS, `None` in pixel space.
    #[must_use]
    pub fn crs(&self) -> Option<&Crs> {
        self.crs.as_ref()
    }

    /// Display pixels (1 or 3 channels, with the nodata mask) of a window, clipped to the frame.
    /// Decodes the full-width chunk rows under the window; meant for previews and checks, not for
    /// tiling (use [`crate::tile_frame`]).
    ///
    /// # Errors
    /// [`TilerError::Corrupt`] and friends when a chunk cannot be decoded.
    pub fn read_window(&self, x: u32, y: u32, w: u32, h: u32) -> TilerResult<Pixels> {
        let (fw, fh) = self.source.size();
        let (x, y) = (x.min(fw), y.min(fh));
        let (w, h) = (w.min(fw - x) as usize, h.min(fh - y));
        let band = BandCache::new(self.source()).read_rows(y, h)?;
        let mut out = Pixels::new(w, h as usize, band.channels);
        out.blit(&band, (x as usize, 0), (0, 0), (w, h as usize));
        Ok(out)
    }

    pub(crate) fn source(&self) -> &dyn PixelSource {
        self.source.as_ref()
    }

    /// WGS84 [lon, lat] of the four corners (x, y), (x+w, y), (x+w, y+h), (x, y+h) of a pixel
    /// rectangle, or `None` in pixel space.
    ///
    /// # Errors
    /// [`TilerError::UnsupportedCrs`] when a corner cannot be converted.
    pub fn footprint(&self, x: f64, y: f64, w: f64, h: f64) -> TilerResult<Option<[[f64; 2]; 4]>> {
        self.crs
            .as_ref()
            .map(|c| {
                corners(c, &self.transform, x, y, x + w, y + h)
                    .map_err(|e| crs_error(&self.info.path, &e))
            })
            .transpose()
    }
}

fn crs_error(path: &Path, detail: &str) -> TilerError {
    TilerError::UnsupportedCrs {
        path: path.to_path_buf(),
        detail: format!(
            "{detail}; pass the CRS explicitly (crs_override / --crs EPSG:NNNN or a +proj string)"
        ),
    }
}

fn corners(
    crs: &Crs,
    gt: &GeoTransform,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
) -> Result<[[f64; 2]; 4], String> {
    let mut out = [[0.0; 2]; 4];
    for (o, (px, py)) in out.iter_mut().zip([(x0, y0), (x1, y0), (x1, y1), (x0, y1)]) {
        let (x, y) = gt.apply(px, py);
        let (lon, lat) = crs.to_wgs84(x, y)?;
        *o = [lon, lat];
    }
    Ok(out)
}

type Opened = (
    Box<dyn PixelSource>,
    DeclaredCrs,
    Option<GeoTransform>,
    u16,
    u8,
    Vec<usize>,
    Option<f64>,
);

fn choose_bands(
    path: &Path,
    requested: Option<&[usize]>,
    colour_bands: usize,
    samples: usize,
) -> TilerResult<Vec<usize>> {
    let invalid = |detail: String| TilerError::InvalidOption {
        path: path.to_path_buf(),
        detail,
    };
    match requested {
        Some(b) if b.len() != 1 && b.len() != 3 => {
            Err(invalid(format!("give one or three bands, not {}", b.len())))
        }
        Some(b) if b.iter().any(|&i| i == 0 || i > samples) => {
            Err(invalid(format!("bands {b:?} out of range 1..={samples}")))
        }
        Some(b) => Ok(b.iter().map(|i| i - 1).collect()),
        None if colour_bands >= 3 => Ok(vec![0, 1, 2]),
        None => Ok(vec![0]),
    }
}

fn open_tiff(path: &Path, opts: &OpenOptions) -> TilerResult<Opened> {
    let mut dec = geotiff::open_decoder(path)?;
    let layout = geotiff::read_layout(path, &mut dec)?;
    let georef = geotiff::read_georef(&mut dec);
    let samples = usize::from(layout.samples);
    let colour = samples - usize::from(layout.alpha.is_some());
    let bands = choose_bands(path, opts.bands.as_deref(), colour, samples)?;
    let nodata = opts.nodata_override.or(layout.nodata);
    let raw_nodata =
        nodata.filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v < f64::from(1u32 << layout.bits));
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "range checked above"
    )]
    let raw_nodata = raw_nodata.map(|v| v as u16);
    let mut map = DisplayMap {
        bands: bands.clone(),
        alpha: layout.alpha,
        nodata: raw_nodata,
        luts: None,
    };
    let stretch = match opts.stretch {
        Stretch::Auto if layout.bits > 8 || colour > 3 => Some((2.0, 98.0)),
        Stretch::Percentile(lo, hi) => Some((lo, hi)),
        Stretch::Auto | Stretch::None => None,
    };
    let bits = layout.bits;
    let mut reader = ChunkReader::new(path, dec, layout, map.clone())?;
    if let Some((lo, hi)) = stretch {
        map.luts = Some(stretch::percentile_luts(&reader, &map, lo, hi)?);
    } else if bits == 16 {
        let shift: Vec<u8> = (0..=u16::MAX)
            .map(|v| u8::try_from(v >> 8).unwrap_or(u8::MAX))
            .collect();
        map.luts = Some(vec![shift; bands.len()]);
    }
    reader.set_map(map);
    let mut transform = georef.transform;
    if transform.is_none() {
        transform = image_file::find_world_file(path)?.map(|(_, gt)| gt);
    }
    let display = bands.iter().map(|b| b + 1).collect();
    Ok((
        Box::new(reader),
        georef.crs,
        transform,
        u16::try_from(samples).unwrap_or(u16::MAX),
        bits,
        display,
        nodata,
    ))
}

fn open_image(path: &Path, opts: &OpenOptions) -> TilerResult<Opened> {
    let mut magic = [0u8; 8];
    let mut f = std::fs::File::open(path).map_err(|source| TilerError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let n = f
        .read(&mut magic)
        .map_err(|source| TilerError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
    let pixels = if n >= 8 && magic == *b"\x89PNG\r\n\x1a\n" {
        image_file::decode_png(path)?
    } else if n >= 3 && magic[..3] == [0xFF, 0xD8, 0xFF] {
        image_file::decode_jpeg(path)?
    } else if n < 4 {
        return Err(TilerError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("only {n} bytes long"),
        });
    } else {
        return Err(TilerError::UnsupportedFormat {
            path: path.to_path_buf(),
            detail: "not a TIFF, PNG or JPEG file".into(),
        });
    };
    let channels = pixels.channels;
    choose_bands(path, opts.bands.as_deref(), channels, channels)?;
    let transform = image_file::find_world_file(path)?.map(|(_, gt)| gt);
    let bands = (1..=channels).collect();
    let channels = u16::try_from(channels).unwrap_or(3);
    Ok((
        Box::new(MemorySource(pixels)),
        DeclaredCrs::Missing,
        transform,
        channels,
        8,
        bands,
        opts.nodata_override,
    ))
}
