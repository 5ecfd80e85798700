//! A deterministic synthetic dataset that has the structure recommenders learn from.
//!
//! Items belong to themed categories ("Mystery", "Science Fiction", …) whose words make up
//! their titles ("Crimson Harbor Detective Saga"), descriptions and studios, with a price and a
//! release year; popularity is Zipf-distributed. Each user has a few favourite categories that
//! drift over time and consumes items in short intents (runs within one category), often
//! following an item with its sequel, so the next item depends on the recent history and its
//! category. Ratings follow how well an item's category fits the user's taste, and reviews
//! are written from the category's words and the rating's sentiment.

mod catalog;
mod config;
mod generator;
mod vocabulary;

pub use config::SyntheticConfig;
