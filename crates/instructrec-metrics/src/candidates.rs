//! Where the other candidates of the reranking protocol come from.

use rand::rngs::StdRng;

use crate::case::EvalCase;
use crate::duplicates::first_duplicate;
use crate::error::{BoxedError, MetricsError};
use crate::touched_items::TouchedItems;

/// Supplies the non-target candidates of a case under [`Protocol::Rerank`](crate::Protocol), e.g.
/// the top items of a first-stage retriever (LlamaRec) or [`UniformCandidates`].
///
/// The evaluator adds the targets, checks the list (exactly `count` distinct catalog items, none a
/// target, none in the history) and shuffles it, so a provider may return candidates in any order
/// — its order never reaches the scorer.
pub trait CandidateProvider {
    /// `count` candidate items for `case`, other than its targets and its history. `rng` is this
    /// case's seeded stream, for providers that sample.
    fn candidates(
        &mut self,
        case: &EvalCase<'_>,
        count: usize,
        num_items: u32,
        rng: &mut StdRng,
    ) -> Result<Vec<u32>, BoxedError>;
}

/// Candidates drawn uniformly from the items the user never touched — the default of the
/// reranking protocol and the negatives of the sampled protocol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UniformCandidates;

impl CandidateProvider for UniformCandidates {
    fn candidates(
        &mut self,
        case: &EvalCase<'_>,
        count: usize,
        num_items: u32,
        rng: &mut StdRng,
    ) -> Result<Vec<u32>, BoxedError> {
        case.validate(num_items)?;
        Ok(TouchedItems::of(case).sample_untouched(case.user, num_items, count, rng)?)
    }
}

/// Checks what a provider returned for `case` (see [`CandidateProvider`]).
pub(crate) fn check_provided(
    case: &EvalCase<'_>,
    touched: &TouchedItems,
    provided: &[u32],
    count: usize,
    num_items: u32,
) -> Result<(), MetricsError> {
    if provided.len() != count {
        return Err(MetricsError::LengthMismatch {
            what: "candidates from the provider",
            expected: count,
            actual: provided.len(),
        });
    }
    for &item in provided {
        if item >= num_items {
            return Err(MetricsError::ItemOutOfRange { item, num_items });
        }
        if touched.contains(item) {
            let user = case.user;
            return Err(if case.targets.contains(&item) {
                MetricsError::CandidateIsTarget { user, item }
            } else {
                MetricsError::CandidateInHistory { user, item }
            });
        }
    }
    if let Some(item) = first_duplicate(provided) {
        return Err(MetricsError::DuplicateCandidate { item });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn provided_lists_are_checked() {
        let case = EvalCase::leave_one_out(4, vec![1, 2], 3);
        let touched = TouchedItems::of(&case);
        let check = |provided: &[u32]| check_provided(&case, &touched, provided, 2, 10);
        assert!(check(&[0, 9]).is_ok());
        assert!(matches!(
            check(&[0]),
            Err(MetricsError::LengthMismatch { .. })
        ));
        assert!(matches!(
            check(&[0, 10]),
            Err(MetricsError::ItemOutOfRange { item: 10, .. })
        ));
        assert!(matches!(
            check(&[0, 3]),
            Err(MetricsError::CandidateIsTarget { user: 4, item: 3 })
        ));
        assert!(matches!(
            check(&[2, 0]),
            Err(MetricsError::CandidateInHistory { user: 4, item: 2 })
        ));
        assert!(matches!(
            check(&[5, 5]),
            Err(MetricsError::DuplicateCandidate { item: 5 })
        ));
    }

    #[test]
    fn uniform_candidates_avoid_touched_items() {
        let case = EvalCase::leave_one_out(4, vec![1, 2], 3);
        let mut rng = StdRng::seed_from_u64(9);
        let drawn = UniformCandidates.candidates(&case, 3, 6, &mut rng).unwrap();
        // Catalog 0..6 minus {1, 2, 3} leaves exactly {0, 4, 5}.
        assert_eq!(drawn, vec![0, 4, 5]);
        assert!(UniformCandidates.candidates(&case, 4, 6, &mut rng).is_err());
    }
}
