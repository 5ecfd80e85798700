//! Settings of the dataset-driven generator.

use serde::{Deserialize, Serialize};

use crate::{InstructError, Result};

/// How much of each source the [`DatasetGenerator`](crate::DatasetGenerator) puts into an
/// instruction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GeneratorConfig {
    /// Implicit preference: how many of the most recent history titles to show.
    pub history_titles: usize,
    /// Explicit preference: how many liked categories to state.
    pub liked_categories: usize,
    /// Explicit preference: how many disliked categories to state.
    pub disliked_categories: usize,
    /// A category is liked or disliked only after this many rated history items in it.
    pub min_category_interactions: usize,
    /// A category is liked (disliked) when its mean rating is at least this far above (below)
    /// the user's mean rating.
    pub min_rating_deviation: f32,
    /// Explicit preference: how many keywords of the user's own reviews to state.
    pub review_keywords: usize,
    /// A review word is a keyword candidate only if this many reviews in the dataset use it
    /// (drops typos and one-off names).
    pub min_review_document_frequency: u32,
    /// Specific intention: how many description keywords of the target to state.
    pub description_keywords: usize,
    /// Specific intention: at most this many title words (always fewer than the title has).
    pub max_title_words: usize,
    /// Specific intention: probability of stating each available attribute (at least two are
    /// always kept), for variety between instructions.
    pub attribute_probability: f64,
    /// Explicit-preference task: probability of adding a vague intention (P2-I1 instead of P2-I0).
    pub explicit_vague_probability: f64,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self {
            history_titles: 10,
            liked_categories: 2,
            disliked_categories: 1,
            min_category_interactions: 2,
            min_rating_deviation: 0.25,
            review_keywords: 3,
            min_review_document_frequency: 2,
            description_keywords: 3,
            max_title_words: 2,
            attribute_probability: 0.7,
            explicit_vague_probability: 0.5,
        }
    }
}

impl GeneratorConfig {
    /// Rejects settings that would make instructions empty or draws impossible.
    pub fn validate(&self) -> Result<()> {
        let invalid = |name, message: &str| {
            Err(InstructError::InvalidConfig {
                name,
                message: message.to_owned(),
            })
        };
        if self.history_titles == 0 {
            return invalid("history_titles", "must be at least 1");
        }
        if self.liked_categories == 0 {
            return invalid("liked_categories", "must be at least 1");
        }
        if self.min_category_interactions == 0 {
            return invalid("min_category_interactions", "must be at least 1");
        }
        if !(self.min_rating_deviation.is_finite() && self.min_rating_deviation >= 0.0) {
            return invalid("min_rating_deviation", "must be finite and non-negative");
        }
        for (name, p) in [
            ("attribute_probability", self.attribute_probability),
            (
                "explicit_vague_probability",
                self.explicit_vague_probability,
            ),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return invalid(name, &format!("must be a probability in [0, 1], got {p}"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_bad_values_are_named() {
        GeneratorConfig::default().validate().unwrap();
        let zero_history = GeneratorConfig {
            history_titles: 0,
            ..GeneratorConfig::default()
        };
        assert!(zero_history
            .validate()
            .unwrap_err()
            .to_string()
            .contains("history_titles"));
        let bad_probability = GeneratorConfig {
            attribute_probability: 1.5,
            ..GeneratorConfig::default()
        };
        assert!(bad_probability
            .validate()
            .unwrap_err()
            .to_string()
            .contains("attribute_probability"));
        let nan_deviation = GeneratorConfig {
            min_rating_deviation: f32::NAN,
            ..GeneratorConfig::default()
        };
        assert!(nan_deviation.validate().is_err());
    }
}
