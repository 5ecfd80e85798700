//! The instructrec attention recommender: text encoders, query tower and heads (burn).

mod error;
pub mod text;

pub use error::{ModelError, Result};
