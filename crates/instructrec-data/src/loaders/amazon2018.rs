//! Amazon Review Data 2018 (McAuley lab): `<Category>.json` or the 5-core `<Category>_5.json`
//! with `meta_<Category>.json`, plain or gzip, one JSON object per line.
//!
//! Reviews: `reviewerID`, `asin`, `overall` (rating), `unixReviewTime` (seconds), `summary`
//! (→ review title) and `reviewText`. Metadata: `asin`, `title`, `brand`, `category` (→
//! categories), `description` then `feature` (→ description) and `price` ("$12.99" → numeric
//! field `"price"`; a range gives its lower bound). `main_cat` is not read: in the dump it is
//! often an HTML image tag. See [`super::amazon`] for file discovery and id rules.

use std::path::Path;

use super::amazon::{load_amazon, AmazonSchema};
use super::json_record::TimeUnit;
use super::options::{LoadOptions, LoadReport};
use crate::{Dataset, Result};

const SCHEMA: AmazonSchema = AmazonSchema {
    review_user: "reviewerID",
    review_item: "asin",
    review_rating: "overall",
    review_time: "unixReviewTime",
    review_time_unit: TimeUnit::Seconds,
    review_title: "summary",
    review_text: "reviewText",
    meta_item: "asin",
    meta_title: "title",
    meta_brand: "brand",
    meta_categories: &["category"],
    meta_description: "description",
    meta_features: "feature",
    meta_price: "price",
};

/// Loads an Amazon 2018 dump (a directory or its reviews file).
pub fn load_amazon2018(path: &Path, options: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    load_amazon(path, options, &SCHEMA)
}
