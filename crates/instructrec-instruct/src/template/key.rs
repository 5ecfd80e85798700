//! The combination of axes a template serves, and the slots that combination needs.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{FormKind, IntentionKind, PreferenceKind, Slot};

/// Which instructions a template can word: its P/I/T codes and whether it states a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TemplateKey {
    /// P code.
    pub preference: PreferenceKind,
    /// I code.
    pub intention: IntentionKind,
    /// T code.
    pub form: FormKind,
    /// Whether the template has a `{context}` slot.
    pub with_context: bool,
}

impl TemplateKey {
    /// The slots a template for this combination must declare, in [`Slot::ALL`] order.
    pub fn required_slots(&self) -> Vec<Slot> {
        let mut slots = Vec::with_capacity(4);
        match self.preference {
            PreferenceKind::None => {}
            PreferenceKind::Implicit => slots.push(Slot::History),
            PreferenceKind::Explicit => slots.push(Slot::Preference),
        }
        if self.intention != IntentionKind::None {
            slots.push(Slot::Intention);
        }
        match self.form {
            FormKind::Pointwise => slots.push(Slot::Item),
            FormKind::Pairwise => slots.extend([Slot::First, Slot::Second]),
            FormKind::Matching => {}
            FormKind::Reranking => slots.push(Slot::Candidates),
        }
        if self.with_context {
            slots.push(Slot::Context);
        }
        slots
    }
}

impl fmt::Display for TemplateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.preference, self.intention, self.form)?;
        if self.with_context {
            f.write_str(" with context")?;
        }
        Ok(())
    }
}
