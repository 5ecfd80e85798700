//! Trains the instruction recommender on MovieLens-100K (shared data) and reports validation
//! NDCG@10 against the popularity baseline, then every ranking task on the test stage.
//!
//! ```text
//! cargo run -p instructrec-train --example ml100k --profile test -- [max_epochs] [run_dir]
//! ```
//!
//! Given a run directory that already holds a run (say, one that was killed), it resumes it.
//!
//! Protocol: chronological leave-one-out, full ranking over the catalog minus the user's history.

use std::error::Error;

use burn::backend::{Autodiff, Flex};
use burn::module::AutodiffModule;
use burn::tensor::backend::Backend;
use instructrec_data::{load, shared_path, Format, LoadOptions, Split, Stage};
use instructrec_fusion::{ItemFeatures, ItemFeaturesConfig, ItemTowerConfig, Modalities};
use instructrec_instruct::{TextTokenizer, TokenizerTrainingConfig, TrainingCorpus};
use instructrec_metrics::Protocol;
use instructrec_model::{InstructRecConfig, QueryTowerConfig};
use instructrec_train::{
    evaluate, visible_before, DataConfig, EvaluationConfig, LrScheduleConfig, RunDir, Trainer,
    TrainerConfig, TrainingData,
};

type A = Autodiff<Flex>;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let max_epochs: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10);
    let run_dir = args.next();

    let path = shared_path("data/ml-100k")?;
    let (dataset, _) = load(Format::RecBole, &path, &LoadOptions::default())?;
    let split = Split::leave_one_out(&dataset)?;
    let corpus = TrainingCorpus::from_dataset(&visible_before(&split, None));
    let tokenizer = TextTokenizer::train(
        &corpus,
        &TokenizerTrainingConfig {
            vocab_size: 4000,
            max_len: 64,
            ..TokenizerTrainingConfig::default()
        },
    )?;
    let tokenize = |text: &str| tokenizer.encode(text).unwrap_or_default();
    let features =
        ItemFeatures::from_catalog(&dataset.catalog, &ItemFeaturesConfig::new(), tokenize)?;

    let data_config = DataConfig::new();
    let started = std::time::Instant::now();
    let data = TrainingData::prepare(&split, features, &tokenizer, &data_config)?;
    eprintln!(
        "{} users, {} items; {} training examples ({} targets) prepared in {:.1}s: {:?}",
        dataset.num_users(),
        dataset.num_items(),
        data.examples().len(),
        data.examples().num_targets(),
        started.elapsed().as_secs_f64(),
        data.examples().counts()
    );
    let popularity = data.popularity_baseline(Protocol::Full, 42)?;
    eprintln!(
        "popularity (validation, full ranking): NDCG@10 {:.4} HR@10 {:.4}",
        popularity.metric("NDCG@10").unwrap_or(f64::NAN),
        popularity.metric("HR@10").unwrap_or(f64::NAN)
    );

    let device = Default::default();
    let mut dims = data.features().dims();
    dims.vocab_size = tokenizer.vocab_size();
    let model_config = InstructRecConfig::new(
        ItemTowerConfig::new(64, dims, Modalities::available(&dims)),
        QueryTowerConfig::new(64)
            .with_max_history(data_config.max_history)
            .with_max_instruction_tokens(data_config.max_instruction_tokens),
    );
    A::seed(&device, 42);
    let model = model_config.init::<A>(&device)?;
    let config = TrainerConfig::new()
        .with_data(data_config)
        .with_max_epochs(max_epochs)
        .with_schedule(LrScheduleConfig::new().with_peak_lr(2e-3))
        .with_run_dir(run_dir);
    // A run directory that already holds a run (e.g. one killed mid-way) is resumed.
    let resuming = match &config.run_dir {
        Some(dir) => RunDir::open(dir)?.load_state()?.is_some(),
        None => false,
    };
    let mut trainer = Trainer::new(config)?;
    let outcome = if resuming {
        eprintln!("resuming the run in its run directory");
        trainer.resume(model, &data, &device)?
    } else {
        trainer.fit(model, &data, &device)?
    };
    eprintln!(
        "best epoch {:?}: validation NDCG@10 {:.4} (popularity {:.4}); {:.0}s, {:.0} seq/s, \
         peak RSS {:?} MiB",
        outcome.best_epoch.map(|e| e + 1),
        outcome
            .best_metrics
            .get("NDCG@10")
            .copied()
            .unwrap_or(f64::NAN),
        popularity.metric("NDCG@10").unwrap_or(f64::NAN),
        outcome.seconds,
        outcome.sequences_per_second,
        outcome.peak_rss_mb
    );

    let head = TrainerConfig::new().matching.init()?;
    let reports = evaluate(
        &outcome.model.valid(),
        &head,
        &data,
        &split,
        Stage::Test,
        &EvaluationConfig::default(),
        &device,
    )?;
    for report in reports {
        eprintln!(
            "test {:<20} HR@10 {:.4} NDCG@10 {:.4} MRR {:.4} users {} (skipped {}, instruction \
             seed {})",
            report.task.key(),
            report.hr_at_10,
            report.ndcg_at_10,
            report.mrr,
            report.users,
            report.skipped_users,
            report.instruction_seed
        );
    }
    Ok(())
}
