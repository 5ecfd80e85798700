//! Amazon Reviews 2023 (McAuley lab): `reviews.jsonl` / `<Category>.jsonl` and
//! `meta.jsonl` / `meta_<Category>.jsonl`, plain or gzip.
//!
//! Reviews: `user_id`, `parent_asin` (the product; variants share it), `rating`, `timestamp`
//! (milliseconds, stored as seconds), `title` and `text`. Metadata: `parent_asin`, `title`,
//! `store` (→ brand), `main_category` then `categories` (→ categories), `description` then
//! `features` (→ description, one paragraph per line) and `price` (→ numeric field `"price"`).
//! `average_rating` and `rating_number` are not read: they summarise all reviews, including
//! the ones a split holds out. See [`super::amazon`] for file discovery and id rules.

use std::path::Path;

use super::amazon::{load_amazon, AmazonSchema};
use super::json_record::TimeUnit;
use super::options::{LoadOptions, LoadReport};
use crate::{Dataset, Result};

const SCHEMA: AmazonSchema = AmazonSchema {
    review_user: "user_id",
    review_item: "parent_asin",
    review_rating: "rating",
    review_time: "timestamp",
    review_time_unit: TimeUnit::Milliseconds,
    review_title: "title",
    review_text: "text",
    meta_item: "parent_asin",
    meta_title: "title",
    meta_brand: "store",
    meta_categories: &["main_category", "categories"],
    meta_description: "description",
    meta_features: "features",
    meta_price: "price",
};

/// Loads an Amazon Reviews 2023 dump (a directory or its reviews file).
pub fn load_amazon2023(path: &Path, options: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    load_amazon(path, options, &SCHEMA)
}
