//! Recommender heads: how query vectors and item vectors become scores and a training loss.
//!
//! Every head sees the same two tensors, the query vectors `[n, d]` and an *item table* `[m, d]`
//! (the vectors of an [`ItemSet`](crate::ItemSet), or of the whole catalog), plus a head-specific
//! target that points into the table by row. A head written outside this crate plugs in by
//! implementing [`RecommenderHead`].

mod matching;
mod pairwise;
mod pointwise;
mod reranking;
mod sampler;

pub use matching::{MatchingHead, MatchingHeadConfig, MatchingTarget, Negatives};
pub use pairwise::{PairwiseHead, PairwiseTarget};
pub use pointwise::{PointwiseHead, PointwiseTarget};
pub use reranking::{RerankingHead, RerankingHeadConfig, RerankingTarget};
pub use sampler::{PopularitySampler, PopularitySamplerConfig};

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use crate::item_set::rows_tensor;
use crate::{ModelError, Result};

/// Scores queries against items and defines a training loss.
///
/// The default [`score`](RecommenderHead::score) is the inner product; heads that rank by
/// another similarity (cosine, a learned metric) override it, and inference
/// ([`CatalogIndex`](crate::CatalogIndex)) ranks with it.
pub trait RecommenderHead<B: Backend> {
    /// What the loss needs besides the vectors: rows of the item table, labels, weights.
    type Target;

    /// Scores every query against every item; higher ranks first.
    ///
    /// # Shapes
    /// - `queries`: `[n, d]`
    /// - `items`: `[m, d]`
    /// - output: `[n, m]`
    fn score(&self, queries: Tensor<B, 2>, items: Tensor<B, 2>) -> Tensor<B, 2> {
        queries.matmul(items.transpose())
    }

    /// Scores each query against its own candidates only: `candidates` holds `per_query` table
    /// rows for each query, query-major (query `i`'s are `candidates[i * per_query..][..per_query]`).
    ///
    /// The values are those [`score`](RecommenderHead::score) gives the same pairs, which the
    /// default computes by scoring every item and gathering. Heads whose score depends on one
    /// query–item pair alone override it to gather first, so that ranking 101 candidates does
    /// not cost a pass over a catalog of 24K items.
    ///
    /// Errors if `candidates` does not hold `n * per_query` rows or a row is outside the table.
    ///
    /// # Shapes
    /// - `queries`: `[n, d]`
    /// - `items`: `[m, d]`
    /// - output: `[n, per_query]`
    fn score_candidates(
        &self,
        queries: Tensor<B, 2>,
        items: Tensor<B, 2>,
        candidates: &[u32],
        per_query: usize,
    ) -> Result<Tensor<B, 2>> {
        let ([n, _], [m, _]) = (queries.dims(), items.dims());
        check_count("candidates", candidates.len(), n * per_query)?;
        let rows = rows_tensor(candidates, m, "candidates", &items.device())?;
        Ok(self
            .score(queries, items)
            .gather(1, rows.reshape([n, per_query])))
    }

    /// The mean loss over the batch.
    ///
    /// Errors if the target disagrees with the shapes (a row outside the table, a label outside
    /// the candidate list, lengths that differ).
    ///
    /// # Shapes
    /// - `queries`: `[n, d]`
    /// - `items`: `[m, d]`
    /// - output: `[1]`
    fn loss(
        &self,
        queries: Tensor<B, 2>,
        items: Tensor<B, 2>,
        target: &Self::Target,
    ) -> Result<Tensor<B, 1>>;
}

/// Checks that `queries` and `items` have the same width and at least one query; returns
/// `(n, m)`.
pub(crate) fn check_vectors<B: Backend>(
    queries: &Tensor<B, 2>,
    items: &Tensor<B, 2>,
) -> Result<(usize, usize)> {
    let ([n, d_query], [m, d_item]) = (queries.dims(), items.dims());
    if d_query != d_item {
        return Err(ModelError::InvalidInput {
            name: "items",
            message: format!("item width {d_item} differs from the query width {d_query}"),
        });
    }
    if n == 0 || m == 0 {
        return Err(ModelError::InvalidInput {
            name: "queries",
            message: format!("{n} queries against {m} items: both must be non-empty"),
        });
    }
    Ok((n, m))
}

