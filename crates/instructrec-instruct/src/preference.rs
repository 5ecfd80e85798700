//! The preference axis of an instruction: what the user is known to like.

use serde::{Deserialize, Serialize};

use crate::PreferenceKind;

/// What an instruction says about the user's tastes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Preference {
    /// P0: nothing is said about the user.
    None,
    /// P1: the user's recent items, as display titles, oldest first.
    Implicit {
        /// Titles of the most recent history items (never the target).
        history: Vec<String>,
    },
    /// P2: a first-person statement of tastes ("I like comedies and dislike horror.").
    Explicit {
        /// The statement.
        statement: String,
    },
}

impl Preference {
    /// The P code of this preference.
    pub fn kind(&self) -> PreferenceKind {
        match self {
            Self::None => PreferenceKind::None,
            Self::Implicit { .. } => PreferenceKind::Implicit,
            Self::Explicit { .. } => PreferenceKind::Explicit,
        }
    }
}
