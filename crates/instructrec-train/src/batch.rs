//! Assembling one training step from examples: the query batch, the item set and the targets of
//! every (task, form) group.
//!
//! The CPU-side buffers live in a [`StepBatcher`] and are cleared, not reallocated, between
//! steps; only the tensors of the step are new.

use burn::prelude::*;
use burn::tensor::TensorData;
use instructrec_instruct::TaskKind;
use instructrec_model::heads::{MatchingHead, PopularitySampler};
use instructrec_model::{InstructRec, ItemSet, QueryBatch};
use rand::rngs::StdRng;

use crate::substitution::HistorySubstitution;
use crate::{Example, ExampleForm, Result, TrainError, TrainingExamples};

const FORMS: [ExampleForm; 4] = [
    ExampleForm::EveryPrefix,
    ExampleForm::Matching,
    ExampleForm::Reranking,
    ExampleForm::Pointwise,
];

/// The examples of one (task, form) pair in a batch.
#[derive(Debug, Default, Clone)]
pub(crate) struct Group {
    /// [`ExampleForm::EveryPrefix`]: flattened history slots, one per (slot, target) pair;
    /// otherwise batch rows.
    pub queries: Vec<u32>,
    /// Catalog ids of the positives (matching forms), or item-table rows of the candidates
    /// (reranking: `queries.len() × list length`; pointwise: one per query).
    pub items: Vec<u32>,
    /// Reranking: index of the target in each list; pointwise: 1 yes / 0 no.
    pub labels: Vec<u32>,
    /// Item-table rows of the positives (matching forms), filled by the matching plan.
    pub positive_rows: Vec<u32>,
    /// Reranking: length of each candidate list.
    pub list_len: usize,
}

impl Group {
    fn clear(&mut self) {
        self.queries.clear();
        self.items.clear();
        self.labels.clear();
        self.positive_rows.clear();
        self.list_len = 0;
    }

    /// Number of supervised queries.
    pub fn len(&self) -> usize {
        self.queries.len()
    }
}

/// Reusable buffers that turn a list of example indices into a step's inputs.
#[derive(Debug)]
pub(crate) struct StepBatcher {
    tokens: Vec<Vec<u32>>,
    histories: Vec<Vec<u32>>,
    groups: Vec<Group>,
    positives: Vec<u32>,
}

/// What one step feeds the model and the heads.
#[derive(Debug)]
pub(crate) struct StepInputs<B: Backend> {
    /// The query batch (instruction tokens and history rows).
    pub batch: QueryBatch<B>,
    /// The items whose vectors the step computes, by row.
    pub items: ItemSet,
    /// Log-probabilities of the matching table's rows under the negative sampler (log-Q).
    pub log_q: Option<Vec<f32>>,
}

impl StepBatcher {
    /// Empty buffers.
    pub fn new() -> Self {
        Self {
            tokens: Vec::new(),
            histories: Vec::new(),
            groups: vec![Group::default(); TaskKind::ALL.len() * FORMS.len()],
            positives: Vec::new(),
        }
    }

