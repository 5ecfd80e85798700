//! The words of every review, counted once per dataset so a user's review keywords are a merge
//! of small lists at generation time.

use std::collections::HashMap;

use instructrec_data::{Dataset, UserIdx};

use crate::text::{is_keyword, words, TermCounts, TermTable};

/// One review of a user, by position in the user's time-ordered interactions.
#[derive(Debug, Clone)]
struct UserReview {
    position: usize,
    terms: TermCounts,
}

/// Review term counts per user, and document frequencies over all reviews.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReviewIndex {
    terms: TermTable,
    by_user: Vec<Vec<UserReview>>,
}

impl ReviewIndex {
    pub(crate) fn build(dataset: &Dataset) -> Self {
        let mut terms = TermTable::default();
        let by_user = (0..dataset.num_users() as UserIdx)
            .map(|user| {
                dataset
                    .interactions_of(user)
                    .enumerate()
                    .filter_map(|(position, interaction)| {
                        let review = interaction.review?;
                        let text = words(&review.title).chain(words(&review.text));
                        Some(UserReview {
                            position,
                            terms: terms.add_document(text),
                        })
                    })
                    .collect()
            })
            .collect();
        Self { terms, by_user }
    }

    /// The `k` words of highest TF-IDF in the user's reviews of the interactions at
    /// `positions` (sorted), leaving out words used by fewer than `min_document_frequency`
    /// reviews overall and words `exclude` rejects.
    pub(crate) fn keywords(
        &self,
        user: UserIdx,
        positions: &[usize],
        k: usize,
        min_document_frequency: u32,
        exclude: impl Fn(&str) -> bool,
    ) -> Vec<&str> {
        let Some(reviews) = self.by_user.get(user as usize) else {
            return Vec::new();
        };
        let mut frequency: HashMap<u32, f32> = HashMap::new();
        for review in reviews
            .iter()
            .filter(|review| positions.binary_search(&review.position).is_ok())
        {
            for &(id, count) in &review.terms {
                *frequency.entry(id).or_default() += count as f32;
            }
        }
        self.terms.top_terms(frequency, k, |id, word| {
            self.terms.document_frequency(id) >= min_document_frequency
                && is_keyword(word)
                && !exclude(word)
        })
    }
}
