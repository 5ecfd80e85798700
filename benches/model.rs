//! Cost of the attention recommender on the CPU, on synthetic data of the shapes that matter:
//!
//! - `train_step/<backend>/<head>`: one AdamW step of a SASRec-sized model (batch 128, history 50,
//!   d 64, 2 layers, 2 heads, FFN 256, ID-only item tower, no instruction) trained on every prefix
//!   (6,400 queries), with a full softmax over 1,683 items or a sampled softmax (in-batch items +
//!   512 popularity draws, log-Q corrected), on `Autodiff<Flex>` and `Autodiff<NdArray>`;
//! - `train_step_instruct/flex/full`: the same with an ID + title item tower and 8 instruction
//!   tokens embedded with the shared token table;
//! - `forward/<backend>/<batch>`: query tower forward pass (history 50, 8 instruction tokens) for
//!   1 and 256 requests;
//! - `top10/<items>`: one request end to end on the default backend (batch building, query tower,
//!   one score matmul against the cached catalog, exclusion of the 50 history items, top-10), over
//!   1,683 and 24,000 items.
//!
//! Run: `cargo bench --bench model`.

use std::time::Duration;

use burn::backend::{Autodiff, Flex, NdArray};
use burn::module::AutodiffModule;
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use instructrec_data::Catalog;
use instructrec_fusion::{ItemFeatures, ItemFeaturesConfig, ItemTowerConfig, Modalities};
use instructrec_model::heads::{
    MatchingHead, MatchingHeadConfig, Negatives, PointwiseHead, PopularitySampler,
    PopularitySamplerConfig,
};
use instructrec_model::{
    CatalogIndex, CpuBackend, InstructRec, InstructRecConfig, Instruction,
    InstructionEncoderConfig, ItemSet, QueryTowerConfig, RecommenderHead, Request,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const ML100K_ITEMS: usize = 1_683;
const GAMES_ITEMS: usize = 24_000;
const BATCH: usize = 128;
const HISTORY: usize = 50;
const INSTRUCTION: usize = 8;
const VOCAB: usize = 500;

/// Word ids `w<k>` -> `k + 1` (0 stays padding).
fn tokenize(text: &str) -> Vec<u32> {
    text.split_whitespace()
        .filter_map(|w| w.strip_prefix('w')?.parse::<u32>().ok())
        .map(|k| k + 1)
        .collect()
}

/// `n` items titled with three random words.
fn features(n: usize, rng: &mut StdRng) -> ItemFeatures {
    let mut catalog = Catalog::new();
    for i in 0..n {
        let idx = catalog.intern(&format!("item{i}"));
        let words: Vec<String> = (0..3)
            .map(|_| format!("w{}", rng.random_range(0..VOCAB - 1)))
            .collect();
        catalog.get_mut(idx).unwrap().title = Some(words.join(" "));
    }
    ItemFeatures::from_catalog(&catalog, &ItemFeaturesConfig::new(), tokenize).unwrap()
}

/// d 64, 2 layers, 2 heads, FFN 256; ID-only (`instruct = false`) or ID + title items with
/// shared instruction tokens.
fn config(features: &ItemFeatures, instruct: bool) -> InstructRecConfig {
    let mut dims = features.dims();
    dims.vocab_size = VOCAB;
    let modalities = if instruct {
        Modalities::available(&dims)
    } else {
        Modalities::id_only()
    };
    let query_tower = QueryTowerConfig::new(64)
        .with_n_layers(2)
        .with_n_heads(2)
        .with_d_ff(256)
        .with_dropout(0.2)
        .with_max_history(HISTORY)
        .with_max_instruction_tokens(INSTRUCTION);
    let instruction = if instruct {
        InstructionEncoderConfig::SharedTokens
    } else {
        // Never fed: the SASRec-sized runs have empty instructions (one padding slot).
        InstructionEncoderConfig::Pretrained { d_input: 64 }
    };
    InstructRecConfig::new(
        ItemTowerConfig::new(64, dims, modalities).with_dropout(0.2),
        query_tower,
    )
    .with_instruction(instruction)
}

/// Random histories of `HISTORY + 1` items (the last one is the query token's target) and
/// instructions of `INSTRUCTION` tokens (empty when `instruct` is false).
struct Data {
    histories: Vec<Vec<u32>>,
    targets: Vec<u32>,
    instructions: Vec<Instruction>,
}

fn data(n_items: usize, batch: usize, instruct: bool, rng: &mut StdRng) -> Data {
    let histories: Vec<Vec<u32>> = (0..batch)
        .map(|_| {
            (0..=HISTORY)
                .map(|_| rng.random_range(0..n_items as u32))
                .collect()
        })
        .collect();
    let instructions = (0..batch)
        .map(|_| {
            if instruct {
                Instruction::Tokens(
                    (0..INSTRUCTION)
                        .map(|_| rng.random_range(1..VOCAB as u32))
                        .collect(),
                )
            } else {
                Instruction::States(instructrec_model::TokenStates::new(Vec::new(), 64).unwrap())
            }
        })
        .collect();
    Data {
        targets: histories.iter().map(|h| h[HISTORY]).collect(),
        histories: histories
            .into_iter()
            .map(|h| h[..HISTORY].to_vec())
            .collect(),
        instructions,
    }
}

struct Trainer<B: AutodiffBackend, O> {
    model: Option<InstructRec<B>>,
    optimizer: O,
    features: ItemFeatures,
    head: MatchingHead,
    sampler: PopularitySampler,
    data: Data,
    rng: StdRng,
}

impl<B: AutodiffBackend, O: Optimizer<InstructRec<B>, B>> Trainer<B, O> {
    /// One step on every prefix (SASRec-style) plus the query token, returning the loss.
    fn step(&mut self) -> f32 {
        let device = B::Device::default();
        let model = self.model.take().unwrap();
        let mut items = ItemSet::new(self.features.num_items());
        let batch = model
            .batch_builder()
            .build::<B>(
                &self.data.instructions,
                &self.data.histories,
                &mut items,
                &device,
            )
            .unwrap();
        let prefixes = batch.prefix_targets();
        let positives: Vec<u32> = prefixes
            .items
            .iter()
            .chain(&self.data.targets)
            .copied()
            .collect();
        let target = self
            .head
            .plan(&mut items, &positives, Some(&self.sampler), &mut self.rng)
            .unwrap();
        let table = model.item_table(&self.features, &items, &device).unwrap();
        let out = model.encode_query(&batch, table.clone()).unwrap();
        let queries = Tensor::cat(vec![out.positions(&prefixes.slots).unwrap(), out.query], 0);
        let loss = self.head.loss(queries, table, &target).unwrap();
        let value = loss.clone().into_scalar().elem::<f32>();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optimizer.step(1e-3, model, grads));
        value
    }
}

