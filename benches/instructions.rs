//! Cost of instruction work on MovieLens-100K (`../shared/data/ml-100k`, 943 users):
//! building the generator once per dataset, rendering one template, generating one instruction
//! of each task (leave-one-out targets, cycling through all users), and tokenizing a batch of
//! 256 generated instructions with the all-MiniLM-L6-v2 tokenizer (max length 128).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use instructrec_data::{load, shared_path, Dataset, Format, LoadOptions};
use instructrec_instruct::{
    DatasetGenerator, FormKind, GeneratorConfig, InstructionGenerator, InstructionRequest,
    IntentionKind, PreferenceKind, Slot, SlotValues, TaskKind, TemplateKey, TemplateRegistry,
    TextTokenizer,
};
use rand::rngs::StdRng;
use rand::SeedableRng;

const BATCH: usize = 256;

fn movielens() -> Dataset {
    let path = shared_path("data/ml-100k").expect("shared data");
    load(Format::RecBole, &path, &LoadOptions::default())
        .expect("ML-100K loads")
        .0
}

/// Leave-one-out requests of `kind` for every user with a history.
fn requests(dataset: &Dataset, kind: TaskKind) -> Vec<InstructionRequest> {
    (0..dataset.num_users() as u32)
        .filter(|&user| dataset.sequence(user).len() >= 2)
        .map(|user| InstructionRequest::leave_last_out(dataset, kind, user).expect("user exists"))
        .collect()
}

fn build_generator(c: &mut Criterion) {
    let dataset = movielens();
    c.bench_function("instructions/build generator (ML-100K)", |b| {
        b.iter(|| DatasetGenerator::new(black_box(&dataset), GeneratorConfig::default()).unwrap())
    });
}

fn render_template(c: &mut Criterion) {
    let registry = TemplateRegistry::builtin();
    let key = TemplateKey {
        preference: PreferenceKind::Implicit,
        intention: IntentionKind::Specific,
        form: FormKind::Reranking,
        with_context: false,
    };
    let template = registry
        .templates_for(key)
        .next()
        .expect("built-in template");
    let history = ["Heat (1995)"; 10].join("; ");
    let candidates: Vec<String> = (1..=20).map(|i| format!("{i}) Casino (1995)")).collect();
    let values = SlotValues::new()
        .with(Slot::History, history)
        .with(
            Slot::Intention,
            "I'm looking for something in crime, from 1995",
        )
        .with(Slot::Candidates, candidates.join("; "));
    c.bench_function(
        "instructions/render P1-I2-T3 template (10 titles, 20 candidates)",
        |b| b.iter(|| template.render(black_box(&values)).unwrap()),
    );
}

fn generate_each_task(c: &mut Criterion) {
    let dataset = movielens();
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
    let mut group = c.benchmark_group("instructions/generate one");
    for kind in TaskKind::ALL {
        let requests = requests(&dataset, kind);
        let mut rng = StdRng::seed_from_u64(7);
        let mut next = requests.iter().cycle();
        group.bench_function(kind.key(), |b| {
            b.iter(|| {
                let request = next.next().expect("cycle never ends");
                // Unavailable (an item without a genre) is a cheap, legitimate outcome.
                let _ = black_box(generator.generate(request, &mut rng));
            })
        });
    }
    group.finish();
}

fn tokenize_batch(c: &mut Criterion) {
    let dataset = movielens();
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
    let texts: Vec<String> = TaskKind::ALL
        .into_iter()
        .flat_map(|kind| requests(&dataset, kind))
        .filter_map(|request| generator.generate_seeded(&request, 1).ok())
        .map(|instruction| instruction.text)
        .take(BATCH)
        .collect();
    assert_eq!(texts.len(), BATCH);
    let path = shared_path("models/all-MiniLM-L6-v2/tokenizer.json").expect("shared model");
    let tokenizer = TextTokenizer::from_file(path).unwrap();
    let mut group = c.benchmark_group("instructions/tokenize");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("batch of 256 instructions (MiniLM, max 128)", |b| {
        b.iter_batched(
            || texts.clone(),
            |texts| tokenizer.encode_batch(&texts).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3));
    targets = build_generator, render_template, generate_each_task, tokenize_batch
}
criterion_main!(benches);
