//! Inference: a cached catalog matrix, top-k retrieval with exclusions, candidate reranking and
//! attention explanations.

use std::cmp::Ordering;

use burn::prelude::*;
use instructrec_fusion::ItemFeatures;

use crate::batch::Instruction;
use crate::item_set::rows_tensor;
use crate::query::{QueryAttention, QueryOutput};
use crate::{InstructRec, ItemSet, ModelError, QueryBatch, RecommenderHead, Result};

/// Requests per thread below which splitting a serving batch costs more than it saves (thread
/// start-up and a smaller, less efficient matmul per part).
const MIN_REQUESTS_PER_THREAD: usize = 32;

/// Threads a batch of `requests` is split across: one per core, each with enough requests.
fn serving_threads(requests: usize) -> usize {
    let most = requests / MIN_REQUESTS_PER_THREAD;
    if most < 2 {
        // Most requests (single ones) stop here: asking for the core count reads cgroup files.
        return 1;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(most)
}

/// One recommendation request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The instruction, in the form the model reads.
    pub instruction: Instruction,
    /// The user's history, catalog ids, oldest first (may be empty).
    pub history: Vec<u32>,
    /// Items never to recommend (typically everything the user has seen).
    pub exclude: Vec<u32>,
}

/// An item and its score (or attention weight).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredItem {
    /// Catalog id.
    pub item: u32,
    /// Score under the head (or attention weight in an [`Explanation`]).
    pub score: f32,
}

/// Why the model recommended what it did: the query token's attention in the last layer,
/// averaged over heads.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Attention on each kept history item, highest first ("because you watched ...").
    pub history: Vec<ScoredItem>,
    /// Attention on each kept instruction token, in token order.
    pub instruction: Vec<f32>,
}

/// The answer to one [`Request`].
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// Best first; ties go to the lower item id.
    pub items: Vec<ScoredItem>,
    /// Present when asked for.
    pub explanation: Option<Explanation>,
}

/// A model with its catalog matrix cached, answering requests.
///
/// Scores come from one `head.score(queries, catalog)` call per batch of requests; the top-k
/// selection and the exclusions run on the CPU.
#[derive(Debug, Clone)]
pub struct CatalogIndex<B: Backend, H> {
    model: InstructRec<B>,
    catalog: Tensor<B, 2>,
    head: H,
}

impl<B: Backend, H: RecommenderHead<B>> CatalogIndex<B, H> {
    /// Encodes the catalog with the model's item tower (in batches of 4,096 items) and caches it.
    /// Use an inference model (`model.valid()` of a trained autodiff model).
    pub fn new(
        model: InstructRec<B>,
        features: &ItemFeatures,
        head: H,
        device: &B::Device,
    ) -> Result<Self> {
        let catalog = model.encode_catalog(features, 4096, device)?;
        Self::from_catalog(model, catalog, head)
    }

    /// Uses a catalog matrix computed elsewhere (row = item id), e.g. by
    /// [`InstructRec::encode_catalog`]. Errors if its shape does not fit the model or a value is
    /// not finite.
    ///
    /// # Shapes
    /// - `catalog`: `[model.config().num_items(), model.vector_width()]`
    pub fn from_catalog(model: InstructRec<B>, catalog: Tensor<B, 2>, head: H) -> Result<Self> {
        let expected = [model.config().num_items(), model.vector_width()];
        if catalog.dims() != expected {
            return Err(ModelError::InvalidInput {
                name: "catalog",
                message: format!("shape {:?}, the model needs {expected:?}", catalog.dims()),
            });
        }
        if catalog.clone().is_nan().any().into_scalar().to_bool()
            || catalog.clone().is_inf().any().into_scalar().to_bool()
        {
            return Err(ModelError::InvalidInput {
                name: "catalog",
                message: "the catalog matrix holds NaN or infinite values".into(),
            });
        }
        Ok(Self {
            model,
            catalog,
            head,
        })
    }

    /// The model.
    pub fn model(&self) -> &InstructRec<B> {
        &self.model
    }

    /// The cached catalog matrix (row = item id).
    ///
    /// # Shapes
    /// - output: `[num_items, d_model]`
    pub fn catalog(&self) -> &Tensor<B, 2> {
        &self.catalog
    }

    /// Number of catalog items.
    pub fn num_items(&self) -> usize {
        self.catalog.dims()[0]
    }

