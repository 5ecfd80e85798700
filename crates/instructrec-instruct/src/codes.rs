//! The short codes of the three instruction axes (P0–P2, I0–I2, T0–T3).
//!
//! Templates are keyed by these codes, so the same names appear in template files, reports and
//! the paper's tables.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which kind of user preference an instruction states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PreferenceKind {
    /// P0: no preference.
    #[serde(rename = "P0")]
    None,
    /// P1: implicit preference, the titles of recently consumed items.
    #[serde(rename = "P1")]
    Implicit,
    /// P2: explicit preference, a natural-language statement of tastes.
    #[serde(rename = "P2")]
    Explicit,
}

/// Which kind of intention (what the user wants now) an instruction states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum IntentionKind {
    /// I0: no intention.
    #[serde(rename = "I0")]
    None,
    /// I1: a vague, category-level or situational need.
    #[serde(rename = "I1")]
    Vague,
    /// I2: concrete attributes or keywords of the wanted item.
    #[serde(rename = "I2")]
    Specific,
}

/// The shape of the answer an instruction asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FormKind {
    /// T0: does this one item suit the user? (yes / no)
    #[serde(rename = "T0")]
    Pointwise,
    /// T1: which of two items suits the user better?
    #[serde(rename = "T1")]
    Pairwise,
    /// T2: retrieve from the whole catalog.
    #[serde(rename = "T2")]
    Matching,
    /// T3: order a given candidate list.
    #[serde(rename = "T3")]
    Reranking,
}

impl PreferenceKind {
    /// Every preference kind, in code order.
    pub const ALL: [Self; 3] = [Self::None, Self::Implicit, Self::Explicit];

    /// The code (`"P0"`, `"P1"`, `"P2"`).
    pub fn code(self) -> &'static str {
        match self {
            Self::None => "P0",
            Self::Implicit => "P1",
            Self::Explicit => "P2",
        }
    }
}

impl IntentionKind {
    /// Every intention kind, in code order.
    pub const ALL: [Self; 3] = [Self::None, Self::Vague, Self::Specific];

    /// The code (`"I0"`, `"I1"`, `"I2"`).
    pub fn code(self) -> &'static str {
        match self {
            Self::None => "I0",
            Self::Vague => "I1",
            Self::Specific => "I2",
        }
    }
}

impl FormKind {
    /// Every task form, in code order.
    pub const ALL: [Self; 4] = [
        Self::Pointwise,
        Self::Pairwise,
        Self::Matching,
        Self::Reranking,
    ];

    /// The code (`"T0"` … `"T3"`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Pointwise => "T0",
            Self::Pairwise => "T1",
            Self::Matching => "T2",
            Self::Reranking => "T3",
        }
    }
}

macro_rules! display_as_code {
    ($($kind:ty),*) => {$(
        impl fmt::Display for $kind {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    )*};
}

display_as_code!(PreferenceKind, IntentionKind, FormKind);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_the_codes() {
        for kind in PreferenceKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.code()));
        }
        for kind in IntentionKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.code()));
        }
        for kind in FormKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
            assert_eq!(serde_json::from_str::<FormKind>(&json).unwrap(), kind);
        }
    }
}
