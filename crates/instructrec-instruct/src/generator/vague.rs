//! I1: the vague intention, the target's category phrased as a need.

use instructrec_data::ItemIdx;
use rand::{Rng, RngCore};

use super::DatasetGenerator;
use crate::{InstructError, Intention, Result};

impl DatasetGenerator<'_> {
    /// One of the target's categories phrased as a need ("Something for my kids" for
    /// Children's), never a phrase that contains the target's title.
    pub fn vague_intention(&self, target: ItemIdx, rng: &mut dyn RngCore) -> Result<Intention> {
        let profile = self.profile(target)?;
        let per_category: Vec<Vec<String>> = profile
            .categories
            .iter()
            .filter_map(|&category| self.dataset.catalog.categories.name(category))
            .map(|name| {
                let mut phrases = self.phrasebook.phrases(name);
                phrases.retain(|phrase| !profile.reveals_title(phrase));
                phrases
            })
            .filter(|phrases| !phrases.is_empty())
            .collect();
        if per_category.is_empty() {
            return Err(InstructError::Unavailable {
                what: "vague intention",
                item: target,
                reason: "the item has no informative category".into(),
            });
        }
        // Category first, then phrase: a category with many phrases is not favoured.
        let phrases = &per_category[rng.random_range(0..per_category.len())];
        Ok(Intention::Vague(
            phrases[rng.random_range(0..phrases.len())].clone(),
        ))
    }
}
