//! The model as an evaluation [`Scorer`]: queries encoded per batch of cases, scored against the
//! cached catalog matrix.

use burn::prelude::*;
use instructrec_metrics::{BoxedError, EvalCase, Scorer};
use instructrec_model::{InstructRec, ItemSet, RecommenderHead};

use crate::{EvalQueries, TrainError};

/// Scores every catalog item for the cases of an [`EvalQueries`] with an inference model and the
/// score function of a head.
///
/// The catalog matrix is computed once ([`InstructRec::encode_catalog`]); each batch of cases
/// then costs one query-tower pass and one `[batch, num_items]` score matrix.
pub struct ModelScorer<'a, B: Backend, H> {
    model: &'a InstructRec<B>,
    head: &'a H,
    catalog: Tensor<B, 2>,
    queries: &'a EvalQueries,
    device: B::Device,
    tokens: Vec<Vec<u32>>,
    histories: Vec<Vec<u32>>,
}

impl<'a, B: Backend, H: RecommenderHead<B>> ModelScorer<'a, B, H> {
    /// A scorer of `queries` by `model` (use an inference model: `trained.valid()`), with the
    /// catalog matrix `catalog` (row = item id), e.g. from [`InstructRec::encode_catalog`].
    ///
    /// # Shapes
    /// - `catalog`: `[num_items, d_model]`, with `d_model` the model's width and `num_items` the
    ///   catalog the evaluator ranks over
    pub fn new(
        model: &'a InstructRec<B>,
        head: &'a H,
        catalog: Tensor<B, 2>,
        queries: &'a EvalQueries,
        device: &B::Device,
    ) -> Self {
        Self {
            model,
            head,
            catalog,
            queries,
            device: device.clone(),
            tokens: Vec::new(),
            histories: Vec::new(),
        }
    }
}

impl<B: Backend, H: RecommenderHead<B>> Scorer for ModelScorer<'_, B, H> {
    fn score_all(&mut self, cases: &[EvalCase<'_>]) -> Result<Vec<f32>, BoxedError> {
        let n = cases.len();
        if self.tokens.len() < n {
            self.tokens.resize_with(n, Vec::new);
            self.histories.resize_with(n, Vec::new);
        }
        for (row, case) in cases.iter().enumerate() {
            let query = self.queries.query(case.user).ok_or_else(|| {
                TrainError::NoData(format!(
                    "no {} query for user {}",
                    self.queries.task(),
                    case.user
                ))
            })?;
            self.tokens[row].clear();
            self.tokens[row].extend_from_slice(query.tokens);
            self.histories[row].clear();
            self.histories[row].extend_from_slice(query.history);
        }
        let mut items = ItemSet::full(self.catalog.dims()[0]);
        let batch = self.model.batch_builder().tokens::<B>(
            &self.tokens[..n],
            &self.histories[..n],
            &mut items,
            &self.device,
        )?;
        let output = self.model.encode_query(&batch, self.catalog.clone())?;
        let scores = self.head.score(output.query, self.catalog.clone());
        scores
            .into_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .map_err(|e| format!("reading scores back: {e:?}").into())
    }
}
