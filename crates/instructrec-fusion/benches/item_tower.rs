//! Item tower speed on CPU (`Flex`): one forward over 1,700 and 24,000 items (the sizes of
//! ML-100k and Amazon Games), per fusion strategy, plus a forward + backward pass.
//!
//! `cargo bench -p instructrec-fusion --bench item_tower`

use burn::backend::{Autodiff, Flex};
use burn::module::AutodiffModule;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use instructrec_data::Catalog;
use instructrec_fusion::{
    FusionKind, ItemFeatures, ItemFeaturesConfig, ItemTower, ItemTowerConfig, Modalities,
};

const D_MODEL: usize = 64;
const VOCAB: u32 = 5000;

/// A deterministic catalog: 6-word titles, 1-3 of 40 categories, 2 numeric fields (one with
/// gaps).
fn catalog(num_items: usize) -> Catalog {
    let mut c = Catalog::new();
    let year = c.numeric_field("year");
    let price = c.numeric_field("price");
    let categories: Vec<u32> = (0..40)
        .map(|k| c.categories.intern(&format!("c{k}")))
        .collect();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..num_items {
        let idx = c.intern(&format!("i{i}"));
        let words: Vec<String> = (0..6).map(|_| format!("w{}", next() % 4000)).collect();
        let item = c.get_mut(idx).unwrap();
        item.title = Some(words.join(" "));
        item.categories = (0..1 + next() % 3)
            .map(|_| categories[(next() % 40) as usize])
            .collect();
        item.numeric[year] = Some(1950.0 + (next() % 70) as f32);
        item.numeric[price] = (next() % 4 != 0).then(|| (next() % 10_000) as f32 / 100.0);
    }
    c
}

fn tokenize(text: &str) -> Vec<u32> {
    text.split_whitespace()
        .map(|w| {
            w.bytes()
                .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
                % (VOCAB - 1)
                + 1
        })
        .collect()
}

fn tower<B: burn::tensor::backend::Backend>(
    features: &ItemFeatures,
    modalities: Modalities,
    fusion: FusionKind,
) -> ItemTower<B> {
    ItemTowerConfig::new(D_MODEL, features.dims(), modalities)
        .with_fusion(fusion)
        .with_dropout(0.0)
        .init(&Default::default())
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let device = Default::default();
    let mut group = c.benchmark_group("item_tower");
    group.sample_size(10);
    for num_items in [1_700usize, 24_000] {
        let features =
            ItemFeatures::from_catalog(&catalog(num_items), &ItemFeaturesConfig::new(), tokenize)
                .unwrap();
        let items: Vec<u32> = (0..num_items as u32).collect();
        let content = Modalities::available(&features.dims());
        group.bench_with_input(BenchmarkId::new("batch", num_items), &items, |b, items| {
            b.iter(|| features.batch::<Flex>(items, &device).unwrap())
        });
        let cases = [
            ("id_only", Modalities::id_only(), FusionKind::Sum),
            ("attention", content, FusionKind::Attention { n_heads: 1 }),
            ("gated_sum", content, FusionKind::GatedSum),
            (
                "concat_mlp",
                content,
                FusionKind::ConcatMlp { d_hidden: 128 },
            ),
        ];
        for (name, modalities, fusion) in cases {
            let tower = tower::<Flex>(&features, modalities, fusion);
            let batch = tower.batch(&features, &items, &device).unwrap();
            group.bench_with_input(BenchmarkId::new(name, num_items), &batch, |b, batch| {
                b.iter(|| tower.forward(batch).into_data())
            });
        }
        let train =
            tower::<Autodiff<Flex>>(&features, content, FusionKind::Attention { n_heads: 1 });
        let batch = train.batch(&features, &items, &device).unwrap();
        group.bench_with_input(
            BenchmarkId::new("attention_forward_backward", num_items),
            &batch,
            |b, batch| b.iter(|| train.forward(batch).sum().backward()),
        );
        let inference = train.valid();
        group.bench_with_input(
            BenchmarkId::new("encode_catalog_attention", num_items),
            &features,
            |b, features| {
                b.iter(|| {
                    inference
                        .encode_catalog(features, 4096, &device)
                        .unwrap()
                        .into_data()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
