//! The crate's one error type. Every fallible public function returns [`ConsensusResult`].

use crate::id::TaskId;

/// Everything that can go wrong in consensus. Marked `#[non_exhaustive]` so new failure modes
/// are not breaking changes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsensusError {
    /// A coordinate is NaN or infinite.
    #[error("{what} is not a finite number: {value}")]
    NotFinite {
        /// Which coordinate (e.g. "mark x").
        what: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A mark lies outside its task's pixel window `[0, width] × [0, height]`.
    #[error("mark ({x}, {y}) lies outside task {task} of {width}×{height} px")]
    MarkOutOfRange {
        /// The task the mark belongs to.
        task: TaskId,
        /// Pixel x.
        x: f64,
        /// Pixel y.
        y: f64,
        /// Task width in px.
        width: u32,
        /// Task height in px.
        height: u32,
    },
    /// A footprint corner is outside WGS84 bounds (|lon| ≤ 180, |lat| ≤ 90) or not finite.
    #[error("footprint corner ({lon}, {lat}) is not a valid WGS84 position")]
    BadFootprint {
        /// Longitude in degrees.
        lon: f64,
        /// Latitude in degrees.
        lat: f64,
    },
    /// A task has a zero width or height.
    #[error("task {task} has an empty pixel window ({width}×{height})")]
    EmptyTask {
        /// The task.
        task: TaskId,
        /// Width in px.
        width: u32,
        /// Height in px.
        height: u32,
    },
    /// Some tasks carry a WGS84 footprint and others do not: a campaign is either
    /// georeferenced or in pixel space.
    #[error(
        "{with_footprint} tasks have a footprint and {without} do not; a run needs all or none"
    )]
    MixedSpaces {
        /// Tasks with a footprint.
        with_footprint: usize,
        /// Tasks without one.
        without: usize,
    },
    /// A parameter is outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name as in [`crate::ConsensusParams`] / [`crate::PanoptesParams`].
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// Reading the JSON-lines input failed at the I/O level (parse errors are skipped and counted).
    #[error("cannot read input line {line}: {source}")]
    Read {
        /// 1-based line number.
        line: usize,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Writing the JSON-lines output failed.
    #[error("cannot write output: {0}")]
    Write(#[from] std::io::Error),
    /// Serialising an output record failed (should not happen: all values are finite).
    #[error("cannot serialise output record: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// `Result` with [`ConsensusError`].
pub type ConsensusResult<T> = Result<T, ConsensusError>;
