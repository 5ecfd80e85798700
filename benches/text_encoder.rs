//! Text encoder cost on the CPU (`Flex`): frozen all-MiniLM-L6-v2 embedding of product titles
//! (sentences per second), one MiniLM fine-tuning step (forward + backward), and a scratch
//! encoder step.
//!
//! Needs the shared data directory (`INSTRUCTREC_SHARED`, default `../shared` beside the
//! workspace root). Run: `cargo bench --bench text_encoder`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use burn::backend::{Autodiff, Flex};
use burn::prelude::*;
use burn::tensor::Distribution;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use instructrec_model::text::{
    BertEncoder, PretrainedTextEmbedder, ScratchTextEncoderConfig, TextEncoder,
};

/// Product titles embedded per iteration.
const TITLES: usize = 256;
/// Texts per encoder call when embedding.
const EMBED_BATCH: usize = 32;
/// Texts per fine-tuning / training step.
const STEP_BATCH: usize = 16;

fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("INSTRUCTREC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(
        dir.is_dir(),
        "shared data directory {} is missing: set INSTRUCTREC_SHARED",
        dir.display()
    );
    dir
}

/// The first `n` product titles of the Amazon Reviews 2023 sample.
fn product_titles(shared: &Path, n: usize) -> Vec<String> {
    let path = shared.join("data/amazon-reviews-2023-mini/meta.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let titles: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let item: serde_json::Value = serde_json::from_str(line).ok()?;
            Some(item.get("title")?.as_str()?.to_owned())
        })
        .take(n)
        .collect();
    assert_eq!(titles.len(), n, "{} holds too few titles", path.display());
    titles
}

fn minilm(c: &mut Criterion) {
    let shared = shared_dir();
    let model = shared.join("models/all-MiniLM-L6-v2");
    let titles = product_titles(&shared, TITLES);
    let texts: Vec<&str> = titles.iter().map(String::as_str).collect();
    let device = Default::default();

    let embedder = PretrainedTextEmbedder::<Flex>::load(&model, &device).expect("load MiniLM");
    let ids = embedder.token_ids(&texts).expect("tokenize");
    let mean_tokens = ids.iter().map(Vec::len).sum::<usize>() as f64 / ids.len() as f64;
    println!("product titles: {mean_tokens:.1} tokens on average");

    let mut group = c.benchmark_group("minilm");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(TITLES as u64));
    group.bench_function("embed_product_titles_frozen", |b| {
        b.iter(|| embedder.embed(&texts, EMBED_BATCH).expect("embed"))
    });

    let step_texts = &texts[..STEP_BATCH];
    let encoder = BertEncoder::<Autodiff<Flex>>::load(&model, &device).expect("load MiniLM");
    let batch = PretrainedTextEmbedder::<Autodiff<Flex>>::load(&model, &device)
        .expect("load MiniLM")
        .tokenize(step_texts)
        .expect("tokenize");
    group.throughput(Throughput::Elements(STEP_BATCH as u64));
    group.bench_function("finetune_step_forward_backward", |b| {
        b.iter(|| {
            let out = encoder
                .encode(batch.tokens.clone(), batch.padding.clone())
                .expect("encode");
            out.pooled.sum().backward()
        })
    });
    group.finish();
}

fn scratch(c: &mut Criterion) {
    type A = Autodiff<Flex>;
    let device = Default::default();
    let config = ScratchTextEncoderConfig::new(8_000);
    let encoder = config.init::<A>(&device).expect("valid config");
    let shape = [STEP_BATCH, 32];
    let tokens = Tensor::<A, 2, Int>::random(
        shape,
        Distribution::Uniform(1.0, config.vocab_size as f64),
        &device,
    );
    let padding = Tensor::<A, 2, Bool>::from_data(
        TensorData::new(vec![false; shape[0] * shape[1]], shape),
        &device,
    );

    let mut group = c.benchmark_group("scratch_d128_l2");
    group.sample_size(20);
    group.throughput(Throughput::Elements(STEP_BATCH as u64));
    group.bench_function("train_step_forward_backward", |b| {
        b.iter(|| {
            let out = encoder
                .encode(tokens.clone(), padding.clone())
                .expect("encode");
            out.pooled.sum().backward()
        })
    });
    group.finish();
}

criterion_group!(benches, minilm, scratch);
criterion_main!(benches);
