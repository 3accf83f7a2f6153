//! What an analyst's review does to a site: the rules, without storage.
//!
//! A site's status is its history folded from `candidate` ([`status_after`]); the `sites.status`
//! column caches that fold and is written in the same transaction as the history row that
//! changes it. History rows are never edited or deleted (the database refuses it).

use crate::db::kinds::SiteStatus;

/// Longest review comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// A review action, as an analyst sends it or as a consensus run records it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The site is real.
    Confirm,
    /// The site is not damage (a shadow, a construction site, an artefact…).
    Reject,
    /// The site's class is another one (`class`).
    Reclassify,
    /// The site is the same place as another site of the campaign (`into`).
    Merge,
    /// A remark, changing nothing.
    Comment,
    /// Recorded by a consensus run: the answers no longer support a reviewed site.
    ConsensusLost,
    /// Recorded by a consensus run: the answers support a flagged site again.
    ConsensusRestored,
}

impl Action {
    /// The column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Reject => "reject",
            Self::Reclassify => "reclassify",
            Self::Merge => "merge",
            Self::Comment => "comment",
            Self::ConsensusLost => "consensus_lost",
            Self::ConsensusRestored => "consensus_restored",
        }
    }

    /// Reads a column value.
    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::Confirm,
            Self::Reject,
            Self::Reclassify,
            Self::Merge,
            Self::Comment,
            Self::ConsensusLost,
            Self::ConsensusRestored,
        ]
        .into_iter()
        .find(|a| a.as_str() == value)
    }

    /// Whether this action counts as a review (sets `reviewed_at`; a reviewed site is never
    /// moved or deleted by consensus).
    pub fn reviews(self) -> bool {
        matches!(
            self,
            Self::Confirm | Self::Reject | Self::Reclassify | Self::Merge
        )
    }
}

/// What a review may change of a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub status: SiteStatus,
    pub class: String,
    pub merged_into: Option<String>,
}

/// A review as asked for, already parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    pub action: Action,
    pub comment: &'a str,
    /// Reclassify: the new class.
    pub class: Option<&'a str>,
    /// Merge: the other site, with its campaign and whether it is itself merged.
    pub into: Option<MergeTarget<'a>>,
}

/// The site a merge folds into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeTarget<'a> {
    pub id: &'a str,
    pub same_campaign: bool,
    pub merged: bool,
}

/// Why a review was refused; each is the client's mistake (422), said in the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("analysts may confirm, reject, reclassify, merge or comment")]
    NotAnAnalystAction,
    #[error("comment is limited to {MAX_COMMENT_CHARS} characters")]
    CommentTooLong,
    #[error("a comment review needs a comment")]
    EmptyComment,
    #[error("reclassify needs `class`, one of the campaign's classes: {0}")]
    UnknownClass(String),
    #[error("the site is already of class {0:?}")]
    SameClass(String),
    #[error("`class` is only for reclassify, `into` only for merge")]
    StrayField,
    #[error("merge needs `into`, another site of the same campaign")]
    NoTarget,
    #[error("a site cannot be merged into itself")]
    IntoItself,
    #[error("the sites are of different campaigns")]
    OtherCampaign,
    #[error("the site to merge into was itself merged; merge into the site it was merged into")]
    TargetMerged,
    #[error("the site was merged into {0}; review that site instead")]
    AlreadyMerged(String),
}

/// The state after `request`, or why it is refused. `classes` are the campaign's.
pub fn apply(
    site_id: &str,
    state: &State,
    request: &Request<'_>,
    classes: &[String],
) -> Result<State, Refusal> {
    if request.comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(Refusal::CommentTooLong);
    }
    let stray = (request.class.is_some() && request.action != Action::Reclassify)
        || (request.into.is_some() && request.action != Action::Merge);
    if stray {
        return Err(Refusal::StrayField);
    }
    if request.action == Action::Comment {
        if request.comment.trim().is_empty() {
            return Err(Refusal::EmptyComment);
        }
        return Ok(state.clone());
    }
    if let Some(root) = &state.merged_into {
        return Err(Refusal::AlreadyMerged(root.clone()));
    }
    let mut next = state.clone();
    match request.action {
        Action::Confirm => next.status = SiteStatus::Confirmed,
        Action::Reject => next.status = SiteStatus::Rejected,
        Action::Reclassify => {
            let class = request
                .class
                .filter(|c| classes.iter().any(|k| k == c))
                .ok_or_else(|| Refusal::UnknownClass(classes.join(", ")))?;
            if class == state.class {
                return Err(Refusal::SameClass(class.to_owned()));
            }
            class.clone_into(&mut next.class);
        }
        Action::Merge => {
            let target = request.into.as_ref().ok_or(Refusal::NoTarget)?;
            if target.id == site_id {
                return Err(Refusal::IntoItself);
            }
            if !target.same_campaign {
                return Err(Refusal::OtherCampaign);
            }
            if target.merged {
                return Err(Refusal::TargetMerged);
            }
            next.status = SiteStatus::Merged;
            next.merged_into = Some(target.id.to_owned());
        }
        Action::Comment | Action::ConsensusLost | Action::ConsensusRestored => {
            return Err(Refusal::NotAnAnalystAction);
        }
    }
    Ok(next)
}

