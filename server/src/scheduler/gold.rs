//! Gold tasks: tiles whose answer a coordinator knows, used to teach and to measure.

use serde::Serialize;
use utoipa::ToSchema;

pub use crate::db::gold::{GoldAnswer, GoldMark};

/// What a volunteer learns after answering a gold task.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GoldFeedback {
    /// Known sites the volunteer marked.
    pub found: usize,
    /// Known sites on the tile.
    pub known: usize,
    /// Marks that match no known site.
    pub extra: usize,
    /// Share of known sites found (1 for a correct "nothing here").
    pub score: f64,
    /// A sentence for the volunteer.
    pub message: String,
}

/// Compares a volunteer's marks (tile pixels) with the gold answer.
///
/// ```
/// use tessera_server::scheduler::gold::{feedback, GoldAnswer, GoldMark};
/// let gold = GoldAnswer { nothing_here: false, marks: vec![
///     GoldMark { x: 10.0, y: 10.0, class: "destroyed".into() },
///     GoldMark { x: 100.0, y: 100.0, class: "crater".into() },
/// ]};
/// let f = feedback(&gold, &[[12.0, 11.0]], 16.0);
/// assert_eq!((f.found, f.known, f.extra), (1, 2, 0));
/// assert_eq!(f.message, "You marked 1 of the 2 known damage sites on this practice tile.");
/// ```
pub fn feedback(gold: &GoldAnswer, marks: &[[f64; 2]], radius_px: f64) -> GoldFeedback {
    let r2 = radius_px * radius_px;
    let near = |a: [f64; 2], g: &GoldMark| (a[0] - g.x).powi(2) + (a[1] - g.y).powi(2) <= r2;
    let known = gold.marks.len();
    let found = gold
        .marks
        .iter()
        .filter(|g| marks.iter().any(|m| near(*m, g)))
        .count();
    let extra = marks
        .iter()
        .filter(|m| !gold.marks.iter().any(|g| near(**m, g)))
        .count();
    let (score, message) = if known == 0 {
        if extra == 0 {
            (
                1.0,
                "Correct: this practice tile shows no damage.".to_owned(),
            )
        } else {
            (
                0.0,
                format!(
                    "This practice tile shows no damage, but you placed {extra} mark{}.",
                    if extra == 1 { "" } else { "s" }
                ),
            )
        }
    } else {
        #[expect(clippy::cast_precision_loss, reason = "counts of marks are small")]
        let score = found as f64 / known as f64;
        let mut message = format!(
            "You marked {found} of the {known} known damage site{} on this practice tile.",
            if known == 1 { "" } else { "s" }
        );
        if extra > 0 {
            let verb = if extra == 1 { "was" } else { "were" };
            message = format!("{message} {extra} of your marks {verb} not at a known site.");
        }
        (score, message)
    };
    GoldFeedback {
        found,
        known,
        extra,
        score,
        message,
    }
}
