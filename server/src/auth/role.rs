//! The four roles an account can have: volunteer, coordinator, analyst and admin.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Tags tiles.
    Volunteer,
    /// Runs campaigns: creates, configures, pauses and resumes them, watches progress.
    Coordinator,
    /// Reviews and exports strike sites.
    Analyst,
    /// Everything.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Volunteer,
        Role::Coordinator,
        Role::Analyst,
        Role::Admin,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Volunteer => "volunteer",
            Role::Coordinator => "coordinator",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// Staff see campaigns in every status; volunteers only active ones.
    #[must_use]
    pub fn is_staff(self) -> bool {
        self != Role::Volunteer
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown role name.
#[derive(Debug, thiserror::Error)]
#[error("unknown role {0:?}: expected volunteer, coordinator, analyst or admin")]
pub struct UnknownRole(String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}