/// Errors unless a per-query target list has one entry per query.
pub(crate) fn check_count(name: &'static str, len: usize, n: usize) -> Result<()> {
    if len == n {
        Ok(())
    } else {
        Err(ModelError::InvalidInput {
            name,
            message: format!("{len} entries for {n} queries"),
        })
    }
}

/// Every query's inner product with every item, divided by `temperature`: the score of the
/// softmax heads, whose temperature sets how peaked their softmax is.
///
/// # Shapes
/// - `queries`: `[n, d]`
/// - `items`: `[m, d]`
/// - output: `[n, m]`
pub(crate) fn tempered_scores<B: Backend>(
    queries: Tensor<B, 2>,
    items: Tensor<B, 2>,
    temperature: f64,
) -> Tensor<B, 2> {
    queries.matmul(items.transpose()) / temperature
}

/// [`candidate_scores`] divided by `temperature`, after checking that `candidates` holds
/// `per_query` rows per query: [`RecommenderHead::score_candidates`] of the heads that score
/// by [`tempered_scores`] (temperature 1: the plain inner product).
pub(crate) fn tempered_candidate_scores<B: Backend>(
    queries: Tensor<B, 2>,
    items: Tensor<B, 2>,
    candidates: &[u32],
    per_query: usize,
    temperature: f64,
) -> Result<Tensor<B, 2>> {
    check_count(
        "candidates",
        candidates.len(),
        queries.dims()[0] * per_query,
    )?;
    let scores = candidate_scores(queries, items, candidates, per_query, "candidates")?;
    Ok(scores / temperature)
}

/// Each query's inner products with its own `per_query` table rows only, so that the cost does
/// not grow with the table. `rows` is query-major (query `i`'s rows are
/// `rows[i * per_query..(i + 1) * per_query]`) and must hold `n * per_query` entries, which the
/// heads check first with their own message.
///
/// Errors, naming `name`, if a row is outside the table.
///
/// # Shapes
/// - `queries`: `[n, d]`
/// - `items`: `[m, d]`
/// - output: `[n, per_query]`
pub(crate) fn candidate_scores<B: Backend>(
    queries: Tensor<B, 2>,
    items: Tensor<B, 2>,
    rows: &[u32],
    per_query: usize,
    name: &'static str,
) -> Result<Tensor<B, 2>> {
    let ([n, d], [m, _]) = (queries.dims(), items.dims());
    let rows = rows_tensor(rows, m, name, &items.device())?;
    let candidates = items
        .select(0, rows)
        .reshape([n, per_query, d])
        .swap_dims(1, 2);
    Ok(queries
        .unsqueeze_dim::<3>(1)
        .matmul(candidates)
        .reshape([n, per_query]))
}

/// Softmax cross-entropy of `logits` against the class index of each row, averaged.
///
/// # Shapes
/// - `logits`: `[n, classes]`
/// - output: `[1]`
pub(crate) fn cross_entropy<B: Backend>(
    logits: Tensor<B, 2>,
    labels: &[u32],
    name: &'static str,
) -> Result<Tensor<B, 1>> {
    let [n, classes] = logits.dims();
    check_count(name, labels.len(), n)?;
    let labels = rows_tensor(labels, classes, name, &logits.device())?.reshape([n, 1]);
    Ok(log_softmax(logits, 1).gather(1, labels).mean().neg())
}

#[cfg(test)]
mod tests {
    use burn::backend::Flex;
    use burn::tensor::Tolerance;

    use super::*;

    type B = Flex;

    /// A head with its own score and no override: the trait's gathering default.
    struct Cosine;

    impl RecommenderHead<B> for Cosine {
        type Target = ();

        fn score(&self, queries: Tensor<B, 2>, items: Tensor<B, 2>) -> Tensor<B, 2> {
            let unit = |x: Tensor<B, 2>| x.clone() / x.powi_scalar(2).sum_dim(1).sqrt();
            unit(queries).matmul(unit(items).transpose())
        }

        fn loss(&self, _: Tensor<B, 2>, _: Tensor<B, 2>, _: &()) -> Result<Tensor<B, 1>> {
            Err(ModelError::InvalidInput {
                name: "target",
                message: "not trained".into(),
            })
        }
    }

