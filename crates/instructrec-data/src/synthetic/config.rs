//! The parameters of the synthetic dataset.

use serde::{Deserialize, Serialize};

use super::vocabulary::THEMES;
use crate::{DataError, Dataset, Result};

/// Parameters of [`SyntheticConfig::generate`]; the defaults give about 1,000 users × 1,000
/// items × 40 interactions per user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyntheticConfig {
    /// Seed of every random choice: the same config gives the same dataset.
    pub seed: u64,
    /// Number of users.
    pub num_users: usize,
    /// Number of items.
    pub num_items: usize,
    /// Number of categories, at most [`SyntheticConfig::MAX_CATEGORIES`].
    pub num_categories: usize,
    /// Mean interactions per user.
    pub mean_interactions: f64,
    /// Fewest interactions per user.
    pub min_interactions: usize,
    /// Zipf exponent of item popularity (0: uniform).
    pub zipf_exponent: f64,
    /// Mean number of consecutive items a user takes from one category (a short-term intent).
    pub mean_intent_length: f64,
    /// Chance that the next item within an intent is the sequel of the previous one.
    pub sequel_probability: f64,
    /// Chance, after each intent, that one of the user's favourite categories is replaced.
    pub taste_drift: f64,
    /// Chance that an item gets a second category.
    pub second_category_probability: f64,
    /// Chance that an interaction comes with a review.
    pub review_probability: f64,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            num_users: 1_000,
            num_items: 1_000,
            num_categories: 12,
            mean_interactions: 40.0,
            min_interactions: 5,
            zipf_exponent: 1.0,
            mean_intent_length: 4.0,
            sequel_probability: 0.3,
            taste_drift: 0.1,
            second_category_probability: 0.3,
            review_probability: 0.4,
        }
    }
}

impl SyntheticConfig {
    /// Most categories the built-in vocabulary has words for.
    pub const MAX_CATEGORIES: usize = THEMES.len();

    /// Checks every parameter's range.
    pub fn validate(&self) -> Result<()> {
        let invalid = |name, message: String| Err(DataError::InvalidParameter { name, message });
        if self.num_users == 0 || u32::try_from(self.num_users).is_err() {
            return invalid(
                "num_users",
                format!("must be in 1..=u32::MAX, got {}", self.num_users),
            );
        }
        if !(1..=Self::MAX_CATEGORIES).contains(&self.num_categories) {
            return invalid(
                "num_categories",
                format!(
                    "must be in 1..={}, got {}",
                    Self::MAX_CATEGORIES,
                    self.num_categories
                ),
            );
        }
        if self.num_items < self.num_categories || u32::try_from(self.num_items).is_err() {
            return invalid(
                "num_items",
                format!(
                    "must be at least num_categories ({}) and fit in u32, got {}",
                    self.num_categories, self.num_items
                ),
            );
        }
        if !(1..=self.num_items).contains(&self.min_interactions) {
            return invalid(
                "min_interactions",
                format!(
                    "must be in 1..=num_items ({}), got {}",
                    self.num_items, self.min_interactions
                ),
            );
        }
        let mean = self.mean_interactions;
        if !(mean.is_finite()
            && mean >= self.min_interactions as f64
            && mean <= self.num_items as f64)
        {
            return invalid(
                "mean_interactions",
                format!(
                    "must be between min_interactions ({}) and num_items ({}), got {mean}",
                    self.min_interactions, self.num_items
                ),
            );
        }
        if !(self.zipf_exponent.is_finite() && self.zipf_exponent >= 0.0) {
            return invalid(
                "zipf_exponent",
                format!("must be finite and ≥ 0, got {}", self.zipf_exponent),
            );
        }
        if !(self.mean_intent_length.is_finite() && self.mean_intent_length >= 1.0) {
            return invalid(
                "mean_intent_length",
                format!("must be finite and ≥ 1, got {}", self.mean_intent_length),
            );
        }
        let probabilities = [
            ("sequel_probability", self.sequel_probability),
            ("taste_drift", self.taste_drift),
            (
                "second_category_probability",
                self.second_category_probability,
            ),
            ("review_probability", self.review_probability),
        ];
        for (name, p) in probabilities {
            if !(0.0..=1.0).contains(&p) {
                return invalid(name, format!("must be a probability in [0, 1], got {p}"));
            }
        }
        Ok(())
    }

    /// Generates the dataset (named `"synthetic"`) after validating the config.
    pub fn generate(&self) -> Result<Dataset> {
        self.validate()?;
        super::generator::generate(self)
    }
}
