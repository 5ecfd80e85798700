//! The gradients of one optimizer step, computed by model replicas on parallel threads.
//!
//! burn's CPU backends keep about 1.2 of 2 cores busy on one training step: much of a step is
//! small element-wise work and autodiff bookkeeping on the calling thread. Splitting the batch
//! into parts and running each part's forward and backward pass on its own replica and thread
//! keeps every core busy (data parallelism, as DDP does across GPUs). Each replica is a fork of
//! the model (same parameters and ids, its own autodiff graph), each part's mean loss is
//! weighted by its share of the batch, and the replicas' gradients are summed before the one
//! optimizer step.

use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use instructrec_fusion::dropout::seed_dropout;
use instructrec_fusion::ItemFeatures;
use instructrec_model::heads::PopularitySampler;
use instructrec_model::InstructRec;
use rand::rngs::StdRng;
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Barrier;

use crate::batch::{StepBatcher, StepInputs};
use crate::loss::{step_loss, Heads};
use crate::seeding::{derive_seed, rng, Stream};
use crate::substitution::HistorySubstitution;
use crate::{Result, TaskMix, TrainingExamples};

/// Most replicas a step may use (the dropout seed of a part packs the part into 8 bits).
pub(crate) const MAX_REPLICAS: usize = 64;

/// What every step of an epoch shares.
pub(crate) struct StepContext<'a, B: Backend> {
    pub examples: &'a TrainingExamples,
    pub features: &'a ItemFeatures,
    pub heads: &'a Heads,
    pub mix: &'a TaskMix,
    pub sampler: Option<&'a PopularitySampler>,
    /// [`TrainerConfig::history_substitution`](crate::TrainerConfig::history_substitution).
    pub history_substitution: f64,
    pub seed: u64,
    pub device: &'a B::Device,
}

/// The gradients and the loss of a step.
pub(crate) struct StepGradients<B: AutodiffBackend> {
    /// Gradients of the batch's loss, by parameter.
    pub grads: GradientsParams,
    /// The batch's loss (the share-weighted sum of the parts' mean losses).
    ///
    /// # Shapes
    /// - `[1]`
    pub loss: Tensor<B::InnerBackend, 1>,
}

/// One replica's share of a step.
struct Part<'a, B: Backend> {
    batcher: &'a StepBatcher,
    inputs: StepInputs<B>,
    /// The share of the batch's examples.
    share: f64,
    dropout_seed: u64,
}

/// Splits steps over up to `replicas` model replicas, with reusable buffers per replica.
#[derive(Debug)]
pub(crate) struct ReplicatedStep {
    batchers: Vec<StepBatcher>,
    /// One single-threaded pool per replica; empty for one replica, which runs on the calling
    /// thread with the backend's own intra-op threads.
    ///
    /// A replica's backend ops then run one after the other on its thread: ops that split their
    /// work over a shared pool would sum floats in an order that depends on how the replicas'
    /// tasks interleave, and the runs would differ in their last digits.
    pools: Vec<ThreadPool>,
}

