//! The input model: tasks (tiles with an optional WGS84 footprint) and volunteers' answers.
//!
//! Values are validated when they are built ([`Mark::new`], [`Footprint::new`], [`Task::new`]),
//! so the algorithms downstream trust them.

use std::fmt;

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::error::{ConsensusError, ConsensusResult};
use crate::geo::pixel_to_lonlat;
use crate::id::{TaskId, VolunteerId};

/// A damage class name, e.g. `destroyed`. Checked against the campaign's classes at run time.
/// Held inline up to 23 bytes (longer names are shared): a class name is on every mark and
/// every site vote, and needs no allocation of its own there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DamageClass(pub SmolStr);

impl fmt::Display for DamageClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for DamageClass {
    fn from(v: &str) -> Self {
        Self(SmolStr::new(v))
    }
}

impl DamageClass {
    /// The class name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One point mark in tile pixels (origin top-left, x right, y down) with a damage class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawMark")]
pub struct Mark {
    /// Pixel x.
    pub x: f64,
    /// Pixel y.
    pub y: f64,
    /// Damage class.
    pub class: DamageClass,
}

#[derive(Deserialize)]
struct RawMark {
    x: f64,
    y: f64,
    class: DamageClass,
}

impl TryFrom<RawMark> for Mark {
    type Error = ConsensusError;
    fn try_from(r: RawMark) -> ConsensusResult<Self> {
        Mark::new(r.x, r.y, r.class)
    }
}

impl Mark {
    /// A mark at pixel `(x, y)`. Range against the task is checked by [`Task::check_mark`].
    ///
    /// ```
    /// use tessera_consensus::Mark;
    /// assert!(Mark::new(10.0, 20.5, "destroyed".into()).is_ok());
    /// assert!(Mark::new(f64::NAN, 1.0, "destroyed".into()).is_err());
    /// ```
    pub fn new(x: f64, y: f64, class: DamageClass) -> ConsensusResult<Self> {
        check_finite("mark x", x)?;
        check_finite("mark y", y)?;
        Ok(Self { x, y, class })
    }
}

pub(crate) fn check_finite(what: &'static str, value: f64) -> ConsensusResult<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ConsensusError::NotFinite { what, value })
    }
}

/// The WGS84 positions `[lon, lat]` of a tile's pixel corners (0,0), (W,0), (W,H), (0,H), in that order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "[[f64; 2]; 4]", into = "[[f64; 2]; 4]")]
pub struct Footprint([[f64; 2]; 4]);

impl TryFrom<[[f64; 2]; 4]> for Footprint {
    type Error = ConsensusError;
    fn try_from(c: [[f64; 2]; 4]) -> ConsensusResult<Self> {
        Footprint::new(c)
    }
}

impl From<Footprint> for [[f64; 2]; 4] {
    fn from(f: Footprint) -> Self {
        f.0
    }
}

impl Footprint {
    /// Validates four `[lon, lat]` corners.
    ///
    /// ```
    /// use tessera_consensus::Footprint;
    /// let ok = Footprint::new([[39.0, 36.0], [39.001, 36.0], [39.001, 35.999], [39.0, 35.999]]);
    /// assert!(ok.is_ok());
    /// assert!(Footprint::new([[200.0, 36.0], [39.0, 36.0], [39.0, 35.0], [39.0, 35.0]]).is_err());
    /// ```
    pub fn new(corners: [[f64; 2]; 4]) -> ConsensusResult<Self> {
        for [lon, lat] in corners {
            if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
                return Err(ConsensusError::BadFootprint { lon, lat });
            }
        }
        Ok(Self(corners))
    }

    /// The corners `[lon, lat]` in the order (0,0), (W,0), (W,H), (0,H).
    #[must_use]
    pub fn corners(&self) -> [[f64; 2]; 4] {
        self.0
    }

    /// WGS84 `[lon, lat]` of pixel `(x, y)` in a `width × height` tile: [`crate::pixel_to_lonlat`]
    /// of the four corners.
    ///
    /// ```
    /// use tessera_consensus::Footprint;
    /// let f = Footprint::new([[0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]).unwrap();
    /// assert_eq!(f.pixel_to_lonlat(50.0, 25.0, 100, 100), [0.5, 0.75]);
    /// ```
    #[must_use]
    pub fn pixel_to_lonlat(&self, x: f64, y: f64, width: u32, height: u32) -> [f64; 2] {
        pixel_to_lonlat(&self.0, f64::from(width), f64::from(height), x, y)
    }
}

