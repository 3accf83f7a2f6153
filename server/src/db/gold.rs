//! A task's known answer (`tasks.gold_answer`), as a coordinator sets it and as consensus reads
//! it: the one place its JSON is read and written.

use serde::{Deserialize, Serialize};
use tessera_consensus::{DamageClass, Mark as CMark, Response};
use utoipa::ToSchema;

/// A known answer, as a coordinator sets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoldAnswer {
    /// The tile shows no damage.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nothing_here: bool,
    /// Known damage sites, in tile pixels; at most 500, as in an answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 500)]
    pub marks: Vec<GoldMark>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoldMark {
    pub x: f64,
    pub y: f64,
    pub class: String,
}

impl GoldAnswer {
    /// Parses the stored column; `None` for a task without one.
    pub fn from_column(column: Option<&str>) -> Option<Result<Self, serde_json::Error>> {
        column.map(serde_json::from_str)
    }

    /// The JSON stored in `tasks.gold_answer`.
    pub fn to_column(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// As the consensus engine reads a known answer.
    #[must_use]
    pub fn response(&self) -> Response {
        if self.nothing_here || self.marks.is_empty() {
            return Response::NothingHere;
        }
        Response::Marks(
            self.marks
                .iter()
                .filter_map(|m| CMark::new(m.x, m.y, DamageClass::from(m.class.as_str())).ok())
                .collect(),
        )
    }
}
