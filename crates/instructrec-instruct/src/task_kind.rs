//! The evaluation tasks and the instruction axes each one uses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{FormKind, InstructError, IntentionKind, PreferenceKind};

/// An evaluation task of the paper, named by a stable key used in JSON reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// `sequential`: the next item from the history alone (P1, I0).
    Sequential,
    /// `product_search`: an item from a specific request, no user history (P0, I2).
    ProductSearch,
    /// `personalized_search`: a specific request plus the history (P1, I2).
    PersonalizedSearch,
    /// `vague_intent`: a category-level need plus the history (P1, I1).
    VagueIntent,
    /// `explicit_preference`: a stated taste, with no or a vague need (P2, I0 or I1).
    ExplicitPreference,
    /// `pointwise`: yes / no on one item given the history (P1, I0, T0 only).
    Pointwise,
}

impl TaskKind {
    /// Every task, in report order.
    pub const ALL: [Self; 6] = [
        Self::Sequential,
        Self::ProductSearch,
        Self::PersonalizedSearch,
        Self::VagueIntent,
        Self::ExplicitPreference,
        Self::Pointwise,
    ];

    /// The stable key used in JSON reports and on command lines.
    pub fn key(self) -> &'static str {
        match self {
            Self::Sequential => "sequential",
            Self::ProductSearch => "product_search",
            Self::PersonalizedSearch => "personalized_search",
            Self::VagueIntent => "vague_intent",
            Self::ExplicitPreference => "explicit_preference",
            Self::Pointwise => "pointwise",
        }
    }

    /// The preference this task states.
    pub fn preference(self) -> PreferenceKind {
        match self {
            Self::ProductSearch => PreferenceKind::None,
            Self::ExplicitPreference => PreferenceKind::Explicit,
            Self::Sequential | Self::PersonalizedSearch | Self::VagueIntent | Self::Pointwise => {
                PreferenceKind::Implicit
            }
        }
    }

    /// The intentions this task may state (explicit preference comes with none or a vague one).
    pub fn intentions(self) -> &'static [IntentionKind] {
        match self {
            Self::Sequential | Self::Pointwise => &[IntentionKind::None],
            Self::ProductSearch | Self::PersonalizedSearch => &[IntentionKind::Specific],
            Self::VagueIntent => &[IntentionKind::Vague],
            Self::ExplicitPreference => &[IntentionKind::None, IntentionKind::Vague],
        }
    }

    /// The only form this task is asked in, if it is tied to one (pointwise is always T0).
    pub fn required_form(self) -> Option<FormKind> {
        match self {
            Self::Pointwise => Some(FormKind::Pointwise),
            _ => None,
        }
    }

    /// Whether an instruction with these axes belongs to this task.
    pub fn accepts(
        self,
        preference: PreferenceKind,
        intention: IntentionKind,
        form: FormKind,
    ) -> bool {
        preference == self.preference()
            && self.intentions().contains(&intention)
            && self.required_form().is_none_or(|required| required == form)
    }
}

impl fmt::Display for TaskKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for TaskKind {
    type Err = InstructError;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.key() == key)
            .ok_or_else(|| InstructError::UnknownTask(key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_serde_and_from_str() {
        for kind in TaskKind::ALL {
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.key())
            );
            assert_eq!(kind.key().parse::<TaskKind>().unwrap(), kind);
        }
        assert!(matches!(
            "next_item".parse::<TaskKind>(),
            Err(InstructError::UnknownTask(key)) if key == "next_item"
        ));
    }

    #[test]
    fn tasks_follow_the_paper() {
        use FormKind::*;
        use IntentionKind as I;
        use PreferenceKind as P;
        assert!(TaskKind::Sequential.accepts(P::Implicit, I::None, Matching));
        assert!(TaskKind::ProductSearch.accepts(P::None, I::Specific, Reranking));
        assert!(TaskKind::PersonalizedSearch.accepts(P::Implicit, I::Specific, Matching));
        assert!(TaskKind::VagueIntent.accepts(P::Implicit, I::Vague, Reranking));
        assert!(TaskKind::ExplicitPreference.accepts(P::Explicit, I::None, Matching));
        assert!(TaskKind::ExplicitPreference.accepts(P::Explicit, I::Vague, Matching));
        assert!(!TaskKind::ExplicitPreference.accepts(P::Explicit, I::Specific, Matching));
        assert!(TaskKind::Pointwise.accepts(P::Implicit, I::None, Pointwise));
        assert!(!TaskKind::Pointwise.accepts(P::Implicit, I::None, Matching));
        assert!(!TaskKind::Sequential.accepts(P::None, I::None, Matching));
    }
}
