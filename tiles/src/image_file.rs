//! PNG and JPEG frames with a world file (`.pgw`, `.jgw`, `.wld`, …).
//!
//! These formats have no internal chunking that a decoder exposes, so they are decoded whole; their
//! size is checked from the header first and capped ([`MAX_DECODED_PIXELS`]), which is fine for the
//! scans and screenshots that arrive this way. Large imagery should come as (Cloud Optimized)
//! GeoTIFF.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::display::Pixels;
use crate::error::{TilerError, TilerResult};
use crate::georef::GeoTransform;

/// Largest PNG/JPEG frame decoded whole: 16384 × 16384 pixels.
pub(crate) const MAX_DECODED_PIXELS: u64 = 1 << 28;

/// The world-file sidecar extensions tried for a frame, in order.
const WORLD_EXTENSIONS: [&str; 8] = ["wld", "pgw", "pngw", "jgw", "jpgw", "tfw", "tifw", "tiffw"];

/// Finds and parses the world file next to `path` (`frame.png` → `frame.pgw`, `frame.wld`, …).
pub(crate) fn find_world_file(path: &Path) -> TilerResult<Option<(PathBuf, GeoTransform)>> {
    for ext in WORLD_EXTENSIONS {
        for candidate in [
            path.with_extension(ext),
            path.with_extension(ext.to_uppercase()),
        ] {
            if !candidate.is_file() {
                continue;
            }
            let text =
                std::fs::read_to_string(&candidate).map_err(|source| TilerError::Unreadable {
                    path: candidate.clone(),
                    source,
                })?;
            return match GeoTransform::from_world_file(&text) {
                Some(gt) => Ok(Some((candidate, gt))),
                None => Err(TilerError::Corrupt {
                    path: candidate,
                    detail: "a world file must hold six numbers".into(),
                }),
            };
        }
    }
    Ok(None)
}

fn check_size(path: &Path, width: u64, height: u64, bands: u64) -> TilerResult<()> {
    if width == 0 || height == 0 || width * height > MAX_DECODED_PIXELS {
        return Err(TilerError::AbsurdDimensions {
            path: path.to_path_buf(),
            width,
            height,
            bands,
        });
    }
    Ok(())
}

fn open(path: &Path) -> TilerResult<BufReader<File>> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|source| TilerError::Unreadable {
            path: path.to_path_buf(),
            source,
        })
}

/// Decodes a PNG (any bit depth; palette expanded; 16-bit reduced to 8; alpha 0 = nodata).
pub(crate) fn decode_png(path: &Path) -> TilerResult<Pixels> {
    let corrupt = |e: png::DecodingError| match e {
        png::DecodingError::IoError(source)
            if source.kind() != std::io::ErrorKind::UnexpectedEof =>
        {
            TilerError::Unreadable {
                path: path.to_path_buf(),
                source,
            }
        }
        e => TilerError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
    };
    let mut decoder = png::Decoder::new(open(path)?);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let header = decoder.read_header_info().map_err(corrupt)?;
    check_size(path, header.width.into(), header.height.into(), 4)?;
    let mut reader = decoder.read_info().map_err(corrupt)?;
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader.next_frame(&mut buf).map_err(corrupt)?;
    let (w, h) = (info.width as usize, info.height as usize);
    let src_channels = info.color_type.samples();
    let (channels, alpha) = match src_channels {
        1 => (1, false),
        2 => (1, true),
        3 => (3, false),
        _ => (3, true),
    };
    let mut out = Pixels::new(w, h, channels);
    let mut valid = alpha.then(|| vec![1u8; w * h]);
    for i in 0..w * h {
        let px = &buf[i * src_channels..(i + 1) * src_channels];
        out.data[i * channels..(i + 1) * channels].copy_from_slice(&px[..channels]);
        if let Some(v) = valid.as_mut()
            && px[src_channels - 1] == 0
        {
            v[i] = 0;
            out.data[i * channels..(i + 1) * channels].fill(0);
        }
    }
    out.valid = valid;
    Ok(out)
}

/// Decodes a baseline or progressive JPEG to RGB.
pub(crate) fn decode_jpeg(path: &Path) -> TilerResult<Pixels> {
    let corrupt = |e: zune_jpeg::errors::DecodeErrors| TilerError::Corrupt {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    let options = zune_jpeg::zune_core::options::DecoderOptions::default()
        .set_max_width(1 << 16)
        .set_max_height(1 << 16)
        .jpeg_set_out_colorspace(zune_jpeg::zune_core::colorspace::ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(open(path)?, options);
    decoder.decode_headers().map_err(corrupt)?;
    let (w, h) = decoder
        .info()
        .map_or((0, 0), |i| (usize::from(i.width), usize::from(i.height)));
    check_size(path, w as u64, h as u64, 3)?;
    let data = decoder.decode().map_err(corrupt)?;
    if data.len() < w * h * 3 {
        return Err(TilerError::Corrupt {
            path: path.to_path_buf(),
            detail: "short JPEG data".into(),
        });
    }
    Ok(Pixels {
        width: w,
        height: h,
        channels: 3,
        data,
        valid: None,
    })
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::float_cmp,
        reason = "these results are exact in binary floating point"
    )]

    use super::*;

    #[test]
    fn world_file_next_to_png_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("scan.png");
        std::fs::write(dir.path().join("scan.pgw"), "1\n0\n0\n-1\n100.5\n200.5\n").unwrap();
        let (found, gt) = find_world_file(&png).unwrap().unwrap();
        assert_eq!(found.extension().unwrap(), "pgw");
        assert_eq!(gt.0, [100.0, 1.0, 0.0, 201.0, 0.0, -1.0]);
    }

    #[test]
    fn malformed_world_file_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("scan.wld"), "1\n0\n").unwrap();
        let err = find_world_file(&dir.path().join("scan.jpg")).unwrap_err();
        assert!(matches!(err, TilerError::Corrupt { .. }), "{err}");
    }
}
