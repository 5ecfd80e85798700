//! How a category is phrased as a need ("Children's" → "Something for my kids").

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

/// The built-in phrasebook, kept as data like the templates.
const BUILTIN_NEEDS: &str = include_str!("needs.json");

/// Where a generic phrase puts the category name.
const CATEGORY_SLOT: &str = "{category}";

/// Need phrases per category, a generic fallback, and the categories that say nothing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NeedPhrasebook {
    /// Lower-case category names that describe nothing ("unknown").
    ignored_categories: HashSet<String>,
    /// Phrases with one `{category}` slot, for categories without their own phrases.
    generic: Vec<String>,
    /// Lower-case category name → phrases.
    needs: HashMap<String, Vec<String>>,
}

impl NeedPhrasebook {
    pub(crate) fn builtin() -> Self {
        serde_json::from_str(BUILTIN_NEEDS)
            .expect("the built-in need phrases are valid JSON (checked by the tests below)")
    }

    /// Whether a category name says nothing about an item.
    pub(crate) fn is_ignored(&self, category: &str) -> bool {
        self.ignored_categories.contains(&category.to_lowercase())
    }

    /// The ways to phrase a need for `category`: its own phrases, else the generic ones.
    pub(crate) fn phrases(&self, category: &str) -> Vec<String> {
        let key = category.to_lowercase();
        match self.needs.get(&key) {
            Some(phrases) => phrases.clone(),
            None => self
                .generic
                .iter()
                .map(|phrase| phrase.replace(CATEGORY_SLOT, &key))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_phrasebook_is_well_formed() {
        let book = NeedPhrasebook::builtin();
        assert!(!book.generic.is_empty());
        assert!(book
            .generic
            .iter()
            .all(|p| p.matches(CATEGORY_SLOT).count() == 1));
        for (category, phrases) in &book.needs {
            assert_eq!(
                *category,
                category.to_lowercase(),
                "keys are looked up in lower case"
            );
            assert!(!phrases.is_empty(), "{category}");
            assert!(
                phrases
                    .iter()
                    .all(|p| !p.contains('{') && !p.ends_with('.')),
                "{category}"
            );
        }
        assert!(book
            .ignored_categories
            .iter()
            .all(|c| *c == c.to_lowercase()));
    }

    #[test]
    fn known_categories_have_their_own_phrases_and_others_the_generic_ones() {
        let book = NeedPhrasebook::builtin();
        assert!(book
            .phrases("Children's")
            .iter()
            .any(|p| p.contains("my kids")));
        assert!(book
            .phrases("Comedy")
            .contains(&"I'm in the mood for a comedy".to_owned()));
        let generic = book.phrases("Garden Tools");
        assert_eq!(generic.len(), book.generic.len());
        assert!(generic
            .iter()
            .all(|p| p.contains("garden tools") && !p.contains('{')));
        assert!(
            book.is_ignored("unknown") && book.is_ignored("Unknown") && !book.is_ignored("Drama")
        );
    }
}
