//! I2: the specific intention, salient attributes of the target without its title.

use instructrec_data::ItemIdx;
use rand::seq::SliceRandom;
use rand::{Rng, RngCore};

use super::item_profile::ItemProfile;
use super::DatasetGenerator;
use crate::text::natural_list;
use crate::{InstructError, Intention, Result};

/// Ways to open a request; the last avoids "something" for items titled so.
const OPENERS: &[&str] = &[
    "I'm looking for something",
    "Find me something",
    "I want something",
    "Show me an item",
];

/// Fewer attributes than this are only stated when the item has no more.
const MIN_ATTRIBUTES: usize = 2;

impl DatasetGenerator<'_> {
    /// A request naming attributes of the target: categories, year, brand, a few title words
    /// (always fewer than the title has), description keywords and price.
    ///
    /// The target's title never appears in it as whole words, in any case, nor its core
    /// without trailing parentheses or with a trailing article moved to the front: an
    /// attribute that would reveal it is dropped, and if every wording still does the item
    /// is reported as [`InstructError::Unavailable`].
    pub fn specific_intention(&self, target: ItemIdx, rng: &mut dyn RngCore) -> Result<Intention> {
        let profile = self.profile(target)?;
        let unavailable = || InstructError::Unavailable {
            what: "specific intention",
            item: target,
            reason: "the item has no attribute that does not reveal its title".into(),
        };
        let attributes: Vec<String> = self
            .attributes(profile)
            .into_iter()
            .filter(|attribute| !profile.reveals_title(attribute))
            .collect();
        if attributes.is_empty() {
            return Err(unavailable());
        }

        let mut kept: Vec<usize> = (0..attributes.len())
            .filter(|_| rng.random_bool(self.config.attribute_probability))
            .collect();
        let mut dropped: Vec<usize> = (0..attributes.len())
            .filter(|i| !kept.contains(i))
            .collect();
        dropped.shuffle(rng);
        while kept.len() < MIN_ATTRIBUTES.min(attributes.len()) {
            kept.extend(dropped.pop());
        }
        kept.sort_unstable();

        // Attributes that are safe alone can still spell the title together ("toy", then
        // "story"): try every opener, then fewer attributes, until the wording is safe.
        let first_opener = rng.random_range(0..OPENERS.len());
        while !kept.is_empty() {
            let clauses: Vec<&str> = kept.iter().map(|&i| attributes[i].as_str()).collect();
            let clauses = clauses.join(", ");
            for offset in 0..OPENERS.len() {
                let opener = OPENERS[(first_opener + offset) % OPENERS.len()];
                let text = format!("{opener} {clauses}");
                if !profile.reveals_title(&text) {
                    return Ok(Intention::Specific(text));
                }
            }
            kept.pop();
        }
        Err(unavailable())
    }

    /// Every attribute clause the profile supports, in reading order.
    fn attributes(&self, profile: &ItemProfile) -> Vec<String> {
        let mut attributes = Vec::with_capacity(6);
        let categories: Vec<String> = profile
            .categories
            .iter()
            .filter_map(|&c| self.dataset.catalog.categories.name(c))
            .map(str::to_lowercase)
            .collect();
        if !categories.is_empty() {
            attributes.push(format!("in {}", natural_list(&categories)));
        }
        if let Some(year) = profile.year {
            attributes.push(format!("from {year}"));
        }
        if let Some(brand) = &profile.brand {
            attributes.push(format!("by {brand}"));
        }
        // A strict subset of the title's words, so the title cannot be rebuilt from them.
        let title_words = self
            .config
            .max_title_words
            .min(profile.title_words.len().saturating_sub(1));
        if title_words > 0 {
            let quoted: Vec<String> = profile.title_words[..title_words]
                .iter()
                .map(|word| format!("'{word}'"))
                .collect();
            attributes.push(format!("with {} in the title", natural_list(&quoted)));
        }
        if !profile.description_keywords.is_empty() {
            attributes.push(format!(
                "about {}",
                natural_list(&profile.description_keywords)
            ));
        }
        if let Some(price) = profile.price {
            attributes.push(format!("for about ${price:.0}"));
        }
        attributes
    }
}
