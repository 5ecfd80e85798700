//! The synthetic catalog: themed items with Zipf popularity and series ("sequels").

use std::collections::HashSet;

use rand::seq::SliceRandom;
use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal};

use super::config::SyntheticConfig;
use super::vocabulary::{self, Theme, THEMES};
use crate::sampling::AliasTable;
use crate::{Catalog, DataError, ItemIdx, Result};

/// Latest release year; years fall off exponentially before it.
const LATEST_YEAR: f32 = 2024.0;
const MEAN_AGE_YEARS: f32 = 12.0;
const OLDEST_AGE_YEARS: f32 = 60.0;
/// Spread of prices around a theme's base price (log scale).
const PRICE_LOG_SD: f32 = 0.35;
/// Random titles tried before a volume number makes one unique.
const TITLE_ATTEMPTS: usize = 16;

/// The catalog plus the hidden structure users draw from.
pub(super) struct SyntheticCatalog {
    /// The theme of each category index.
    pub themes: Vec<&'static Theme>,
    /// Primary category of each item.
    pub category_of: Vec<usize>,
    /// Items of each primary category, most popular first.
    pub items_of: Vec<Vec<ItemIdx>>,
    /// Per category, popularity over `items_of[category]`.
    pub popularity: Vec<AliasTable>,
    /// All items, most popular first.
    pub by_popularity: Vec<ItemIdx>,
    /// The next item of each item's series (same primary category).
    pub sequel: Vec<ItemIdx>,
}

impl SyntheticCatalog {
    /// Fills `catalog` with `config.num_items` items and returns their hidden structure.
    pub fn build(
        config: &SyntheticConfig,
        catalog: &mut Catalog,
        rng: &mut impl Rng,
    ) -> Result<Self> {
        let n = config.num_items;
        let num_categories = config.num_categories;
        let mut theme_order: Vec<usize> = (0..THEMES.len()).collect();
        theme_order.shuffle(rng);
        let themes: Vec<&Theme> = theme_order
            .iter()
            .take(num_categories)
            .filter_map(|&t| THEMES.get(t))
            .collect();

        // Category sizes are uneven (weights 1/sqrt(c+1)); the first items cover every category.
        let category_sizes: Vec<f64> = (0..num_categories)
            .map(|c| 1.0 / ((c + 1) as f64).sqrt())
            .collect();
        let category_table = AliasTable::new(&category_sizes)?;
        let category_of: Vec<usize> = (0..n)
            .map(|i| {
                if i < num_categories {
                    i
                } else {
                    category_table.sample(rng)
                }
            })
            .collect();

        let mut rank: Vec<usize> = (0..n).collect();
        rank.shuffle(rng);
        let weight = |item: usize| ((rank[item] + 1) as f64).powf(-config.zipf_exponent);
        let mut by_popularity: Vec<ItemIdx> = (0..n as ItemIdx).collect();
        by_popularity.sort_unstable_by_key(|&item| rank[item as usize]);

        let mut items_of: Vec<Vec<ItemIdx>> = vec![Vec::new(); num_categories];
        for &item in &by_popularity {
            if let Some(items) = items_of.get_mut(category_of[item as usize]) {
                items.push(item);
            }
        }
        let popularity = items_of
            .iter()
            .map(|items| {
                let weights: Vec<f64> = items.iter().map(|&i| weight(i as usize)).collect();
                AliasTable::new(&weights)
            })
            .collect::<Result<Vec<_>>>()?;

        let mut sequel: Vec<ItemIdx> = (0..n as ItemIdx).collect();
        for items in &items_of {
            let mut series = items.clone();
            series.shuffle(rng);
            for (position, &item) in series.iter().enumerate() {
                sequel[item as usize] = series[(position + 1) % series.len()];
            }
        }

        let world = Self {
            themes,
            category_of,
            items_of,
            popularity,
            by_popularity,
            sequel,
        };
        world.fill(config, catalog, rng)?;
        Ok(world)
    }

    /// The theme of an item's primary category.
    pub fn theme_of(&self, item: ItemIdx) -> Option<&'static Theme> {
        let category = *self.category_of.get(item as usize)?;
        self.themes.get(category).copied()
    }

    /// Writes every item's content: title, description, studio, categories, price and year.
    fn fill(
        &self,
        config: &SyntheticConfig,
        catalog: &mut Catalog,
        rng: &mut impl Rng,
    ) -> Result<()> {
        let invalid = |message: String| DataError::InvalidParameter {
            name: "config",
            message,
        };
        let age = Exp::new(1.0 / MEAN_AGE_YEARS).map_err(|e| invalid(e.to_string()))?;
        let price_noise = LogNormal::new(0.0, PRICE_LOG_SD).map_err(|e| invalid(e.to_string()))?;
        let width = config.num_items.to_string().len();
        let mut titles = HashSet::new();
        for (index, &category) in self.category_of.iter().enumerate() {
            let theme = self
                .themes
                .get(category)
                .copied()
                .ok_or_else(|| invalid(format!("no theme for category {category}")))?;
            let item = catalog.intern(&format!("i{:0width$}", index + 1));
            let title = unique_title(theme, &mut titles, rng);
            let mut categories = vec![theme.name];
            if self.themes.len() > 1 && rng.random_bool(config.second_category_probability) {
                let other = (category + rng.random_range(1..self.themes.len())) % self.themes.len();
                categories.extend(self.themes.get(other).map(|t| t.name));
            }
            catalog.add_categories(item, categories)?;
            let price = (theme.base_price * price_noise.sample(rng))
                .max(1.0)
                .floor()
                + 0.99;
            catalog.set_numeric(item, "price", price)?;
            let year = LATEST_YEAR - age.sample(rng).min(OLDEST_AGE_YEARS).floor();
            catalog.set_numeric(item, "year", year)?;
            let description = vocabulary::description(theme, rng);
            let brand = vocabulary::studio(category, rng);
            if let Some(content) = catalog.get_mut(item) {
                content.title = Some(title);
                content.description = Some(description);
                content.brand = Some(brand.to_owned());
            }
        }
        Ok(())
    }
}

/// A title no other item has: random ones first, then a volume number.
fn unique_title(theme: &Theme, taken: &mut HashSet<String>, rng: &mut impl Rng) -> String {
    let mut title = vocabulary::title(theme, rng);
    for _ in 1..TITLE_ATTEMPTS {
        if !taken.contains(&title) {
            break;
        }
        title = vocabulary::title(theme, rng);
    }
    let base = title.clone();
    let mut volume = 2;
    while taken.contains(&title) {
        title = format!("{base}, Vol. {volume}");
        volume += 1;
    }
    taken.insert(title.clone());
    title
}
