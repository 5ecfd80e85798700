//! Pointwise: a yes/no logit per (query, item) pair, trained with binary cross-entropy.

use burn::prelude::*;
use burn::tensor::activation::log_sigmoid;

use super::{check_count, check_vectors, tempered_candidate_scores, RecommenderHead};
use crate::item_set::rows_tensor;
use crate::Result;

/// The target of a pointwise step: one item per query and whether the answer is "yes".
#[derive(Debug, Clone, PartialEq)]
pub struct PointwiseTarget {
    /// The table row of the item each query asks about.
    pub items: Vec<u32>,
    /// `true` for "yes, the user will like it".
    pub labels: Vec<bool>,
}

/// Binary cross-entropy on the logit `q . v` ("will the user enjoy this item?").
///
/// The score is the logit, so `sigmoid(score)` is the predicted probability of "yes".
#[derive(Debug, Clone, Copy, Default)]
pub struct PointwiseHead;

impl<B: Backend> RecommenderHead<B> for PointwiseHead {
    type Target = PointwiseTarget;

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
        target: &PointwiseTarget,
    ) -> Result<Tensor<B, 1>> {
        let (n, m) = check_vectors(&queries, &items)?;
        check_count("items", target.items.len(), n)?;
        check_count("labels", target.labels.len(), n)?;
        let device = items.device();
        let rows = rows_tensor(&target.items, m, "items", &device)?;
        let logits = (queries * items.select(0, rows)).sum_dim(1).reshape([n]);
        let negative: Vec<f32> = target
            .labels
            .iter()
            .map(|&yes| if yes { 0.0 } else { 1.0 })
            .collect();
        let negative = Tensor::<B, 1>::from_data(negative.as_slice(), &device);
        // -[y log s(z) + (1 - y) log s(-z)] = (1 - y) z - log s(z)
        Ok((negative * logits.clone() - log_sigmoid(logits)).mean())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{score_push, toy, value, A};
    use super::*;
    use crate::ModelError;

    #[test]
    fn loss_matches_hand_computed_binary_cross_entropy() {
        let (queries, items) = toy();
        let target = PointwiseTarget {
            items: vec![2, 0, 3],
            labels: vec![true, false, true],
        };
        let loss = PointwiseHead
            .loss(queries.clone(), items.clone(), &target)
            .unwrap();
        let q = queries.to_data().to_vec::<f32>().unwrap();
        let v = items.to_data().to_vec::<f32>().unwrap();
        let expected = (0..3)
            .map(|a| {
                let b = target.items[a] as usize;
                let z: f32 = (0..3).map(|k| q[a * 3 + k] * v[b * 3 + k]).sum();
                let p = 1.0 / (1.0 + (-z).exp());
                if target.labels[a] {
                    -p.ln()
                } else {
                    -(1.0 - p).ln()
                }
            })
            .sum::<f32>()
            / 3.0;
        assert!((value(&loss) - expected).abs() < 1e-5);
    }

    #[test]
    fn gradient_pushes_yes_up_and_no_down() {
        for (label, sign) in [(true, 1.0f32), (false, -1.0)] {
            let (queries, items) = toy();
            let queries = queries.slice(s![2..3]).detach().require_grad();
            let target = PointwiseTarget {
                items: vec![1],
                labels: vec![label],
            };
            let loss = PointwiseHead
                .loss(queries.clone(), items.clone(), &target)
                .unwrap();
            let push = score_push(loss, &queries, &items, &[(0, 1)]);
            assert!(push[0] * sign > 0.0, "label {label}: {push:?}");
        }
    }

    #[test]
    fn rejects_bad_targets() {
        let (queries, items) = toy();
        let cases = [
            (vec![0, 1], vec![true; 3], "items"),
            (vec![0, 1, 4], vec![true; 3], "items"),
            (vec![0, 1, 2], vec![true; 2], "labels"),
        ];
        for (rows, labels, name) in cases {
            let target = PointwiseTarget {
                items: rows,
                labels,
            };
            match RecommenderHead::<A>::loss(
                &PointwiseHead,
                queries.clone(),
                items.clone(),
                &target,
            ) {
                Err(ModelError::InvalidInput { name: n, .. }) => assert_eq!(n, name),
                other => panic!("expected an error on `{name}`, got {other:?}"),
            }
        }
    }
}
