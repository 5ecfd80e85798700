//! P2: the explicit preference, a taste statement made from the user's ratings and reviews.

use std::collections::HashMap;

use instructrec_data::{InteractionRef, ItemIdx, UserIdx};
use rand::{Rng, RngCore};

use super::DatasetGenerator;
use crate::text::natural_list;
use crate::{InstructError, Preference, Result};

/// A user's ratings of the items of one category, relative to the user's mean rating.
#[derive(Debug, Clone, Copy, Default)]
struct CategoryRatings {
    count: usize,
    deviation_sum: f32,
}

/// Categories the user rates above and below their own average.
#[derive(Debug, Default)]
struct Tastes {
    liked: Vec<String>,
    disliked: Vec<String>,
}

impl DatasetGenerator<'_> {
    /// A first-person statement of the user's tastes: liked and disliked categories from the
    /// visible ratings, and keywords of the user's own visible reviews.
    ///
    /// Nothing comes from the target: its reviews are skipped and no word of its title is
    /// used as a keyword, so the statement cannot name the answer.
    pub fn explicit_preference(
        &self,
        user: UserIdx,
        history_len: usize,
        target: ItemIdx,
        rng: &mut dyn RngCore,
    ) -> Result<Preference> {
        let (positions, history): (Vec<usize>, Vec<InteractionRef<'_>>) =
            self.visible_history(user, history_len, target)?.unzip();
        if history.is_empty() {
            return Err(InstructError::EmptyHistory { user });
        }
        let tastes = self.tastes(&history);
        let target_title = &self.profile(target)?.title_vocabulary;
        let keywords = self.reviews.keywords(
            user,
            &positions,
            self.config.review_keywords,
            self.config.min_review_document_frequency,
            |word| target_title.contains(word),
        );

        let mut sentences = Vec::with_capacity(2);
        if let Some(sentence) = taste_sentence(&tastes, rng) {
            sentences.push(sentence);
        }
        if !keywords.is_empty() {
            let keywords = natural_list(&keywords);
            sentences.push(match rng.random_range(0..3) {
                0 => format!("In my reviews I often mention {keywords}."),
                1 => format!("I care about {keywords}."),
                _ => format!("What matters to me: {keywords}."),
            });
        }
        if sentences.is_empty() {
            return Err(InstructError::Unavailable {
                what: "explicit preference",
                item: target,
                reason: format!(
                    "user {user}'s history has no category rated often enough and no review keyword"
                ),
            });
        }
        Ok(Preference::Explicit {
            statement: sentences.join(" "),
        })
    }

    /// Liked and disliked categories. With varied ratings a category is liked (disliked) when
    /// its mean rating is clearly above (below) the user's; with uniform ratings (implicit
    /// feedback) the most frequent categories count as liked and none as disliked.
    fn tastes(&self, history: &[InteractionRef<'_>]) -> Tastes {
        let mean = history.iter().map(|i| i.rating).sum::<f32>() / history.len() as f32;
        let mut by_category: HashMap<u32, CategoryRatings> = HashMap::new();
        for interaction in history {
            let Some(profile) = self.profiles.get(interaction.item as usize) else {
                continue;
            };
            for &category in &profile.categories {
                let ratings = by_category.entry(category).or_default();
                ratings.count += 1;
                ratings.deviation_sum += interaction.rating - mean;
            }
        }
        let config = &self.config;
        let mut eligible: Vec<(String, CategoryRatings)> = by_category
            .into_iter()
            .filter(|(_, ratings)| ratings.count >= config.min_category_interactions)
            .filter_map(|(category, ratings)| {
                let name = self.dataset.catalog.categories.name(category)?;
                Some((name.to_lowercase(), ratings))
            })
            .collect();
        let names = |ranked: &[(String, CategoryRatings)], k: usize| -> Vec<String> {
            ranked
                .iter()
                .take(k)
                .map(|(name, _)| name.clone())
                .collect()
        };

        let uniform_ratings = history.iter().all(|i| i.rating == history[0].rating);
        if uniform_ratings {
            eligible.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
            return Tastes {
                liked: names(&eligible, config.liked_categories),
                disliked: Vec::new(),
            };
        }
        let mean_deviation =
            |ratings: &CategoryRatings| ratings.deviation_sum / ratings.count as f32;
        // Ranked by summed deviation: a strong taste shown many times beats a single outlier.
        eligible.sort_by(|a, b| {
            b.1.deviation_sum
                .total_cmp(&a.1.deviation_sum)
                .then_with(|| a.0.cmp(&b.0))
        });
        let liked: Vec<_> = eligible
            .iter()
            .filter(|(_, r)| mean_deviation(r) >= config.min_rating_deviation)
            .cloned()
            .collect();
        let disliked: Vec<_> = eligible
            .iter()
            .rev()
            .filter(|(_, r)| mean_deviation(r) <= -config.min_rating_deviation)
            .cloned()
            .collect();
        Tastes {
            liked: names(&liked, config.liked_categories),
            disliked: names(&disliked, config.disliked_categories),
        }
    }
}

fn taste_sentence(tastes: &Tastes, rng: &mut dyn RngCore) -> Option<String> {
    let liked = natural_list(&tastes.liked);
    let disliked = natural_list(&tastes.disliked);
    Some(match (liked.is_empty(), disliked.is_empty()) {
        (false, false) => match rng.random_range(0..3) {
            0 => format!("I like {liked} and dislike {disliked}."),
            1 => format!("I enjoy {liked}, but {disliked} is not for me."),
            _ => format!("I'm a fan of {liked}; I usually avoid {disliked}."),
        },
        (false, true) => match rng.random_range(0..3) {
            0 => format!("I like {liked}."),
            1 => format!("I mostly enjoy {liked}."),
            _ => format!("My favourites are {liked}."),
        },
        (true, false) => match rng.random_range(0..2) {
            0 => format!("I dislike {disliked}."),
            _ => format!("{} is not for me.", capitalized(&disliked)),
        },
        (true, true) => return None,
    })
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