/// A site's status as its history gives it: `(action, status it moved to)` oldest first.
pub fn status_after<'a>(history: impl IntoIterator<Item = (Action, &'a str)>) -> SiteStatus {
    history
        .into_iter()
        .filter(|(action, _)| *action != Action::Comment)
        .filter_map(|(_, to)| to.parse().ok())
        .last()
        .unwrap_or(SiteStatus::Candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes() -> Vec<String> {
        vec!["destroyed".into(), "damaged".into()]
    }

    fn candidate() -> State {
        State {
            status: SiteStatus::Candidate,
            class: "destroyed".into(),
            merged_into: None,
        }
    }

    fn ask(action: Action) -> Request<'static> {
        Request {
            action,
            comment: "",
            class: None,
            into: None,
        }
    }

    #[test]
    fn confirm_reject_and_reclassify() {
        let confirmed = apply("s", &candidate(), &ask(Action::Confirm), &classes()).unwrap();
        assert_eq!(confirmed.status, SiteStatus::Confirmed);
        let rejected = apply("s", &confirmed, &ask(Action::Reject), &classes()).unwrap();
        assert_eq!(rejected.status, SiteStatus::Rejected);
        let mut re = ask(Action::Reclassify);
        re.class = Some("damaged");
        let moved = apply("s", &confirmed, &re, &classes()).unwrap();
        assert_eq!(
            (moved.status, moved.class.as_str()),
            (SiteStatus::Confirmed, "damaged")
        );
        re.class = Some("destroyed");
        assert_eq!(
            apply("s", &confirmed, &re, &classes()),
            Err(Refusal::SameClass("destroyed".into()))
        );
        re.class = Some("crater");
        assert!(matches!(
            apply("s", &confirmed, &re, &classes()),
            Err(Refusal::UnknownClass(_))
        ));
    }

    #[test]
    fn merge_rules() {
        let mut merge = ask(Action::Merge);
        assert_eq!(
            apply("s", &candidate(), &merge, &classes()),
            Err(Refusal::NoTarget)
        );
        let target = |id, same_campaign, merged| MergeTarget {
            id,
            same_campaign,
            merged,
        };
        merge.into = Some(target("s", true, false));
        assert_eq!(
            apply("s", &candidate(), &merge, &classes()),
            Err(Refusal::IntoItself)
        );
        merge.into = Some(target("t", false, false));
        assert_eq!(
            apply("s", &candidate(), &merge, &classes()),
            Err(Refusal::OtherCampaign)
        );
        merge.into = Some(target("t", true, true));
        assert_eq!(
            apply("s", &candidate(), &merge, &classes()),
            Err(Refusal::TargetMerged)
        );
        merge.into = Some(target("t", true, false));
        let merged = apply("s", &candidate(), &merge, &classes()).unwrap();
        assert_eq!(merged.status, SiteStatus::Merged);
        assert_eq!(merged.merged_into.as_deref(), Some("t"));
        // A merged site takes comments only.
        assert_eq!(
            apply("s", &merged, &ask(Action::Confirm), &classes()),
            Err(Refusal::AlreadyMerged("t".into()))
        );
        let mut comment = ask(Action::Comment);
        comment.comment = "same crater as t";
        assert_eq!(apply("s", &merged, &comment, &classes()), Ok(merged));
    }

    #[test]
    fn comments_and_stray_fields() {
        assert_eq!(
            apply("s", &candidate(), &ask(Action::Comment), &classes()),
            Err(Refusal::EmptyComment)
        );
        let long = "x".repeat(MAX_COMMENT_CHARS + 1);
        let mut confirm = ask(Action::Confirm);
        confirm.comment = &long;
        assert_eq!(
            apply("s", &candidate(), &confirm, &classes()),
            Err(Refusal::CommentTooLong)
        );
        let mut stray = ask(Action::Confirm);
        stray.class = Some("damaged");
        assert_eq!(
            apply("s", &candidate(), &stray, &classes()),
            Err(Refusal::StrayField)
        );
        assert_eq!(
            apply("s", &candidate(), &ask(Action::ConsensusLost), &classes()),
            Err(Refusal::NotAnAnalystAction)
        );
    }

    #[test]
    fn status_is_the_history_folded() {
        assert_eq!(status_after([]), SiteStatus::Candidate);
        assert_eq!(
            status_after([
                (Action::Confirm, "confirmed"),
                (Action::Comment, "confirmed"),
                (Action::ConsensusLost, "consensus_lost"),
            ]),
            SiteStatus::ConsensusLost
        );
        assert_eq!(
            status_after([
                (Action::Confirm, "confirmed"),
                (Action::ConsensusLost, "consensus_lost"),
                (Action::ConsensusRestored, "confirmed"),
                (Action::Reject, "rejected"),
            ]),
            SiteStatus::Rejected
        );
    }
}
