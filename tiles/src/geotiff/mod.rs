//! GeoTIFF frames: the image structure (size, bands, sample type, strips or tiles, planar or
//! chunky), the georeference tags, `GDAL_NODATA`, and chunk-by-chunk pixel access.
//!
//! Pixels are never read as a whole raster: [`reader::ChunkReader`] decodes one strip or internal
//! tile at a time, so memory depends on the chunk size, not on the frame size.

pub(crate) mod direct;
pub(crate) mod geokeys;
pub(crate) mod reader;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use tiff::decoder::{ChunkType, Decoder};
use tiff::tags::{PlanarConfiguration, SampleFormat, Tag};

use crate::error::{TilerError, TilerResult};
use crate::georef::GeoTransform;
use geokeys::{DeclaredCrs, GeoKeys};

/// Largest accepted frame side, in pixels. Beyond it a file is treated as corrupt or hostile.
pub(crate) const MAX_SIDE: u64 = 1 << 18;
/// Largest accepted decoded chunk (one strip or tile), in bytes.
pub(crate) const MAX_CHUNK_BYTES: u64 = 256 << 20;

/// The structure of a TIFF image, read from its first IFD.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub width: u32,
    pub height: u32,
    /// Samples per pixel (bands, including alpha).
    pub samples: u16,
    /// Bits per sample: 8 or 16.
    pub bits: u8,
    /// Bands are stored as separate planes (`PlanarConfiguration` = 2).
    pub planar: bool,
    /// Chunk (strip or tile) width and height.
    pub chunk_w: u32,
    pub chunk_h: u32,
    /// Chunks across and down one plane.
    pub chunks_across: u32,
    pub chunks_down: u32,
    /// Index of an alpha band (`ExtraSamples` associated/unassociated alpha), 0-based.
    pub alpha: Option<usize>,
    /// `GDAL_NODATA`, when present and numeric.
    pub nodata: Option<f64>,
}

/// The georeference found in the tags.
#[derive(Debug, Clone)]
pub(crate) struct Georef {
    pub transform: Option<GeoTransform>,
    pub crs: DeclaredCrs,
}