    /// `score` gathered by hand: `scores[i][candidates[i * per_query + j]]`.
    fn gathered<H: RecommenderHead<B>>(
        head: &H,
        queries: &Tensor<B, 2>,
        items: &Tensor<B, 2>,
        candidates: &[u32],
        per_query: usize,
    ) -> Vec<f32> {
        let all = head.score(queries.clone(), items.clone());
        let m = items.dims()[0];
        let all = all.into_data().to_vec::<f32>().unwrap();
        candidates
            .iter()
            .enumerate()
            .map(|(k, &row)| all[(k / per_query) * m + row as usize])
            .collect()
    }

    fn check<H: RecommenderHead<B>>(head: &H) {
        let device = Default::default();
        let queries = Tensor::<B, 2>::from_data([[1.0, 0.5, -0.2], [0.3, -1.0, 0.4]], &device);
        let items = Tensor::<B, 2>::from_data(
            [
                [0.2, 0.1, 0.3],
                [-0.4, 0.6, 0.1],
                [0.5, -0.3, -0.2],
                [0.1, 0.2, -0.7],
            ],
            &device,
        );
        let candidates = [3, 0, 1, 1, 2, 0];
        let expected = gathered(head, &queries, &items, &candidates, 3);
        let actual = head
            .score_candidates(queries.clone(), items.clone(), &candidates, 3)
            .unwrap();
        assert_eq!(actual.dims(), [2, 3]);
        actual.into_data().assert_approx_eq::<f32>(
            &TensorData::new(expected, [2, 3]),
            Tolerance::absolute(1e-6),
        );
        let short = head.score_candidates(queries.clone(), items.clone(), &candidates[..5], 3);
        assert!(short.unwrap_err().to_string().contains("candidates"));
        let outside = head.score_candidates(queries, items, &[0, 1, 4, 0, 1, 2], 3);
        assert!(outside.unwrap_err().to_string().contains("outside"));
    }

    #[test]
    fn candidate_scores_are_the_scores_of_those_pairs() {
        check(&Cosine);
        check(&PairwiseHead);
        check(&PointwiseHead);
        check(
            &MatchingHeadConfig::new()
                .with_temperature(0.5)
                .init()
                .unwrap(),
        );
        check(
            &RerankingHeadConfig::new()
                .with_temperature(0.25)
                .init()
                .unwrap(),
        );
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    //! Checks shared by the head tests: gradient directions on a toy problem.

    use burn::backend::{Autodiff, Flex};
    use burn::prelude::*;

    pub type A = Autodiff<Flex>;

    /// Three queries and four items, all tracked for gradients.
    pub fn toy() -> (Tensor<A, 2>, Tensor<A, 2>) {
        let device = Default::default();
        let queries = Tensor::<A, 2>::from_data(
            [[1.0, 0.5, -0.2], [0.3, -1.0, 0.4], [-0.6, 0.2, 0.9]],
            &device,
        )
        .require_grad();
        let items = Tensor::<A, 2>::from_data(
            [
                [0.2, 0.1, 0.3],
                [-0.4, 0.6, 0.1],
                [0.5, -0.3, -0.2],
                [0.1, 0.2, -0.7],
            ],
            &device,
        )
        .require_grad();
        (queries, items)
    }

    /// How a small gradient-descent step on the item vectors changes each `(query, item)` score:
    /// `-grad(item) . query`, positive when the loss pushes that score up.
    pub fn score_push(
        loss: Tensor<A, 1>,
        queries: &Tensor<A, 2>,
        items: &Tensor<A, 2>,
        pairs: &[(usize, usize)],
    ) -> Vec<f32> {
        let grads = loss.backward();
        let item_grad = items.grad(&grads).expect("items carry a gradient");
        let item_grad = item_grad.to_data().to_vec::<f32>().unwrap();
        let q = queries.to_data().to_vec::<f32>().unwrap();
        let d = queries.dims()[1];
        pairs
            .iter()
            .map(|&(query, item)| {
                -(0..d)
                    .map(|k| item_grad[item * d + k] * q[query * d + k])
                    .sum::<f32>()
            })
            .collect()
    }

    /// The scalar value of a loss.
    pub fn value(loss: &Tensor<A, 1>) -> f32 {
        loss.clone().into_scalar()
    }
}
