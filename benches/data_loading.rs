//! Data-crate timings: loading the shared datasets, generating the synthetic one, splitting.
//!
//! `cargo bench --bench data_loading` (needs the shared data; see `INSTRUCTREC_SHARED`).

use criterion::{criterion_group, criterion_main, Criterion};
use instructrec_data::{load, shared_path, Format, LoadOptions, Split, SyntheticConfig};

fn shared(relative: &str) -> std::path::PathBuf {
    shared_path(relative).unwrap_or_else(|error| panic!("shared data missing: {error}"))
}

fn loading(c: &mut Criterion) {
    let options = LoadOptions::default();
    let ml100k = shared("data/ml-100k");
    c.bench_function("load ml-100k (recbole)", |b| {
        b.iter(|| load(Format::RecBole, &ml100k, &options).unwrap())
    });
    let video = shared("data/amazon-games-sasrec/Video.txt");
    c.bench_function("load Video.txt (sasrec)", |b| {
        b.iter(|| load(Format::SasRec, &video, &options).unwrap())
    });
    let amazon = shared("data/amazon-reviews-2023-mini");
    c.bench_function("load amazon-reviews-2023-mini", |b| {
        b.iter(|| load(Format::Amazon2023, &amazon, &options).unwrap())
    });
}

fn synthetic_and_split(c: &mut Criterion) {
    let config = SyntheticConfig::default();
    c.bench_function("generate synthetic 1000x1000", |b| {
        b.iter(|| config.generate().unwrap())
    });
    let (video, _) = load(
        Format::SasRec,
        &shared("data/amazon-games-sasrec/Video.txt"),
        &LoadOptions::default(),
    )
    .unwrap();
    c.bench_function("leave-one-out split of Video.txt + count cases", |b| {
        b.iter(|| {
            let split = Split::leave_one_out(&video).unwrap();
            split.summary()
        })
    });
}

criterion_group!(benches, loading, synthetic_and_split);
criterion_main!(benches);
