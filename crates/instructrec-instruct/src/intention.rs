//! The intention axis of an instruction: what the user wants right now.

use serde::{Deserialize, Serialize};

use crate::IntentionKind;

/// What an instruction says about the user's current need, as the user's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "text", rename_all = "snake_case")]
pub enum Intention {
    /// I0: no current need is stated.
    None,
    /// I1: a category-level or situational need ("I'm in the mood for a comedy").
    Vague(String),
    /// I2: concrete attributes of the wanted item ("something from 1995 by Pixar").
    Specific(String),
}

impl Intention {
    /// The I code of this intention.
    pub fn kind(&self) -> IntentionKind {
        match self {
            Self::None => IntentionKind::None,
            Self::Vague(_) => IntentionKind::Vague,
            Self::Specific(_) => IntentionKind::Specific,
        }
    }

    /// The stated need, if any.
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::None => None,
            Self::Vague(text) | Self::Specific(text) => Some(text),
        }
    }
}
