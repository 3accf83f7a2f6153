//! The closed vocabularies of the data model — answer kinds, task kinds and statuses, campaign
//! and site statuses — each an enum mapped to and from its text column here and nowhere else.
//!
//! A value the code does not know (a row written by a newer version, a hand edit) is an error
//! when it is read, never silently some other value: a dating answer read by a version that
//! knows only search answers must not count as "can't tell".

use std::fmt;
use std::str::FromStr;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

/// A stored value that is not one of its column's known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?} (known: {known})")]
pub struct UnknownValue {
    /// What the column holds, e.g. "answer kind".
    pub what: &'static str,
    pub value: String,
    /// The known values, comma-separated.
    pub known: String,
}

/// Declares an enum stored as text: its variants with their stored names, `as_str`,
/// `FromStr` (an [`UnknownValue`] for anything else), `Display`, serde as the same strings,
/// and diesel's text mapping on every backend.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow, utoipa::ToSchema,
        )]
        #[diesel(sql_type = Text)]
        #[schema(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and wire) name.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        what: $what,
                        value: s.to_owned(),
                        known: [$($text),+].join(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl<DB> FromSql<Text, DB> for $name
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                Ok(String::from_sql(bytes)?.parse()?)
            }
        }

        impl<DB> ToSql<Text, DB> for $name
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }
    };
}

text_enum!(
    /// What an answer says, as stored in `answers.kind`.
    AnswerKind, "answer kind" {
        /// Point marks, each with a damage class (rows in `marks`).
        Marks = "marks",
        /// The volunteer looked and saw no damage.
        NothingHere = "nothing_here",
        /// Clouds or bad imagery: neither a mark nor a miss (`answers.reason` may say why).
        CantTell = "cant_tell",
    }
);

text_enum!(
    /// What a task asks, as stored in `tasks.kind`.
    TaskKind, "task kind" {
        /// Mark every damaged building or crater in one tile.
        Search = "search",
    }
);

text_enum!(
    /// Whether a task still wants answers (`tasks.status`).
    TaskStatus, "task status" {
        /// Wants more answers (or is gold, which stays open).
        Open = "open",
        /// Has all the answers it needs.
        Retired = "retired",
    }
);

// Draft: being set up, hands out no tasks, volunteers do not see it. Active: hands out tasks.
// Paused: stopped for now. Closed: finished for good. (One doc line: it is the API's schema
// description.)
text_enum!(
    /// A campaign's lifecycle state.
    CampaignStatus, "campaign status" {
        Draft = "draft",
        Active = "active",
        Paused = "paused",
        Closed = "closed",
    }
);

text_enum!(
    /// Where a strike site stands in review (`sites.status`).
    SiteStatus, "site status" {
        /// Found by consensus (or imported), not reviewed yet.
        Candidate = "candidate",
        /// An analyst confirmed it.
        Confirmed = "confirmed",
        /// An analyst rejected it.
        Rejected = "rejected",
        /// Merged into another site.
        Merged = "merged",
        /// Reviewed, and a later consensus run no longer supports it.
        ConsensusLost = "consensus_lost",
    }
);

text_enum!(
    /// What a consensus run covered (`consensus_runs.kind`).
    RunKind, "consensus run kind" {
        /// The whole campaign: estimates every volunteer's reliability and the priors.
        Full = "full",
        /// The cells new answers touched, with the last full run's reliabilities held fixed.
        Incremental = "incremental",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_reads_back_as_itself() {
        for kind in AnswerKind::ALL {
            assert_eq!(kind.as_str().parse::<AnswerKind>(), Ok(*kind));
        }
        for status in CampaignStatus::ALL {
            assert_eq!(status.as_str().parse::<CampaignStatus>(), Ok(*status));
        }
        for status in SiteStatus::ALL {
            assert_eq!(status.as_str().parse::<SiteStatus>(), Ok(*status));
        }
        for kind in RunKind::ALL {
            assert_eq!(kind.as_str().parse::<RunKind>(), Ok(*kind));
        }
    }

    #[test]
    fn an_unknown_value_is_an_error_naming_it() {
        let err = "dating".parse::<AnswerKind>().unwrap_err();
        assert_eq!(err.value, "dating");
        assert!(
            err.to_string().contains("unknown answer kind \"dating\""),
            "{err}"
        );
        assert!(err.to_string().contains("cant_tell"), "{err}");
        assert!("Active".parse::<CampaignStatus>().is_err(), "case matters");
    }

    #[test]
    fn serde_uses_the_stored_names() {
        assert_eq!(
            serde_json::to_string(&AnswerKind::NothingHere).unwrap(),
            "\"nothing_here\""
        );
        let status: SiteStatus = serde_json::from_str("\"consensus_lost\"").unwrap();
        assert_eq!(status, SiteStatus::ConsensusLost);
        assert!(serde_json::from_str::<TaskStatus>("\"done\"").is_err());
    }
}
