//! The pointwise task at test time: "will the user enjoy X?" for each user's held-out target
//! (yes) and one item the user never touched (no), answered by the model's yes-logit.

use burn::prelude::*;
use instructrec_data::{DataError, Sampler, Split, Stage, UniformSampler};
use instructrec_instruct::{
    InstructError, InstructionGenerator, InstructionRequest, TaskKind, TextTokenizer,
};
use instructrec_metrics::{BoxedError, PointwiseCase, PointwiseScorer, UserItemPair};
use instructrec_model::{InstructRec, ItemSet};
use instructrec_train::{instruction_tokenizer, tokenize_in_chunks, DataConfig};
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::Result;

/// The test questions of the pointwise task, two per user, with their instruction tokens and the
/// history window the query tower reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PointwiseQueries {
    cases: Vec<PointwiseCase>,
    tokens: Vec<Vec<u32>>,
    histories: Vec<Vec<u32>>,
    users: usize,
    skipped: usize,
}

impl PointwiseQueries {
    /// The questions of the test stage of `split`.
    ///
    /// `generator` must read only what precedes the test stage. The negative item and the
    /// instructions' wording are drawn from one generator seeded with
    /// [`DataConfig::eval_seed`], in case order. Users whose question cannot be stated (no
    /// history) or who touched every item are skipped and counted.
    pub fn prepare(
        split: &Split<'_>,
        generator: &dyn InstructionGenerator,
        tokenizer: &TextTokenizer,
        data: &DataConfig,
    ) -> Result<Self> {
        let tokenizer = instruction_tokenizer(tokenizer, data.max_instruction_tokens)?;
        let sampler = UniformSampler::new(split.dataset())?;
        let mut rng = StdRng::seed_from_u64(data.eval_seed);
        let mut out = Self {
            cases: Vec::new(),
            tokens: Vec::new(),
            histories: Vec::new(),
            users: 0,
            skipped: 0,
        };
        let mut texts = Vec::new();
        'cases: for case in split.cases(Stage::Test) {
            let negative = match sampler.sample(case.user, 1, &mut rng) {
                Ok(items) => items[0],
                Err(DataError::NotEnoughNegatives { .. }) => {
                    out.skipped += 1;
                    continue;
                }
                Err(other) => return Err(other.into()),
            };
            let mut pair = Vec::with_capacity(2);
            for (item, label) in [(case.target, true), (negative, false)] {
                let request = InstructionRequest::new(
                    TaskKind::Pointwise,
                    case.user,
                    case.history.len(),
                    item,
                );
                match generator.generate(&request, &mut rng) {
                    Ok(instruction) => pair.push((item, label, instruction.text)),
                    Err(InstructError::EmptyHistory { .. } | InstructError::Unavailable { .. }) => {
                        out.skipped += 1;
                        continue 'cases;
                    }
                    Err(other) => return Err(other.into()),
                }
            }
            let keep = case.history.len().min(data.max_history);
            let history = case.history[case.history.len() - keep..].to_vec();
            for (item, label, text) in pair {
                out.cases.push(PointwiseCase {
                    user: case.user,
                    item,
                    label,
                });
                out.histories.push(history.clone());
                texts.push(text);
            }
            out.users += 1;
        }
        tokenize_in_chunks(&tokenizer, &texts, |tokens| {
            out.tokens.push(tokens.to_vec())
        })?;
        Ok(out)
    }

    /// The labelled questions, target first then negative for each user.
    pub fn cases(&self) -> impl Iterator<Item = PointwiseCase> + '_ {
        self.cases.iter().copied()
    }

    /// Users with a question.
    pub fn users(&self) -> usize {
        self.users
    }

    /// Users left out.
    pub fn skipped(&self) -> usize {
        self.skipped
    }
}

/// Answers [`PointwiseQueries`] with the logit `q · v_item` of the pointwise head (the
/// probability of "yes" is its sigmoid), in the queries' order.
pub(crate) struct ModelPointwiseScorer<'a, I: Backend> {
    model: &'a InstructRec<I>,
    catalog: &'a Tensor<I, 2>,
    queries: &'a PointwiseQueries,
    next: usize,
    device: I::Device,
}

impl<'a, I: Backend> ModelPointwiseScorer<'a, I> {
    /// A scorer of `queries` with an inference model and its catalog matrix.
    pub fn new(
        model: &'a InstructRec<I>,
        catalog: &'a Tensor<I, 2>,
        queries: &'a PointwiseQueries,
        device: &I::Device,
    ) -> Self {
        Self {
            model,
            catalog,
            queries,
            next: 0,
            device: device.clone(),
        }
    }
}

impl<I: Backend> PointwiseScorer for ModelPointwiseScorer<'_, I> {
    fn score_pairs(&mut self, pairs: &[UserItemPair]) -> Result<Vec<f32>, BoxedError> {
        let rows = self.next..self.next + pairs.len();
        let cases = self
            .queries
            .cases
            .get(rows.clone())
            .ok_or("more pointwise pairs asked for than were prepared")?;
        if cases
            .iter()
            .zip(pairs)
            .any(|(case, pair)| case.user != pair.user || case.item != pair.item)
        {
            return Err("pointwise pairs arrived in another order than prepared".into());
        }
        self.next = rows.end;
        let num_items = self.catalog.dims()[0];
        let batch = self.model.batch_builder().tokens::<I>(
            &self.queries.tokens[rows.clone()],
            &self.queries.histories[rows],
            &mut ItemSet::full(num_items),
            &self.device,
        )?;
        let query = self.model.encode_query(&batch, self.catalog.clone())?.query;
        let items: Vec<i64> = pairs.iter().map(|pair| i64::from(pair.item)).collect();
        let items =
            Tensor::<I, 1, Int>::from_data(TensorData::new(items, [pairs.len()]), &self.device);
        let logits = (query * self.catalog.clone().select(0, items)).sum_dim(1);
        logits
            .into_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .map_err(|e| format!("reading pointwise logits back: {e:?}").into())
    }
}