/// A search task: one tile, `width × height` px, optionally georeferenced, optionally gold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Task id.
    pub id: TaskId,
    /// Width in px (> 0).
    pub width: u32,
    /// Height in px (> 0).
    pub height: u32,
    /// WGS84 footprint; `None` means the task lives in its own pixel space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footprint: Option<Footprint>,
    /// The known answer of a gold task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gold: Option<Response>,
}

impl Task {
    /// A task; fails on an empty pixel window.
    ///
    /// ```
    /// use tessera_consensus::Task;
    /// assert!(Task::new(1.into(), 256, 256, None).is_ok());
    /// assert!(Task::new(1.into(), 0, 256, None).is_err());
    /// ```
    pub fn new(
        id: TaskId,
        width: u32,
        height: u32,
        footprint: Option<Footprint>,
    ) -> ConsensusResult<Self> {
        if width == 0 || height == 0 {
            return Err(ConsensusError::EmptyTask {
                task: id,
                width,
                height,
            });
        }
        Ok(Self {
            id,
            width,
            height,
            footprint,
            gold: None,
        })
    }

    /// Checks that `mark` lies in `[0, width] × [0, height]`.
    pub fn check_mark(&self, mark: &Mark) -> ConsensusResult<()> {
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        if (0.0..=w).contains(&mark.x) && (0.0..=h).contains(&mark.y) {
            Ok(())
        } else {
            Err(ConsensusError::MarkOutOfRange {
                task: self.id.clone(),
                x: mark.x,
                y: mark.y,
                width: self.width,
                height: self.height,
            })
        }
    }
}

/// What a volunteer said about a task. On the wire it is one of `"marks":[…]`,
/// `"nothing_here":true` or `"cant_tell":true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Body", into = "Body")]
pub enum Response {
    /// Point marks (an empty list means the same as [`Response::NothingHere`]).
    Marks(Vec<Mark>),
    /// "Nothing here": the volunteer looked and saw no damage.
    NothingHere,
    /// "Can't tell" (cloud, bad imagery): counts as neither a mark nor a miss.
    CantTell,
}

/// The wire shape of a [`Response`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Body {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    marks: Option<Vec<Mark>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    nothing_here: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    cant_tell: bool,
}

impl TryFrom<Body> for Response {
    type Error = String;
    fn try_from(b: Body) -> Result<Self, String> {
        Response::from_parts(b.marks, b.nothing_here, b.cant_tell)
    }
}

impl Response {
    /// The response of an answer's `marks`, `nothing_here` and `cant_tell` fields.
    pub(crate) fn from_parts(
        marks: Option<Vec<Mark>>,
        nothing_here: bool,
        cant_tell: bool,
    ) -> Result<Self, String> {
        match (marks, nothing_here, cant_tell) {
            (Some(m), false, false) if m.is_empty() => Ok(Response::NothingHere),
            (Some(m), false, false) => Ok(Response::Marks(m)),
            (None, true, false) => Ok(Response::NothingHere),
            (None, false, true) => Ok(Response::CantTell),
            _ => Err(
                "an answer needs exactly one of marks, nothing_here:true, cant_tell:true".into(),
            ),
        }
    }
}

impl From<Response> for Body {
    fn from(r: Response) -> Self {
        match r {
            Response::Marks(m) => Body {
                marks: Some(m),
                ..Body::default()
            },
            Response::NothingHere => Body {
                nothing_here: true,
                ..Body::default()
            },
            Response::CantTell => Body {
                cant_tell: true,
                ..Body::default()
            },
        }
    }
}

/// One volunteer's answer to one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The task answered.
    pub task: TaskId,
    /// Who answered.
    pub volunteer: VolunteerId,
    /// What they said.
    #[serde(flatten)]
    pub response: Response,
}

/// A campaign's worth of tasks and answers, in input order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Input {
    /// Tasks.
    pub tasks: Vec<Task>,
    /// Answers.
    pub answers: Vec<Answer>,
}