    /// The `k` best items of the whole catalog for each request, leaving out its `exclude`d
    /// items (fewer than `k` if the catalog runs out).
    ///
    /// Errors if `k` is 0, an item id is outside the catalog, or a score is NaN. A batch of at
    /// least 64 requests is split across the machine's cores.
    pub fn recommend(
        &self,
        requests: &[Request],
        k: usize,
        explain: bool,
    ) -> Result<Vec<Recommendation>>
    where
        Self: Sync,
    {
        if k == 0 {
            return Err(ModelError::InvalidInput {
                name: "k",
                message: "must be positive".into(),
            });
        }
        let n = self.num_items();
        for request in requests {
            check_items("exclude", &request.exclude, n)?;
        }
        let threads = serving_threads(requests.len());
        if threads <= 1 {
            return self.recommend_checked(requests, k, explain);
        }
        // burn's CPU kernels use a second core only inside large matmuls, so a big batch is
        // split across cores here; each part is an independent batch with its own padding,
        // which never changes a result (padding is masked).
        let part = requests.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let workers: Vec<_> = requests
                .chunks(part)
                .map(|chunk| scope.spawn(move || self.recommend_checked(chunk, k, explain)))
                .collect();
            let mut answers = Vec::with_capacity(requests.len());
            for worker in workers {
                let part = worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
                answers.extend(part);
            }
            Ok(answers)
        })
    }

    /// [`recommend`](Self::recommend) for checked requests, in one batch.
    fn recommend_checked(
        &self,
        requests: &[Request],
        k: usize,
        explain: bool,
    ) -> Result<Vec<Recommendation>> {
        let n = self.num_items();
        let (batch, output) = self.queries(requests, explain)?;
        let scores = self.scores(output.query, self.catalog.clone())?;
        let mut excluded = vec![false; n];
        let mut answers = Vec::with_capacity(requests.len());
        for (row, request) in requests.iter().enumerate() {
            for &item in &request.exclude {
                excluded[item as usize] = true;
            }
            let row_scores = &scores[row * n..(row + 1) * n];
            let pool = (0..n as u32).filter(|&item| !excluded[item as usize]);
            answers.push(top_k(pool.map(|item| (item, row_scores[item as usize])), k));
            for &item in &request.exclude {
                excluded[item as usize] = false;
            }
        }
        finish(answers, output.attention.as_ref(), &batch)
    }

    /// Ranks each request's own candidate list (all of it, best first).
    ///
    /// Errors if the lists and requests differ in number, a candidate is outside the catalog, or
    /// a score is NaN. `exclude` is ignored: the candidates are what the caller asks about.
    pub fn rerank(
        &self,
        requests: &[Request],
        candidates: &[Vec<u32>],
        explain: bool,
    ) -> Result<Vec<Recommendation>> {
        if candidates.len() != requests.len() {
            return Err(ModelError::InvalidInput {
                name: "candidates",
                message: format!("{} lists for {} requests", candidates.len(), requests.len()),
            });
        }
        let mut pool = ItemSet::new(self.num_items());
        let rows = candidates
            .iter()
            .map(|list| pool.insert_all(list))
            .collect::<Result<Vec<_>>>()?;
        let (batch, output) = self.queries(requests, explain)?;
        let device = self.catalog.device();
        let table = self.catalog.clone().select(
            0,
            rows_tensor(pool.ids(), self.num_items(), "candidates", &device)?,
        );
        let m = pool.len();
        let scores = self.scores(output.query, table)?;
        let answers = candidates
            .iter()
            .zip(&rows)
            .enumerate()
            .map(|(row, (list, list_rows))| {
                let scored = list
                    .iter()
                    .zip(list_rows)
                    .map(|(&item, &r)| (item, scores[row * m + r as usize]));
                top_k(scored, list.len())
            })
            .collect();
        finish(answers, output.attention.as_ref(), &batch)
    }

    fn queries(
        &self,
        requests: &[Request],
        explain: bool,
    ) -> Result<(QueryBatch<B>, QueryOutput<B>)> {
        let instructions: Vec<Instruction> =
            requests.iter().map(|r| r.instruction.clone()).collect();
        let histories: Vec<Vec<u32>> = requests.iter().map(|r| r.history.clone()).collect();
        let mut items = ItemSet::full(self.num_items());
        let batch = self
            .model
            .batch_builder()
            .build(
                &instructions,
                &histories,
                &mut items,
                &self.catalog.device(),
            )?
            .with_attention(explain);
        let output = self.model.encode_query(&batch, self.catalog.clone())?;
        Ok((batch, output))
    }

    /// Scores as a row-major CPU vector; errors on NaN.
    fn scores(&self, queries: Tensor<B, 2>, items: Tensor<B, 2>) -> Result<Vec<f32>> {
        let scores = self
            .head
            .score(queries, items)
            .into_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .map_err(|e| ModelError::InvalidInput {
                name: "scores",
                message: format!("{e:?}"),
            })?;
        if scores.iter().any(|s| s.is_nan()) {
            return Err(ModelError::InvalidInput {
                name: "scores",
                message: "the head produced NaN scores".into(),
            });
        }
        Ok(scores)
    }
}

