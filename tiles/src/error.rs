//! The one error type of the tiler, [`TilerError`], and its result alias.
//!
//! Every variant names the file it is about, so a CLI can print the error as one line and a user
//! knows which of several frames failed and why: the context goes in the variant.

use std::path::PathBuf;

/// Result alias used by every fallible function of this crate.
pub type TilerResult<T> = Result<T, TilerError>;

/// What can go wrong while opening, reading, tiling or storing a frame.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TilerError {
    /// The path could not be opened or read (missing, permission denied, a directory, …).
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The frame or sidecar file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file ends early or its bytes are not a valid image (bad header, bad chunk data).
    #[error("{path} is truncated or corrupt: {detail}")]
    Corrupt {
        /// The frame file.
        path: PathBuf,
        /// What the decoder found wrong.
        detail: String,
    },
    /// The file is valid but uses a compression this tiler cannot decode.
    #[error("{path} uses an unsupported compression: {detail}")]
    UnsupportedCompression {
        /// The frame file.
        path: PathBuf,
        /// The compression that was found.
        detail: String,
    },
    /// The file's samples are of a type or layout the tiler cannot display.
    #[error("{path} has an unsupported sample format: {detail}")]
    UnsupportedFormat {
        /// The frame file.
        path: PathBuf,
        /// The sample type, bit depth or colour model that was found.
        detail: String,
    },
    /// The file carries no georeference (or one that cannot be interpreted).
    #[error(
        "{path} has no usable georeference ({detail}); give the CRS with a world file or \
         `crs_override` (e.g. --crs EPSG:32637), or tile it in pixel space with `pixel_space` \
         (--pixel-space)"
    )]
    NoGeoreference {
        /// The frame file.
        path: PathBuf,
        /// What is missing.
        detail: String,
    },
    /// The CRS is known but cannot be used for pixel → WGS84 (unknown code, failed transform).
    #[error("{path}: unsupported coordinate reference system: {detail}")]
    UnsupportedCrs {
        /// The frame file.
        path: PathBuf,
        /// The CRS and the reason.
        detail: String,
    },
    /// The dimensions are zero or beyond what the tiler accepts; refused before allocating.
    #[error("{path} has absurd dimensions {width}x{height}x{bands}: refusing to allocate")]
    AbsurdDimensions {
        /// The frame file.
        path: PathBuf,
        /// Width in pixels.
        width: u64,
        /// Height in pixels.
        height: u64,
        /// Samples per pixel.
        bands: u64,
    },
    /// An option does not fit the frame (band out of range, zero tile size, …).
    #[error("{path}: invalid option: {detail}")]
    InvalidOption {
        /// The frame file the option was applied to.
        path: PathBuf,
        /// What is wrong with the option.
        detail: String,
    },
    /// A point asked for (a chip's centre) is not on the frame.
    #[error("{path} does not cover the point lon {lon}, lat {lat}")]
    OutsideFrame {
        /// The frame file.
        path: PathBuf,
        /// Longitude of the point, degrees.
        lon: f64,
        /// Latitude of the point, degrees.
        lat: f64,
    },
    /// Encoding a tile failed.
    #[error("cannot encode tile {key} of {path}: {detail}")]
    Encode {
        /// The frame file.
        path: PathBuf,
        /// The tile key.
        key: String,
        /// The encoder's message.
        detail: String,
    },
    /// Writing a tile or the manifest to the store failed.
    #[error("cannot store {key} under {path}: {source}")]
    Store {
        /// The store root (or object store location).
        path: PathBuf,
        /// The key that was being written.
        key: String,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}

impl TilerError {
    /// Maps a `tiff` crate error into the variant that says what kind of problem it is.
    pub(crate) fn from_tiff(path: &std::path::Path, err: tiff::TiffError) -> Self {
        use tiff::{TiffError, TiffUnsupportedError};
        let path = path.to_path_buf();
        match err {
            TiffError::IoError(source) if source.kind() == std::io::ErrorKind::UnexpectedEof => {
                Self::Corrupt {
                    path,
                    detail: format!("unexpected end of file ({source})"),
                }
            }
            TiffError::IoError(source) => Self::Unreadable { path, source },
            TiffError::UnsupportedError(
                e @ (TiffUnsupportedError::UnsupportedCompressionMethod(_)
                | TiffUnsupportedError::UnknownCompressionMethod),
            ) => Self::UnsupportedCompression {
                path,
                detail: e.to_string(),
            },
            TiffError::UnsupportedError(e) => Self::UnsupportedFormat {
                path,
                detail: e.to_string(),
            },
            TiffError::LimitsExceeded => Self::AbsurdDimensions {
                path,
                width: 0,
                height: 0,
                bands: 0,
            },
            other => Self::Corrupt {
                path,
                detail: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file() {
        let err = TilerError::NoGeoreference {
            path: PathBuf::from("/x/frame.tif"),
            detail: "no model tags".into(),
        };
        let msg = err.to_string();
        assert!(msg.contains("/x/frame.tif"));
        assert!(msg.contains("crs_override"));
        assert!(!msg.contains('\n'));
    }

    #[test]
    fn eof_maps_to_corrupt() {
        let io = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "eof");
        let err =
            TilerError::from_tiff(std::path::Path::new("a.tif"), tiff::TiffError::IoError(io));
        assert!(matches!(err, TilerError::Corrupt { .. }), "{err:?}");
    }
}