impl ReplicatedStep {
    /// A step runner for `replicas` (1 to [`MAX_REPLICAS`], checked by the config) parts.
    ///
    /// Errors if the replicas' threads cannot be started.
    pub fn new(replicas: usize) -> Result<Self> {
        let pools = if replicas > 1 {
            (0..replicas)
                .map(|index| {
                    ThreadPoolBuilder::new()
                        .num_threads(1)
                        .thread_name(move |_| format!("instructrec-replica-{index}"))
                        .build()
                })
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        Ok(Self {
            batchers: (0..replicas).map(|_| StepBatcher::new()).collect(),
            pools,
        })
    }

    /// The gradients of the examples `chunk` at global step `step`.
    ///
    /// The parts are assembled in order on the calling thread (their negatives come from
    /// `negatives` in that order), and part `p` seeds its history substitution and its thread's
    /// dropout stream from `(seed, step, p)`: the result does not depend on how the threads are
    /// scheduled, and equals the parts' gradients computed one after the other.
    pub fn gradients<B: AutodiffBackend>(
        &mut self,
        model: &InstructRec<B>,
        chunk: &[usize],
        step: usize,
        negatives: &mut StdRng,
        context: &StepContext<'_, B>,
    ) -> Result<StepGradients<B>> {
        let part_len = chunk.len().div_ceil(self.batchers.len()).max(1);
        let mut parts = Vec::with_capacity(self.batchers.len());
        for (index, (examples, batcher)) in
            chunk.chunks(part_len).zip(&mut self.batchers).enumerate()
        {
            let part_index = (step as u64) << 8 | index as u64;
            let mut substitution = HistorySubstitution::new(
                context.history_substitution,
                model.config().num_items() as u32,
                rng(context.seed, Stream::HistorySubstitution, part_index),
            );
            let inputs = batcher.assemble(
                context.examples,
                examples,
                model,
                &context.heads.matching,
                context.sampler,
                &mut substitution,
                negatives,
                context.device,
            )?;
            parts.push(Part {
                batcher: &*batcher,
                inputs,
                share: examples.len() as f64 / chunk.len() as f64,
                dropout_seed: derive_seed(context.seed, Stream::Dropout, part_index),
            });
        }
        // No part starts its backward pass before every part has finished its forward pass.
        // burn 0.21's autodiff keeps all graphs in one locator and after each backward pass
        // frees the unused roots of every one of them (`GraphMutexClient`); a backward pass
        // that overlapped another replica's forward pass made repeat runs differ from the
        // seventh digit of the loss (4 of 8 test runs; 0 of 20 with the barrier). Where in burn
        // the bits go was not traced further.
        let forwards_done = Barrier::new(parts.len());
        let part_gradients = |replica: InstructRec<B>, part: Part<'_, B>| {
            seed_dropout(part.dropout_seed);
            // A panicking part must still reach the barrier, or the others would wait forever.
            let loss = panic::catch_unwind(AssertUnwindSafe(|| {
                step_loss(
                    &replica,
                    context.features,
                    context.heads,
                    context.mix,
                    part.batcher,
                    part.inputs,
                    context.device,
                )
            }));
            forwards_done.wait();
            let loss = loss.unwrap_or_else(|panic| panic::resume_unwind(panic))? * part.share;
            let value = loss.clone().inner();
            let grads = GradientsParams::from_grads(loss.backward(), &replica);
            Ok::<_, crate::TrainError>((grads, value))
        };
        let results: Vec<Result<(GradientsParams, Tensor<B::InnerBackend, 1>)>> =
            if self.pools.is_empty() {
                parts
                    .into_iter()
                    .map(|part| part_gradients(model.clone(), part))
                    .collect()
            } else {
                std::thread::scope(|scope| {
                    let mut parts = parts.into_iter().zip(&self.pools);
                    let first = parts.next();
                    let handles: Vec<_> = parts
                        .map(|(part, pool)| {
                            let replica = model.clone().fork(context.device);
                            scope.spawn(move || pool.install(|| part_gradients(replica, part)))
                        })
                        .collect();
                    let first = first
                        .map(|(part, pool)| pool.install(|| part_gradients(model.clone(), part)));
                    first
                        .into_iter()
                        .chain(handles.into_iter().map(|handle| {
                            handle
                                .join()
                                .unwrap_or_else(|panic| panic::resume_unwind(panic))
                        }))
                        .collect()
                })
            };
        let mut results = results.into_iter();
        let Some(first) = results.next() else {
            return Ok(StepGradients {
                grads: GradientsParams::new(),
                loss: Tensor::zeros([1], context.device),
            });
        };
        let (mut grads, mut loss) = first?;
        if results.len() > 0 {
            let mut accumulator = GradientsAccumulator::<InstructRec<B>>::new();
            accumulator.accumulate(model, grads);
            for result in results {
                let (part_grads, part_loss) = result?;
                accumulator.accumulate(model, part_grads);
                loss = loss + part_loss;
            }
            grads = accumulator.grads();
        }
        Ok(StepGradients { grads, loss })
    }
}
