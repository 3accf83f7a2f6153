//! Typed ids: a task id is not a campaign id, and a function that takes both cannot be called
//! with them swapped.
//!
//! Each is stored as the plain column type (`DieselNewType`) and travels as a plain JSON number
//! or string, so neither the schema nor the API sees them.

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, DieselNewType, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }
    };
}

text_id!(
    /// A campaign's id (a UUID; its slug is looked up separately).
    CampaignId
);
text_id!(
    /// An account's id (a UUID, the `sub` of its tokens).
    UserId
);
text_id!(
    /// An answer's id (a time-ordered UUID).
    AnswerId
);
text_id!(
    /// A frame's id.
    FrameId
);
text_id!(
    /// A strike site's id.
    SiteId
);
text_id!(
    /// A consensus run's id.
    RunId
);
text_id!(
    /// A sign-in session's id (a random UUID a token names).
    SessionId
);

impl CampaignId {
    /// A fresh random id for a new campaign.
    #[must_use]
    pub fn new_random() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }
}

/// A task's id: the tasks table's integer key, as the API's paths carry it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, DieselNewType, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct TaskId(pub i64);

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<i64> for TaskId {
    fn from(id: i64) -> Self {
        Self(id)
    }
}

impl From<TaskId> for tessera_consensus::TaskId {
    fn from(id: TaskId) -> Self {
        id.0.into()
    }
}
