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