fn trainer<B: AutodiffBackend>(
    negatives: Negatives,
    instruct: bool,
) -> Trainer<B, impl Optimizer<InstructRec<B>, B>> {
    let mut rng = StdRng::seed_from_u64(7);
    let features = features(ML100K_ITEMS, &mut rng);
    let model = config(&features, instruct)
        .init::<B>(&Default::default())
        .unwrap();
    let counts: Vec<u32> = (0..ML100K_ITEMS as u32).map(|i| 1 + i % 97).collect();
    Trainer {
        model: Some(model),
        optimizer: AdamWConfig::new().init(),
        head: MatchingHeadConfig::new()
            .with_negatives(negatives)
            .init()
            .unwrap(),
        sampler: PopularitySamplerConfig::new().init(&counts).unwrap(),
        data: data(ML100K_ITEMS, BATCH, instruct, &mut rng),
        features,
        rng,
    }
}

fn heads() -> [(&'static str, Negatives); 2] {
    [
        ("full", Negatives::Full),
        ("sampled", Negatives::Sampled { num_negatives: 512 }),
    ]
}

fn train_on<B: AutodiffBackend>(c: &mut Criterion, backend: &str) {
    let mut group = c.benchmark_group("train_step");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(3))
        .measurement_time(Duration::from_secs(15));
    for (name, negatives) in heads() {
        let mut trainer = trainer::<B>(negatives, false);
        group.bench_function(BenchmarkId::new(backend, name), |b| {
            b.iter(|| trainer.step())
        });
    }
    group.finish();
}

fn train_step(c: &mut Criterion) {
    train_on::<Autodiff<Flex>>(c, "flex");
    train_on::<Autodiff<NdArray>>(c, "ndarray");
    let mut group = c.benchmark_group("train_step_instruct");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(3))
        .measurement_time(Duration::from_secs(15));
    let mut trainer = trainer::<Autodiff<Flex>>(Negatives::Full, true);
    group.bench_function("flex/full", |b| b.iter(|| trainer.step()));
    group.finish();
}

fn forward_on<B: Backend>(c: &mut Criterion, backend: &str) {
    let mut rng = StdRng::seed_from_u64(11);
    let features = features(ML100K_ITEMS, &mut rng);
    let device = Default::default();
    let model = config(&features, true).init::<B>(&device).unwrap();
    let catalog = model.encode_catalog(&features, 4096, &device).unwrap();
    let mut group = c.benchmark_group("forward");
    for batch_size in [1, 256] {
        let data = data(ML100K_ITEMS, batch_size, true, &mut rng);
        group.bench_function(BenchmarkId::new(backend, batch_size), |b| {
            b.iter(|| {
                let batch = model
                    .batch_builder()
                    .build::<B>(
                        &data.instructions,
                        &data.histories,
                        &mut ItemSet::full(ML100K_ITEMS),
                        &device,
                    )
                    .unwrap();
                let query = model.encode_query(&batch, catalog.clone()).unwrap().query;
                query.into_data()
            })
        });
    }
    group.finish();
}

fn forward(c: &mut Criterion) {
    forward_on::<Flex>(c, "flex");
    forward_on::<NdArray>(c, "ndarray");
}

fn top10(c: &mut Criterion) {
    let mut group = c.benchmark_group("top10");
    for n_items in [ML100K_ITEMS, GAMES_ITEMS] {
        let mut rng = StdRng::seed_from_u64(13);
        let features = features(n_items, &mut rng);
        let device = Default::default();
        let model = config(&features, true)
            .init::<Autodiff<CpuBackend>>(&device)
            .unwrap()
            .valid();
        let index = CatalogIndex::new(model, &features, PointwiseHead, &device).unwrap();
        let single = data(n_items, 1, true, &mut rng);
        let request = Request {
            instruction: single.instructions[0].clone(),
            history: single.histories[0].clone(),
            exclude: single.histories[0].clone(),
        };
        group.bench_function(BenchmarkId::from_parameter(n_items), |b| {
            b.iter(|| {
                index
                    .recommend(std::slice::from_ref(&request), 10, false)
                    .unwrap()
            })
        });
        // Batched serving: users per second = 256 / time per iteration.
        let batch = data(n_items, 256, true, &mut rng);
        let requests: Vec<Request> = batch
            .instructions
            .iter()
            .zip(&batch.histories)
            .map(|(instruction, history)| Request {
                instruction: instruction.clone(),
                history: history.clone(),
                exclude: history.clone(),
            })
            .collect();
        group.bench_function(BenchmarkId::new("batch256", n_items), |b| {
            b.iter(|| index.recommend(&requests, 10, false).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, forward, top10, train_step);
criterion_main!(benches);
