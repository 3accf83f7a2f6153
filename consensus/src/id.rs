//! Identifiers of tasks and volunteers, as they appear in the JSON: integers or strings.
//!
//! Kept apart from the input model so that the error type can name a task without depending
//! on the types that return it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An external identifier as it appears in the JSON: an integer or a string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Id {
    /// A numeric id (database row id).
    Int(i64),
    /// A textual id (uuid, handle, tile name).
    Text(String),
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
                Self(Id::Text(v.to_owned()))
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
