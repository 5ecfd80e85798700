//! Scorers shared by the integration tests.

use instructrec_metrics::{BoxedError, EvalCase, Scorer};

/// Scores item `i` for a case with `score(case, i)` and records every candidate list it is given.
pub struct FnScorer<F> {
    pub score: F,
    pub num_items: u32,
    pub candidate_lists: Vec<Vec<u32>>,
    pub batch_sizes: Vec<usize>,
}

impl<F: Fn(&EvalCase<'_>, u32) -> f32> FnScorer<F> {
    pub fn new(num_items: u32, score: F) -> Self {
        Self {
            score,
            num_items,
            candidate_lists: Vec::new(),
            batch_sizes: Vec::new(),
        }
    }
}

impl<F: Fn(&EvalCase<'_>, u32) -> f32> Scorer for FnScorer<F> {
    fn score_all(&mut self, cases: &[EvalCase<'_>]) -> Result<Vec<f32>, BoxedError> {
        self.batch_sizes.push(cases.len());
        Ok(cases
            .iter()
            .flat_map(|case| (0..self.num_items).map(|item| (self.score)(case, item)))
            .collect())
    }

    fn score_candidates(
        &mut self,
        cases: &[EvalCase<'_>],
        candidates: &[Vec<u32>],
    ) -> Result<Vec<Vec<f32>>, BoxedError> {
        self.batch_sizes.push(cases.len());
        self.candidate_lists.extend(candidates.iter().cloned());
        Ok(cases
            .iter()
            .zip(candidates)
            .map(|(case, items)| items.iter().map(|&item| (self.score)(case, item)).collect())
            .collect())
    }
}

/// Knows the answer: 1 for the case's targets, 0 otherwise.
pub fn oracle(case: &EvalCase<'_>, item: u32) -> f32 {
    if case.targets.contains(&item) {
        1.0
    } else {
        0.0
    }
}

/// Has no opinion: the same score for everything.
pub fn constant(_: &EvalCase<'_>, _: u32) -> f32 {
    0.5
}