pub(crate) fn open_decoder(path: &Path) -> TilerResult<Decoder<BufReader<File>>> {
    let file = File::open(path).map_err(|source| TilerError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    Decoder::new(BufReader::with_capacity(64 << 10, file))
        .map_err(|e| TilerError::from_tiff(path, e))
}

fn tag_f64s(dec: &mut Decoder<BufReader<File>>, tag: Tag) -> Option<Vec<f64>> {
    dec.find_tag(tag)
        .ok()
        .flatten()
        .and_then(|v| v.into_f64_vec().ok())
}

/// Bits per sample (8 or 16, unsigned, the same for every band), or the error saying why not.
fn sample_bits(path: &Path, dec: &mut Decoder<BufReader<File>>) -> TilerResult<u8> {
    let tiff_err = |e| TilerError::from_tiff(path, e);
    let bits = dec
        .find_tag(Tag::BitsPerSample)
        .map_err(tiff_err)?
        .map(tiff::decoder::ifd::Value::into_u16_vec)
        .transpose()
        .map_err(tiff_err)?
        .unwrap_or_else(|| vec![1]);
    // GDAL writes SampleFormat once per sample.
    let formats: Vec<u16> = dec
        .find_tag_unsigned_vec(Tag::SampleFormat)
        .map_err(tiff_err)?
        .unwrap_or_default();
    let format = formats.first().copied().unwrap_or(1);
    let unsupported = |detail: String| TilerError::UnsupportedFormat {
        path: path.to_path_buf(),
        detail,
    };
    if bits.iter().any(|&b| b != bits[0]) {
        return Err(unsupported(format!("mixed bits per sample {bits:?}")));
    }
    let depth = match bits[0] {
        8 => 8,
        16 => 16,
        b => {
            return Err(unsupported(format!(
                "{b}-bit samples (only 8 and 16 are displayed)"
            )));
        }
    };
    if SampleFormat::from_u16(format) != Some(SampleFormat::Uint)
        || formats.iter().any(|&f| f != format)
    {
        return Err(unsupported(format!(
            "SampleFormat {format} (only unsigned integers)"
        )));
    }
    Ok(depth)
}

/// Reads the structure and refuses what the tiler cannot display, before any pixel is read.
pub(crate) fn read_layout(path: &Path, dec: &mut Decoder<BufReader<File>>) -> TilerResult<Layout> {
    let tiff_err = |e| TilerError::from_tiff(path, e);
    let (width, height) = dec.dimensions().map_err(tiff_err)?;
    let samples: u16 = dec
        .find_tag_unsigned(Tag::SamplesPerPixel)
        .map_err(tiff_err)?
        .unwrap_or(1);
    let absurd = || TilerError::AbsurdDimensions {
        path: path.to_path_buf(),
        width: width.into(),
        height: height.into(),
        bands: samples.into(),
    };
    if width == 0 || height == 0 || samples == 0 {
        return Err(absurd());
    }
    if u64::from(width) > MAX_SIDE || u64::from(height) > MAX_SIDE || samples > 64 {
        return Err(absurd());
    }
    let bits = sample_bits(path, dec)?;
    let planar = dec
        .find_tag_unsigned::<u16>(Tag::PlanarConfiguration)
        .map_err(tiff_err)?
        == Some(PlanarConfiguration::Planar.to_u16());
    let compression: u16 = dec
        .find_tag_unsigned(Tag::Compression)
        .map_err(tiff_err)?
        .unwrap_or(1);
    if !matches!(compression, 1 | 5 | 7 | 8 | 32773 | 32946) {
        return Err(TilerError::UnsupportedCompression {
            path: path.to_path_buf(),
            detail: format!("TIFF compression code {compression}"),
        });
    }
    let (chunk_w, chunk_h) = match dec.get_chunk_type() {
        ChunkType::Tile => dec.chunk_dimensions(),
        ChunkType::Strip => (width, dec.chunk_dimensions().1.min(height)),
    };
    let chunk_samples = if planar { 1 } else { u64::from(samples) };
    if chunk_w == 0
        || chunk_h == 0
        || u64::from(chunk_w) * u64::from(chunk_h) * chunk_samples * u64::from(bits / 8)
            > MAX_CHUNK_BYTES
    {
        return Err(absurd());
    }
    let extra = dec
        .find_tag(Tag::ExtraSamples)
        .ok()
        .flatten()
        .and_then(|v| v.into_u16_vec().ok())
        .unwrap_or_default();
    let color_samples = usize::from(samples) - extra.len().min(usize::from(samples));
    let alpha = extra
        .iter()
        .position(|&e| e == 1 || e == 2)
        .map(|i| color_samples + i);
    let nodata = dec
        .find_tag(Tag::GdalNodata)
        .ok()
        .flatten()
        .and_then(|v| v.into_string().ok())
        .and_then(|s| s.trim_matches(['\0', ' ']).parse::<f64>().ok());
    Ok(Layout {
        width,
        height,
        samples,
        bits,
        planar,
        chunk_w,
        chunk_h,
        chunks_across: width.div_ceil(chunk_w),
        chunks_down: height.div_ceil(chunk_h),
        alpha,
        nodata,
    })
}

/// Reads the model tags and GeoKeys (absent tags give `None` / [`DeclaredCrs::Missing`]).
pub(crate) fn read_georef(dec: &mut Decoder<BufReader<File>>) -> Georef {
    let keys = match dec.find_tag(Tag::GeoKeyDirectoryTag).ok().flatten() {
        Some(v) => {
            let dir = v.into_u16_vec().unwrap_or_default();
            let doubles = tag_f64s(dec, Tag::GeoDoubleParamsTag).unwrap_or_default();
            let ascii = dec
                .find_tag(Tag::GeoAsciiParamsTag)
                .ok()
                .flatten()
                .and_then(|v| v.into_string().ok())
                .unwrap_or_default();
            GeoKeys::parse(&dir, &doubles, &ascii)
        }
        None => GeoKeys::default(),
    };
    let scale = tag_f64s(dec, Tag::ModelPixelScaleTag);
    let ties = tag_f64s(dec, Tag::ModelTiepointTag);
    let matrix = tag_f64s(dec, Tag::ModelTransformationTag);
    let transform = GeoTransform::from_model_tags(
        scale.as_deref(),
        ties.as_deref(),
        matrix.as_deref(),
        keys.pixel_is_point(),
    );
    Georef {
        transform,
        crs: keys.crs(),
    }
}