    /// The groups of the last assembled step, with their task and form.
    pub fn groups(&self) -> impl Iterator<Item = (TaskKind, ExampleForm, &Group)> + '_ {
        self.groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.len() > 0)
            .map(|(i, group)| {
                (
                    TaskKind::ALL[i / FORMS.len()],
                    FORMS[i % FORMS.len()],
                    group,
                )
            })
    }

    /// Assembles the examples `indices` of `examples` into a step for `model`, their histories
    /// passed through `substitution`.
    ///
    /// Errors if an index is not an example of `examples`, or an example does not fit the model
    /// (a token outside its vocabulary, an item outside its catalog).
    #[allow(clippy::too_many_arguments)]
    pub fn assemble<B: Backend>(
        &mut self,
        examples: &TrainingExamples,
        indices: &[usize],
        model: &InstructRec<B>,
        matching: &MatchingHead,
        sampler: Option<&PopularitySampler>,
        substitution: &mut HistorySubstitution,
        rng: &mut StdRng,
        device: &B::Device,
    ) -> Result<StepInputs<B>> {
        let n = indices.len();
        if self.tokens.len() < n {
            self.tokens.resize_with(n, Vec::new);
            self.histories.resize_with(n, Vec::new);
        }
        for group in &mut self.groups {
            group.clear();
        }
        // Looked up once and all-or-nothing: skipping a bad index would shift every later row
        // and leave a previous step's tokens and history in the last rows.
        let batch_examples = indices
            .iter()
            .map(|&i| {
                examples.get(i).ok_or_else(|| {
                    TrainError::NoData(format!(
                        "example {i} does not exist (there are {})",
                        examples.len()
                    ))
                })
            })
            .collect::<Result<Vec<Example<'_>>>>()?;
        for (row, example) in batch_examples.iter().enumerate() {
            self.tokens[row].clear();
            self.tokens[row].extend_from_slice(example.tokens);
            self.histories[row].clear();
            self.histories[row].extend_from_slice(example.history);
            substitution.apply(&mut self.histories[row]);
        }
        let num_items = model.config().num_items();
        let mut items = ItemSet::new(num_items);
        let batch: QueryBatch<B> = model.batch_builder().tokens(
            &self.tokens[..n],
            &self.histories[..n],
            &mut items,
            device,
        )?;
        let width = batch.layout().history_len() as u32;
        for (row, example) in batch_examples.iter().enumerate() {
            let row = row as u32;
            let group = &mut self.groups[group_index(example.task, example.form)];
            match example.form {
                ExampleForm::EveryPrefix => {
                    for slot in 0..example.history.len() {
                        let next = example.targets.iter().skip(slot).take(example.next_items);
                        for &target in next {
                            group.queries.push(row * width + slot as u32);
                            group.items.push(target);
                        }
                    }
                }
                ExampleForm::Matching => {
                    group.queries.push(row);
                    group.items.extend_from_slice(example.targets);
                }
                ExampleForm::Reranking | ExampleForm::Pointwise => {
                    group.queries.push(row);
                    group.labels.push(example.label);
                    group.list_len = example.candidates.len();
                    for &candidate in example.candidates {
                        group.items.push(items.insert(candidate)?);
                    }
                }
            }
        }
        // The matching plan runs last, so its negatives (and log-Q) cover every table row.
        let matching_groups: Vec<usize> = (0..self.groups.len())
            .filter(|&i| {
                matches!(
                    FORMS[i % FORMS.len()],
                    ExampleForm::EveryPrefix | ExampleForm::Matching
                ) && self.groups[i].len() > 0
            })
            .collect();
        self.positives.clear();
        for &i in &matching_groups {
            self.positives.extend_from_slice(&self.groups[i].items);
        }
        let target = matching.plan(&mut items, &self.positives, sampler, rng)?;
        let mut rows = target.positives.iter().copied();
        for &i in &matching_groups {
            let group = &mut self.groups[i];
            group
                .positive_rows
                .extend(rows.by_ref().take(group.items.len()));
        }
        Ok(StepInputs {
            batch,
            items,
            log_q: target.log_q,
        })
    }
}

/// The position of `task` in [`TaskKind::ALL`].
///
/// An exhaustive match, so a new task cannot silently share another's slot: it fails to compile
/// here (and the test checks the order against `ALL`).
pub(crate) fn task_index(task: TaskKind) -> usize {
    match task {
        TaskKind::Sequential => 0,
        TaskKind::ProductSearch => 1,
        TaskKind::PersonalizedSearch => 2,
        TaskKind::VagueIntent => 3,
        TaskKind::ExplicitPreference => 4,
        TaskKind::Pointwise => 5,
    }
}

/// The position of `form` in [`FORMS`] (exhaustive, like [`task_index`]).
fn form_index(form: ExampleForm) -> usize {
    match form {
        ExampleForm::EveryPrefix => 0,
        ExampleForm::Matching => 1,
        ExampleForm::Reranking => 2,
        ExampleForm::Pointwise => 3,
    }
}

/// The slot of a (task, form) pair in [`StepBatcher`]'s groups.
fn group_index(task: TaskKind, form: ExampleForm) -> usize {
    task_index(task) * FORMS.len() + form_index(form)
}

/// `values` as an `Int` tensor of rows or slots.
pub(crate) fn index_tensor<B: Backend>(values: &[u32], device: &B::Device) -> Tensor<B, 1, Int> {
    let data: Vec<i64> = values.iter().map(|&v| i64::from(v)).collect();
    Tensor::from_data(TensorData::new(data, [values.len()]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_follow_the_orders_the_groups_are_read_back_in() {
        for (i, &task) in TaskKind::ALL.iter().enumerate() {
            assert_eq!(task_index(task), i);
        }
        for (i, &form) in FORMS.iter().enumerate() {
            assert_eq!(form_index(form), i);
        }
    }
}
