//! Turning ratings into implicit feedback.

use crate::{DataError, Dataset, Result};

/// Keeps the interactions rated at least `min_rating` (the positives of implicit feedback).
///
/// Ratings are kept as recorded, so explicit-preference text can still tell "liked" from "loved".
pub fn implicit_feedback(dataset: &Dataset, min_rating: f32) -> Result<Dataset> {
    if !min_rating.is_finite() {
        return Err(DataError::InvalidParameter {
            name: "min_rating",
            message: format!("must be a finite number, got {min_rating}"),
        });
    }
    let kept = dataset.retain(|interaction| interaction.rating >= min_rating);
    if kept.num_interactions() == 0 {
        return Err(DataError::Empty(format!(
            "no interaction of `{}` is rated {min_rating} or more",
            dataset.name
        )));
    }
    Ok(kept)
}
