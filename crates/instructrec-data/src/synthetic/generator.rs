//! Simulated users: drifting category tastes, short-term intents, series and taste-driven
//! ratings and reviews.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Geometric, Normal, Poisson};

use super::catalog::SyntheticCatalog;
use super::config::SyntheticConfig;
use super::vocabulary;
use crate::{DataError, Dataset, DatasetBuilder, Interaction, ItemIdx, Result, Review, UserIdx};

/// 2020-01-01T00:00:00Z; users start within the following year.
const EPOCH: i64 = 1_577_836_800;
const DAY: i64 = 86_400;
/// Share of a user's taste spread evenly over all categories (exploration).
const BACKGROUND_TASTE: f64 = 0.15;
const MAX_FAVOURITES: usize = 3;
/// Popularity draws tried before scanning a category for an item the user has not taken.
const DRAW_ATTEMPTS: usize = 16;
const RATING_NOISE_SD: f64 = 0.6;

pub(super) fn generate(config: &SyntheticConfig) -> Result<Dataset> {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut builder = DatasetBuilder::new("synthetic");
    let world = SyntheticCatalog::build(config, &mut builder.catalog, &mut rng)?;
    let invalid = |message: String| DataError::InvalidParameter {
        name: "config",
        message,
    };
    let intent_length =
        Geometric::new(1.0 / config.mean_intent_length).map_err(|e| invalid(e.to_string()))?;
    let extra_interactions = config.mean_interactions - config.min_interactions as f64;
    let length = (extra_interactions > 0.0)
        .then(|| Poisson::new(extra_interactions))
        .transpose()
        .map_err(|e| invalid(e.to_string()))?;
    let rating_noise = Normal::new(0.0, RATING_NOISE_SD).map_err(|e| invalid(e.to_string()))?;
    let width = config.num_users.to_string().len();
    // `taken_by[item] == user` marks the user's items without clearing a set per user.
    let mut taken_by = vec![UserIdx::MAX; config.num_items];
    for index in 0..config.num_users {
        let user = builder.user(&format!("u{:0width$}", index + 1));
        let extra = length.map_or(0.0, |poisson| poisson.sample(&mut rng));
        let target = (config.min_interactions + extra as usize).min(config.num_items);
        let mut taste = Taste::new(world.themes.len(), &mut rng);
        let mut time = EPOCH + rng.random_range(0..365 * DAY);
        let mut count = 0;
        while count < target {
            let category = taste.pick(&mut rng);
            let run = 1 + intent_length.sample(&mut rng) as usize;
            let mut previous: Option<ItemIdx> = None;
            for _ in 0..run.min(target - count) {
                let item = next_item(
                    config, &world, category, previous, user, &taken_by, &mut rng,
                );
                taken_by[item as usize] = user;
                let rating =
                    taste.rating(world.category_of[item as usize], &rating_noise, &mut rng);
                let review = (rng.random_bool(config.review_probability))
                    .then(|| world.theme_of(item))
                    .flatten()
                    .map(|theme| {
                        let (title, text) = vocabulary::review(theme, rating, &mut rng);
                        Review { title, text }
                    });
                builder.push(Interaction {
                    user,
                    item,
                    rating,
                    timestamp: time,
                    review,
                });
                time += rng.random_range(600..3 * 3600);
                previous = Some(item);
                count += 1;
            }
            time += rng.random_range(DAY..10 * DAY);
            if rng.random_bool(config.taste_drift) {
                taste.drift(&mut rng);
            }
        }
    }
    Ok(builder.build())
}

/// The next item of an intent for `category`: the sequel of the previous item sometimes, else a
/// popular item of the category the user has not taken, else any popular item not taken.
fn next_item(
    config: &SyntheticConfig,
    world: &SyntheticCatalog,
    category: usize,
    previous: Option<ItemIdx>,
    user: UserIdx,
    taken_by: &[UserIdx],
    rng: &mut impl Rng,
) -> ItemIdx {
    let free = |item: &ItemIdx| taken_by.get(*item as usize) != Some(&user);
    if let Some(sequel) = previous.and_then(|p| world.sequel.get(p as usize).copied()) {
        if free(&sequel) && rng.random_bool(config.sequel_probability) {
            return sequel;
        }
    }
    let items = world.items_of.get(category).map_or(&[][..], Vec::as_slice);
    if let Some(table) = world.popularity.get(category) {
        for _ in 0..DRAW_ATTEMPTS {
            let item = items.get(table.sample(rng)).copied();
            if let Some(item) = item.filter(free) {
                return item;
            }
        }
    }
    // Lengths are capped at the catalog size, so some item is always free.
    items
        .iter()
        .chain(&world.by_popularity)
        .copied()
        .find(free)
        .unwrap_or_default()
}

/// A user's taste: a few favourite categories plus a little interest in everything.
struct Taste {
    favourites: Vec<(usize, f64)>,
    weights: Vec<f64>,
}

impl Taste {
    fn new(num_categories: usize, rng: &mut impl Rng) -> Self {
        let count = rng.random_range(1..=MAX_FAVOURITES.min(num_categories));
        let categories: Vec<usize> = (0..num_categories).collect();
        let favourites = categories
            .choose_multiple(rng, count)
            .map(|&c| (c, Self::favour(rng)))
            .collect();
        let mut taste = Self {
            favourites,
            weights: vec![0.0; num_categories],
        };
        taste.reweigh();
        taste
    }

    /// A Dirichlet(1) share before normalisation.
    fn favour(rng: &mut impl Rng) -> f64 {
        -(1.0 - rng.random::<f64>()).ln()
    }

    fn reweigh(&mut self) {
        let n = self.weights.len() as f64;
        let total: f64 = self.favourites.iter().map(|&(_, w)| w).sum();
        self.weights.fill(BACKGROUND_TASTE / n);
        for &(category, weight) in &self.favourites {
            if let Some(slot) = self.weights.get_mut(category) {
                *slot += (1.0 - BACKGROUND_TASTE) * weight / total;
            }
        }
    }

    /// A category drawn by taste.
    fn pick(&self, rng: &mut impl Rng) -> usize {
        let mut u = rng.random::<f64>();
        for (category, &weight) in self.weights.iter().enumerate() {
            if u < weight {
                return category;
            }
            u -= weight;
        }
        self.weights.len() - 1
    }

    /// Replaces one favourite by a category that is not one yet.
    fn drift(&mut self, rng: &mut impl Rng) {
        let others: Vec<usize> = (0..self.weights.len())
            .filter(|c| self.favourites.iter().all(|&(f, _)| f != *c))
            .collect();
        let Some(&new) = others.choose(rng) else {
            return;
        };
        // There is always at least one favourite: `new` takes one's place.
        let slot = rng.random_range(0..self.favourites.len());
        let weight = Self::favour(rng);
        if let Some(favourite) = self.favourites.get_mut(slot) {
            *favourite = (new, weight);
        }
        self.reweigh();
    }

    /// 1 to 5 stars: the closer the category is to the user's favourite, the higher.
    fn rating(&self, category: usize, noise: &Normal<f64>, rng: &mut impl Rng) -> f32 {
        let best = self.weights.iter().copied().fold(f64::MIN, f64::max);
        let fit = self.weights.get(category).map_or(0.0, |w| w / best);
        (1.5 + 3.5 * fit + noise.sample(rng))
            .round()
            .clamp(1.0, 5.0) as f32
    }
}
