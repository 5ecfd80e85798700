//! The multi-task loss of a step: every (task, form) group through its head, weighted by task.

use burn::prelude::*;
use instructrec_fusion::ItemFeatures;
use instructrec_instruct::TaskKind;
use instructrec_model::heads::{
    MatchingHead, MatchingTarget, PointwiseHead, PointwiseTarget, RerankingHead, RerankingTarget,
};
use instructrec_model::{InstructRec, QueryOutput, RecommenderHead};

use crate::batch::{index_tensor, task_index, Group, StepBatcher, StepInputs};
use crate::{ExampleForm, Result, TaskMix};

/// The heads a training step uses.
#[derive(Debug, Clone)]
pub(crate) struct Heads {
    pub matching: MatchingHead,
    pub reranking: RerankingHead,
}

/// The loss of the step assembled in `batcher`.
///
/// Each group's head gives its mean loss; a task's loss is the mean over all its supervised
/// queries, and the step's loss is the task-weight-averaged loss of the tasks in the batch.
///
/// # Shapes
/// - output: `[1]`
pub(crate) fn step_loss<B: Backend>(
    model: &InstructRec<B>,
    features: &ItemFeatures,
    heads: &Heads,
    mix: &TaskMix,
    batcher: &StepBatcher,
    inputs: StepInputs<B>,
    device: &B::Device,
) -> Result<Tensor<B, 1>> {
    let table = model.item_table(features, &inputs.items, device)?;
    let output = model.encode_query(&inputs.batch, table.clone())?;
    let mut task_queries = [0usize; TaskKind::ALL.len()];
    for (task, _, group) in batcher.groups() {
        task_queries[task_index(task)] += group.len();
    }
    let weight_sum: f64 = TaskKind::ALL
        .iter()
        .zip(&task_queries)
        .filter(|(_, &n)| n > 0)
        .map(|(&task, _)| mix.weight(task))
        .sum();
    let mut total: Option<Tensor<B, 1>> = None;
    for (task, form, group) in batcher.groups() {
        let weight = mix.weight(task) * group.len() as f64
            / task_queries[task_index(task)] as f64
            / weight_sum;
        let loss = group_loss(
            heads,
            form,
            group,
            &output,
            table.clone(),
            &inputs.log_q,
            device,
        )? * weight;
        total = Some(match total {
            Some(total) => total + loss,
            None => loss,
        });
    }
    Ok(total.unwrap_or_else(|| Tensor::zeros([1], device)))
}

fn group_loss<B: Backend>(
    heads: &Heads,
    form: ExampleForm,
    group: &Group,
    output: &QueryOutput<B>,
    table: Tensor<B, 2>,
    log_q: &Option<Vec<f32>>,
    device: &B::Device,
) -> Result<Tensor<B, 1>> {
    let queries = match form {
        ExampleForm::EveryPrefix => output.positions(&group.queries)?,
        _ => output
            .query
            .clone()
            .select(0, index_tensor(&group.queries, device)),
    };
    Ok(match form {
        ExampleForm::EveryPrefix | ExampleForm::Matching => heads.matching.loss(
            queries,
            table,
            &MatchingTarget {
                positives: group.positive_rows.clone(),
                log_q: log_q.clone(),
            },
        )?,
        ExampleForm::Reranking => heads.reranking.loss(
            queries,
            table,
            &RerankingTarget {
                candidates: group.items.clone(),
                num_candidates: group.list_len,
                labels: group.labels.clone(),
            },
        )?,
        ExampleForm::Pointwise => PointwiseHead.loss(
            queries,
            table,
            &PointwiseTarget {
                items: group.items.clone(),
                labels: group.labels.iter().map(|&label| label == 1).collect(),
            },
        )?,
    })
}
