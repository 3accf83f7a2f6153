//! Identifiers of tasks and volunteers, as they appear in the JSON: integers or strings.
//!
//! Kept apart from the input model so that the error type can name a task without depending
//! on the types that return it.

use std::fmt;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

/// An external identifier as it appears in the JSON: an integer or a string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum Id {
    /// A numeric id (database row id).
    Int(i64),
    /// A textual id (uuid, handle, tile name). Up to 23 bytes are held inline, longer ones
    /// shared: a volunteer's id is on each of their answers and every site they marked (with
    /// class names held the same way, a 2 M-answer run peaks at 1.3 GB instead of 1.65 GB).
    Text(SmolStr),
}

// By hand rather than `#[serde(untagged)]`, which buffers every value before trying each
// variant: ids are on every input line, and the buffering doubled the time to read a campaign.
impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
                i64::try_from(v)
                    .map(Id::Int)
                    .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id::Text(SmolStr::new(v)))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Id, E> {
                Ok(Id::Text(SmolStr::new(v)))
            }
        }
        d.deserialize_any(IdVisitor)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Int(i) => write!(f, "{i}"),
            Id::Text(s) => f.write_str(s),
        }
    }
}

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Id);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                Self(Id::Int(v))
            }
        }
        impl From<&str> for $name {
            fn from(v: &str) -> Self {
                Self(Id::Text(SmolStr::new(v)))
            }
        }
    };
}

id_newtype!(
    /// A task (tile) id.
    TaskId
);
id_newtype!(
    /// A volunteer id (pseudonymous).
    VolunteerId
);
