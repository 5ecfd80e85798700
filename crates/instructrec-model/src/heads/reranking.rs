//! Reranking: listwise softmax over a candidate list per query.

use burn::prelude::*;

use super::{
    candidate_scores, check_count, check_vectors, cross_entropy, tempered_candidate_scores,
    tempered_scores, RecommenderHead,
};
use crate::{check, ModelError, Result};

/// Hyper-parameters of a [`RerankingHead`].
#[derive(Config, Debug)]
pub struct RerankingHeadConfig {
    /// Logits are `score / temperature`.
    #[config(default = 1.0)]
    pub temperature: f64,
}

impl RerankingHeadConfig {
    /// Checks that the hyper-parameters are usable.
    pub fn validate(&self) -> Result<()> {
        check::positive_real("temperature", self.temperature)
    }

    /// Validates the config and builds the head.
    pub fn init(&self) -> Result<RerankingHead> {
        self.validate()?;
        Ok(RerankingHead {
            temperature: self.temperature,
        })
    }
}

/// The target of a reranking step: `num_candidates` table rows per query and the index of the
/// relevant one among them.
#[derive(Debug, Clone, PartialEq)]
pub struct RerankingTarget {
    /// Candidate table rows, query-major: query `i`'s list is
    /// `candidates[i * num_candidates..(i + 1) * num_candidates]`.
    pub candidates: Vec<u32>,
    /// Length of every candidate list.
    pub num_candidates: usize,
    /// Per query, the index (within its list) of the relevant candidate.
    pub labels: Vec<u32>,
}

/// Softmax cross-entropy over each query's own candidate list (listwise).
///
/// Only the candidates' vectors are scored, so the cost does not grow with the table.
#[derive(Debug, Clone)]
pub struct RerankingHead {
    temperature: f64,
}

impl<B: Backend> RecommenderHead<B> for RerankingHead {
    type Target = RerankingTarget;

    fn score(&self, queries: Tensor<B, 2>, items: Tensor<B, 2>) -> Tensor<B, 2> {
        tempered_scores(queries, items, self.temperature)
    }

    fn score_candidates(
        &self,
        queries: Tensor<B, 2>,
        items: Tensor<B, 2>,
        candidates: &[u32],
        per_query: usize,
    ) -> Result<Tensor<B, 2>> {
        tempered_candidate_scores(queries, items, candidates, per_query, self.temperature)
    }

    fn loss(
        &self,
        queries: Tensor<B, 2>,
        items: Tensor<B, 2>,
        target: &RerankingTarget,
    ) -> Result<Tensor<B, 1>> {
        let (n, _) = check_vectors(&queries, &items)?;
        let c = target.num_candidates;
        if c == 0 {
            return Err(ModelError::InvalidInput {
                name: "num_candidates",
                message: "candidate lists must not be empty".into(),
            });
        }
        check_count("candidates", target.candidates.len(), n * c)?;
        let logits = candidate_scores(queries, items, &target.candidates, c, "candidates")?
            / self.temperature;
        cross_entropy(logits, &target.labels, "labels")
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{score_push, toy, value, A};
    use super::*;

    fn head() -> RerankingHead {
        RerankingHeadConfig::new()
            .with_temperature(2.0)
            .init()
            .unwrap()
    }

    #[test]
    fn loss_matches_a_hand_computed_listwise_softmax() {
        let (queries, items) = toy();
        let target = RerankingTarget {
            candidates: vec![0, 1, 2, 3, 2, 1],
            num_candidates: 2,
            labels: vec![1, 0, 1],
        };
        let loss = head()
            .loss(queries.clone(), items.clone(), &target)
            .unwrap();
        let q = queries.to_data().to_vec::<f32>().unwrap();
        let v = items.to_data().to_vec::<f32>().unwrap();
        let dot = |a: usize, b: usize| (0..3).map(|k| q[a * 3 + k] * v[b * 3 + k]).sum::<f32>();
        let expected = (0..3)
            .map(|a| {
                let z: Vec<f32> = (0..2)
                    .map(|j| dot(a, target.candidates[a * 2 + j] as usize) / 2.0)
                    .collect();
                let log_sum = z.iter().map(|x| x.exp()).sum::<f32>().ln();
                log_sum - z[target.labels[a] as usize]
            })
            .sum::<f32>()
            / 3.0;
        assert!((value(&loss) - expected).abs() < 1e-5);
    }

    #[test]
    fn gradient_pushes_the_relevant_candidate_up() {
        let (queries, items) = toy();
        let queries = queries.slice(s![0..1]).detach().require_grad();
        let target = RerankingTarget {
            candidates: vec![3, 1, 0],
            num_candidates: 3,
            labels: vec![1],
        };
        let loss = head()
            .loss(queries.clone(), items.clone(), &target)
            .unwrap();
        let push = score_push(loss, &queries, &items, &[(0, 1), (0, 3), (0, 0), (0, 2)]);
        assert!(push[0] > 0.0 && push[1] < 0.0 && push[2] < 0.0, "{push:?}");
        assert_eq!(push[3], 0.0, "item 2 is not a candidate");
    }

    #[test]
    fn rejects_bad_targets() {
        let (queries, items) = toy();
        let target = |candidates: Vec<u32>, num_candidates, labels: Vec<u32>| RerankingTarget {
            candidates,
            num_candidates,
            labels,
        };
        let cases = [
            (target(vec![0; 5], 2, vec![0; 3]), "candidates"),
            (target(vec![0, 1, 2, 3, 4, 0], 2, vec![0; 3]), "candidates"),
            (target(vec![0; 6], 2, vec![0, 2, 0]), "labels"),
            (target(vec![0; 6], 2, vec![0, 0]), "labels"),
            (target(vec![], 0, vec![]), "num_candidates"),
        ];
        for (target, name) in cases {
            match RecommenderHead::<A>::loss(&head(), queries.clone(), items.clone(), &target) {
                Err(ModelError::InvalidInput { name: n, .. }) => assert_eq!(n, name),
                other => panic!("expected an error on `{name}`, got {other:?}"),
            }
        }
    }
}
