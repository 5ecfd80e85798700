//! Pairwise: Bayesian personalized ranking (BPR) of a positive over negatives.

use burn::prelude::*;
use burn::tensor::activation::log_sigmoid;

use super::{
    candidate_scores, check_count, check_vectors, tempered_candidate_scores, RecommenderHead,
};
use crate::item_set::rows_tensor;
use crate::{ModelError, Result};

/// The target of a pairwise step: per query, a positive row and `k` negative rows.
#[derive(Debug, Clone, PartialEq)]
pub struct PairwiseTarget {
    /// The table row of each query's preferred item.
    pub positives: Vec<u32>,
    /// `k` table rows per query, query-major: query `i`'s negatives are
    /// `negatives[i * k..(i + 1) * k]`.
    pub negatives: Vec<u32>,
}

/// BPR: `-log sigmoid(q . v_pos - q . v_neg)`, averaged over every (query, negative) pair.
#[derive(Debug, Clone, Copy, Default)]
pub struct PairwiseHead;

impl<B: Backend> RecommenderHead<B> for PairwiseHead {
    type Target = PairwiseTarget;

    fn score_candidates(
        &self,
        queries: Tensor<B, 2>,
        items: Tensor<B, 2>,
        candidates: &[u32],
        per_query: usize,
    ) -> Result<Tensor<B, 2>> {
        tempered_candidate_scores(queries, items, candidates, per_query, 1.0)
    }

    fn loss(
        &self,
        queries: Tensor<B, 2>,
        items: Tensor<B, 2>,
        target: &PairwiseTarget,
    ) -> Result<Tensor<B, 1>> {
        let (n, m) = check_vectors(&queries, &items)?;
        check_count("positives", target.positives.len(), n)?;
        let k = target.negatives.len() / n;
        if k == 0 || target.negatives.len() != n * k {
            return Err(ModelError::InvalidInput {
                name: "negatives",
                message: format!(
                    "{} negatives for {n} queries: need k >= 1 per query",
                    target.negatives.len()
                ),
            });
        }
        let positives = rows_tensor(&target.positives, m, "positives", &items.device())?;
        let positive = (queries.clone() * items.clone().select(0, positives)).sum_dim(1);
        let negative = candidate_scores(queries, items, &target.negatives, k, "negatives")?;
        Ok(log_sigmoid(positive - negative).mean().neg())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{score_push, toy, value, A};
    use super::*;

    #[test]
    fn loss_matches_hand_computed_bpr() {
        let (queries, items) = toy();
        let target = PairwiseTarget {
            positives: vec![0, 1, 2],
            negatives: vec![1, 2, 0, 3, 3, 1],
        };
        let loss = PairwiseHead
            .loss(queries.clone(), items.clone(), &target)
            .unwrap();
        let q = queries.to_data().to_vec::<f32>().unwrap();
        let v = items.to_data().to_vec::<f32>().unwrap();
        let dot = |a: usize, b: u32| {
            (0..3)
                .map(|j| q[a * 3 + j] * v[b as usize * 3 + j])
                .sum::<f32>()
        };
        let expected = (0..3)
            .flat_map(|a| (0..2).map(move |j| (a, j)))
            .map(|(a, j)| {
                let diff = dot(a, target.positives[a]) - dot(a, target.negatives[a * 2 + j]);
                (1.0 + (-diff).exp()).ln()
            })
            .sum::<f32>()
            / 6.0;
        assert!((value(&loss) - expected).abs() < 1e-5);
    }

    #[test]
    fn gradient_pushes_the_positive_up_and_the_negative_down() {
        let (queries, items) = toy();
        let queries = queries.slice(s![0..1]).detach().require_grad();
        let target = PairwiseTarget {
            positives: vec![3],
            negatives: vec![0],
        };
        let loss = PairwiseHead
            .loss(queries.clone(), items.clone(), &target)
            .unwrap();
        let push = score_push(loss, &queries, &items, &[(0, 3), (0, 0)]);
        assert!(push[0] > 0.0 && push[1] < 0.0, "{push:?}");
    }

    #[test]
    fn rejects_bad_targets() {
        let (queries, items) = toy();
        let cases = [
            (vec![0, 1], vec![0; 3], "positives"),
            (vec![0, 1, 2], vec![0; 4], "negatives"),
            (vec![0, 1, 2], vec![], "negatives"),
            (vec![0, 1, 2], vec![0, 1, 9], "negatives"),
            (vec![0, 1, 7], vec![0; 3], "positives"),
        ];
        for (positives, negatives, name) in cases {
            let target = PairwiseTarget {
                positives,
                negatives,
            };
            match RecommenderHead::<A>::loss(&PairwiseHead, queries.clone(), items.clone(), &target)
            {
                Err(ModelError::InvalidInput { name: n, .. }) => assert_eq!(n, name),
                other => panic!("expected an error on `{name}`, got {other:?}"),
            }
        }
    }
}