fn finish<B: Backend>(
    answers: Vec<Vec<ScoredItem>>,
    attention: Option<&QueryAttention<B>>,
    batch: &QueryBatch<B>,
) -> Result<Vec<Recommendation>> {
    let explanations = match attention {
        Some(attention) => explain(attention, batch)?.into_iter().map(Some).collect(),
        None => vec![None; answers.len()],
    };
    Ok(answers
        .into_iter()
        .zip(explanations)
        .map(|(items, explanation)| Recommendation { items, explanation })
        .collect())
}

fn check_items(name: &'static str, items: &[u32], n: usize) -> Result<()> {
    match items.iter().find(|&&item| item as usize >= n) {
        Some(bad) => Err(ModelError::InvalidInput {
            name,
            message: format!("item id {bad} is outside the catalog of {n} items"),
        }),
        None => Ok(()),
    }
}

/// Best first, ties to the lower id.
fn rank(a: &ScoredItem, b: &ScoredItem) -> Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.item.cmp(&b.item))
}

/// The `k` best `(item, score)` pairs, best first.
///
/// Serving ranks the whole catalog for every request, so this must not copy the catalog: it
/// keeps a buffer of at most `2k` pairs, cuts it back to the best `k` by partial selection when
/// full, and from then on admits only pairs that beat the `k`-th best so far (on a 24K catalog,
/// almost every pair is rejected by that one comparison).
fn top_k(pool: impl Iterator<Item = (u32, f32)>, k: usize) -> Vec<ScoredItem> {
    if k == 0 {
        return Vec::new();
    }
    let capacity = k.saturating_mul(2).max(1);
    let mut best: Vec<ScoredItem> = Vec::with_capacity(capacity);
    let mut floor: Option<ScoredItem> = None;
    for (item, score) in pool {
        let candidate = ScoredItem { item, score };
        if floor.is_some_and(|floor| rank(&candidate, &floor) != Ordering::Less) {
            continue;
        }
        best.push(candidate);
        if best.len() == capacity {
            best.select_nth_unstable_by(k - 1, rank);
            best.truncate(k);
            floor = Some(best[k - 1]);
        }
    }
    if best.len() > k {
        best.select_nth_unstable_by(k - 1, rank);
        best.truncate(k);
    }
    best.sort_unstable_by(rank);
    best
}

fn explain<B: Backend>(
    attention: &QueryAttention<B>,
    batch: &QueryBatch<B>,
) -> Result<Vec<Explanation>> {
    let to_vec = |t: &Tensor<B, 2>| {
        t.to_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .map_err(|e| ModelError::InvalidInput {
                name: "attention",
                message: format!("{e:?}"),
            })
    };
    let (history, instruction) = (to_vec(&attention.history)?, to_vec(&attention.instruction)?);
    let layout = batch.layout();
    let (lh, li) = (layout.history_len(), layout.instruction_len());
    Ok(batch
        .histories()
        .iter()
        .zip(layout.instruction_lengths())
        .enumerate()
        .map(|(row, (items, &n_instr))| {
            let mut weights: Vec<ScoredItem> = items
                .iter()
                .enumerate()
                .map(|(t, &item)| ScoredItem {
                    item,
                    score: history[row * lh + t],
                })
                .collect();
            weights.sort_by(rank);
            Explanation {
                history: weights,
                instruction: instruction[row * li..row * li + n_instr].to_vec(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    #[test]
    fn top_k_equals_sorting_everything() {
        let mut rng = StdRng::seed_from_u64(3);
        for n in [0, 1, 5, 37, 1000] {
            // Few distinct scores, so ties (broken by id) are common.
            let pool: Vec<(u32, f32)> = (0..n)
                .map(|item| (item, f32::from(rng.random_range(0..20u8))))
                .collect();
            let mut sorted: Vec<ScoredItem> = pool
                .iter()
                .map(|&(item, score)| ScoredItem { item, score })
                .collect();
            sorted.sort_by(rank);
            for k in [0, 1, 3, 10, 64, 2000] {
                let expected = &sorted[..k.min(sorted.len())];
                assert_eq!(top_k(pool.iter().copied(), k), expected, "n {n}, k {k}");
            }
        }
    }
}
