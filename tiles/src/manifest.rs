//! The manifest: one JSON line per written tile ([`TileRecord`]), the rows the server turns into
//! search tasks.

use serde::Serialize;

use crate::grid::TileWindow;

/// A tile's pixel window in its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Left edge in frame pixels.
    pub x: u32,
    /// Top edge in frame pixels.
    pub y: u32,
    /// Width inside the frame.
    pub w: u32,
    /// Height inside the frame.
    pub h: u32,
}

/// One written tile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TileRecord {
    /// `{frame}/{col}/{row}`, unique within a store.
    pub id: String,
    /// The frame id given to [`crate::tile_frame`].
    pub frame: String,
    /// Grid column.
    pub col: u32,
    /// Grid row.
    pub row: u32,
    /// Store key of the tile image, `tiles/{frame}/{col}/{row}.{ext}`.
    pub key: String,
    /// Tile image size in pixels (the tile is `size`×`size`; past `window` it is padding).
    pub size: u32,
    /// The part of the frame the tile shows.
    pub window: Window,
    /// WGS84 [lon, lat] of the tile image's pixel corners (0,0), (S,0), (S,S), (0,S) — padding
    /// included, so tile pixel coordinates map linearly into it. `None` in pixel space.
    pub footprint: Option<[[f64; 2]; 4]>,
    /// Share of the window's pixels that are nodata (0–1).
    pub nodata_fraction: f64,
    /// True when the tile reaches past the frame edge (padded).
    pub edge: bool,
    /// Encoded size in bytes.
    pub bytes: u64,
    /// The before-frame id, when paired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_frame: Option<String>,
    /// Store key of the before-tile cut from the same geographic window, when paired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_key: Option<String>,
    /// Share of the before-tile's pixels without data, when paired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_nodata_fraction: Option<f64>,
}

impl From<&TileWindow> for Window {
    fn from(w: &TileWindow) -> Self {
        Self {
            x: w.x,
            y: w.y,
            w: w.w,
            h: w.h,
        }
    }
}

/// Serialises records as JSON lines (one object per line, trailing newline).
///
/// ```
/// use tessera_tiles::{TileRecord, Window, to_jsonl};
/// let rec = TileRecord {
///     id: "f/0/0".into(), frame: "f".into(), col: 0, row: 0, key: "tiles/f/0/0.jpg".into(),
///     size: 256, window: Window { x: 0, y: 0, w: 256, h: 256 }, footprint: None,
///     nodata_fraction: 0.0, edge: false, bytes: 10, before_frame: None, before_key: None,
///     before_nodata_fraction: None,
/// };
/// let text = to_jsonl(&[rec.clone(), rec]);
/// assert_eq!(text.lines().count(), 2);
/// assert!(text.starts_with(r#"{"id":"f/0/0""#));
/// assert!(!text.contains("before_key"));
/// ```
#[must_use]
pub fn to_jsonl(records: &[TileRecord]) -> String {
    let mut out = String::new();
    for r in records {
        // Serialising plain structs of numbers and strings cannot fail.
        out.push_str(&serde_json::to_string(r).unwrap_or_default());
        out.push('\n');
    }
    out
}
