//! [`Frame::open`]: sniffing the file type, reading a GeoTIFF's layout, georeference and display
//! mapping (or decoding a PNG/JPEG and its world file), resolving the CRS, and the sha256.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{Frame, FrameInfo, OpenOptions, Stretch, corners, crs_error};
use crate::crs::Crs;
use crate::display::DisplayMap;
use crate::error::{TilerError, TilerResult};
use crate::georef::GeoTransform;
use crate::geotiff::geokeys::DeclaredCrs;
use crate::geotiff::reader::ChunkReader;
use crate::raster::{MemorySource, PixelSource};
use crate::{geotiff, image_file, stretch};

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
}

/// The first `N` bytes of a file and how many there were (fewer for a shorter file).
fn read_magic<const N: usize>(path: &Path) -> TilerResult<([u8; N], usize)> {
    let unreadable = |source| TilerError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let mut magic = [0u8; N];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut magic))
        .map_err(unreadable)?;
    Ok((magic, n))
}

fn is_tiff(path: &Path) -> TilerResult<bool> {
    let (magic, n) = read_magic::<4>(path)?;
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
    let (magic, n) = read_magic::<8>(path)?;
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
