//! The named places in a template text that user-specific content fills.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A `{name}` placeholder in a template text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// `{history}`: recent item titles (P1).
    History,
    /// `{preference}`: the explicit taste statement (P2).
    Preference,
    /// `{intention}`: the stated need (I1, I2).
    Intention,
    /// `{item}`: the item to judge (T0).
    Item,
    /// `{first}`: the first item of a pair (T1).
    First,
    /// `{second}`: the second item of a pair (T1).
    Second,
    /// `{candidates}`: the numbered candidate list (T3).
    Candidates,
    /// `{context}`: the situation (time, place, occasion, device).
    Context,
}

impl Slot {
    /// Every slot; `slot as usize` indexes this array.
    pub const ALL: [Self; 8] = [
        Self::History,
        Self::Preference,
        Self::Intention,
        Self::Item,
        Self::First,
        Self::Second,
        Self::Candidates,
        Self::Context,
    ];

    /// The name written between braces.
    pub fn name(self) -> &'static str {
        match self {
            Self::History => "history",
            Self::Preference => "preference",
            Self::Intention => "intention",
            Self::Item => "item",
            Self::First => "first",
            Self::Second => "second",
            Self::Candidates => "candidates",
            Self::Context => "context",
        }
    }

    /// The slot written as `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|slot| slot.name() == name)
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.name())
    }
}

/// The value of each slot for one rendering; unset slots stay `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotValues {
    values: [Option<String>; Slot::ALL.len()],
}

impl SlotValues {
    /// No slot filled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fills `slot` (replacing an earlier value).
    pub fn set(&mut self, slot: Slot, value: impl Into<String>) {
        self.values[slot as usize] = Some(value.into());
    }

    /// Builder form of [`SlotValues::set`].
    pub fn with(mut self, slot: Slot, value: impl Into<String>) -> Self {
        self.set(slot, value);
        self
    }

    /// The value of `slot`, if filled.
    pub fn get(&self, slot: Slot) -> Option<&str> {
        self.values[slot as usize].as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_index_all() {
        for (i, slot) in Slot::ALL.into_iter().enumerate() {
            assert_eq!(slot as usize, i);
            assert_eq!(Slot::from_name(slot.name()), Some(slot));
            assert_eq!(slot.to_string(), format!("{{{}}}", slot.name()));
        }
        assert_eq!(Slot::from_name("title"), None);
    }
}
