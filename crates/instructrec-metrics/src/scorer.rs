//! The model side of a ranking evaluation.

use crate::case::EvalCase;
use crate::error::{BoxedError, MetricsError};

/// Scores a batch of cases, implemented by every model that is evaluated (a burn model scoring
/// users against a cached catalog matrix, [`PopularityScorer`](crate::PopularityScorer), an LLM
/// reranker …).
///
/// Only [`score_all`](Scorer::score_all) is required; the candidate protocols fall back to
/// gathering from it. Models that can score a short candidate list more cheaply than the whole
/// catalog override [`score_candidates`](Scorer::score_candidates). Higher score = better.
pub trait Scorer {
    /// Scores of every catalog item for each case, row-major: `cases.len() × num_items` values,
    /// row `i` for `cases[i]`, column `j` for item `j`. This is the layout of a `[batch, items]`
    /// tensor's data, so a burn model returns `tensor.into_data().to_vec()` as is.
    ///
    /// A scorer that cannot score the whole catalog (e.g. an LLM reranker) returns an error.
    fn score_all(&mut self, cases: &[EvalCase<'_>]) -> Result<Vec<f32>, BoxedError>;

    /// Scores of `candidates[i]` (item ids, in the given order) for `cases[i]`.
    ///
    /// The default gathers the candidates' columns from [`score_all`](Scorer::score_all).
    fn score_candidates(
        &mut self,
        cases: &[EvalCase<'_>],
        candidates: &[Vec<u32>],
    ) -> Result<Vec<Vec<f32>>, BoxedError> {
        let all = self.score_all(cases)?;
        let num_items = all.len().checked_div(cases.len()).unwrap_or(0);
        if num_items * cases.len() != all.len() {
            return Err(Box::new(MetricsError::LengthMismatch {
                what: "score_all output (a multiple of the number of cases)",
                expected: num_items * cases.len(),
                actual: all.len(),
            }));
        }
        // An empty output yields no rows (the evaluator then reports the missing rows);
        // `max(1)` only keeps `chunks_exact` from being asked for chunks of zero.
        let rows = all.chunks_exact(num_items.max(1));
        rows.zip(candidates)
            .map(|(row, items)| {
                items
                    .iter()
                    .map(|&item| {
                        row.get(item as usize).copied().ok_or_else(|| {
                            Box::new(MetricsError::ItemOutOfRange {
                                item,
                                num_items: num_items as u32,
                            }) as BoxedError
                        })
                    })
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores item `j` for user `u` as `u * 10 + j`, over a catalog of 4 items.
    struct Arithmetic;

    impl Scorer for Arithmetic {
        fn score_all(&mut self, cases: &[EvalCase<'_>]) -> Result<Vec<f32>, BoxedError> {
            Ok(cases
                .iter()
                .flat_map(|case| (0..4).map(move |item| (case.user * 10 + item) as f32))
                .collect())
        }
    }

    #[test]
    fn default_score_candidates_gathers_columns() {
        let cases = [
            EvalCase::leave_one_out(1, vec![], 0),
            EvalCase::leave_one_out(2, vec![], 0),
        ];
        let scores = Arithmetic
            .score_candidates(&cases, &[vec![3, 0], vec![1]])
            .unwrap();
        assert_eq!(scores, vec![vec![13.0, 10.0], vec![21.0]]);
        let error = Arithmetic
            .score_candidates(&cases, &[vec![4], vec![1]])
            .unwrap_err();
        assert!(error.to_string().contains("item 4 is out of range"));
    }
}
