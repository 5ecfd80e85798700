//! P1: the implicit preference, the user's most recent item titles.

use instructrec_data::{ItemIdx, UserIdx};

use super::DatasetGenerator;
use crate::{InstructError, Preference, Result};

impl DatasetGenerator<'_> {
    /// The titles of the user's last [`history_titles`](crate::GeneratorConfig::history_titles)
    /// visible items, oldest first. The target is left out even where the user had it before,
    /// so the history never names the answer.
    pub fn implicit_preference(
        &self,
        user: UserIdx,
        history_len: usize,
        target: ItemIdx,
    ) -> Result<Preference> {
        let visible: Vec<ItemIdx> = self
            .visible_history(user, history_len, target)?
            .map(|(_, interaction)| interaction.item)
            .collect();
        if visible.is_empty() {
            return Err(InstructError::EmptyHistory { user });
        }
        let recent = &visible[visible.len().saturating_sub(self.config.history_titles)..];
        Ok(Preference::Implicit {
            history: recent
                .iter()
                .map(|&item| self.dataset.catalog.display_name(item))
                .collect(),
        })
    }
}
