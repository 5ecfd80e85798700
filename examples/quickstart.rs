//! The quickstart: generate a synthetic dataset, train the instruction-following recommender and
//! a history-only twin, compare both with the popularity baseline on every task, save the model,
//! and answer a few instructions written in plain English.
//!
//! ```text
//! cargo run --release --example quickstart                        # CPU, saves target/quickstart-model
//! cargo run --release --example quickstart -- --save /tmp/model   # elsewhere
//! cargo run --release --features cuda --example quickstart -- --device cuda
//! ```
//!
//! Then ask the saved model yourself:
//!
//! ```text
//! cargo run --release --example recommend -- --model target/quickstart-model \
//!     --instruction "a haunted house story for a stormy night" -k 5
//! ```
//!
//! Everything is seeded: two runs on the same machine print the same numbers.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use instructrec_core::data::{Dataset, SyntheticConfig};
use instructrec_core::instruct::TaskKind;
use instructrec_core::train::{LrScheduleConfig, ProgressMode, TaskMix};
use instructrec_core::{
    default_trainer, Device, Evaluation, EvaluationOptions, Recommender, RecommenderConfig,
    TaskScores,
};
use instructrec_examples::exit_code;

/// Train and compare recommenders on a synthetic dataset, then answer instructions.
#[derive(Parser)]
struct Args {
    /// Where to save the trained model (for `--example recommend`).
    #[arg(long, default_value = "target/quickstart-model")]
    save: PathBuf,
    /// `cpu`, `cuda` or `cuda:<index>` (CUDA needs `--features cuda`).
    #[arg(long, default_value = "cpu")]
    device: Device,
    /// Seed of the data, the models and the evaluation.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// The synthetic shop: ~600 users with ~24 interactions each over 400 themed items.
fn dataset(seed: u64) -> SyntheticConfig {
    SyntheticConfig {
        seed,
        num_users: 600,
        num_items: 400,
        num_categories: 8,
        mean_interactions: 24.0,
        ..SyntheticConfig::default()
    }
}

/// A small model and a short schedule: the whole quickstart runs in about a minute on two
/// CPU cores.
fn config(seed: u64, task_mix: TaskMix) -> RecommenderConfig {
    // A bar on a terminal; otherwise one line per epoch is printed after training.
    let progress = if std::io::stderr().is_terminal() {
        ProgressMode::Bar
    } else {
        ProgressMode::Silent
    };
    let mut trainer = default_trainer()
        .with_batch_size(64)
        .with_patience(3)
        .with_progress(progress)
        .with_schedule(
            LrScheduleConfig::new()
                .with_peak_lr(5e-3)
                .with_warmup_ratio(0.05),
        );
    trainer.data = trainer
        .data
        .with_max_history(20)
        .with_task_mix(task_mix.with_rerank_candidates(10));
    RecommenderConfig::new()
        .with_d_model(32)
        .with_n_layers(1)
        .with_d_ff(64)
        .with_dropout(0.1)
        .with_trainer(trainer)
        .with_epochs(10)
        .with_seed(seed)
}

/// Every task, the intention tasks weighted like the sequential one and asked four times per
/// user and epoch: with one instruction per user next to every next-item target of the
/// histories, the model learns to follow the history and leaves vague needs unused
/// (docs/benchmarks.md §2).
fn instruction_mix() -> TaskMix {
    TaskMix::new()
        .with_product_search(1.0)
        .with_personalized_search(1.0)
        .with_vague_intent(1.0)
        .with_explicit_preference(1.0)
        .with_instructions_per_user(4)
}

const RANKING_TASKS: [TaskKind; 5] = [
    TaskKind::Sequential,
    TaskKind::ProductSearch,
    TaskKind::PersonalizedSearch,
    TaskKind::VagueIntent,
    TaskKind::ExplicitPreference,
];

fn main() -> ExitCode {
    exit_code(run(Args::parse()))
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let data = dataset(args.seed).generate()?;
    println!(
        "synthetic dataset: {} users, {} items, {} interactions, {} categories ({} reviews)",
        data.num_users(),
        data.num_items(),
        data.num_interactions(),
        data.catalog.categories.len(),
        data.num_reviews(),
    );

    let instructed = train(
        "InstructRec (all tasks)",
        &data,
        config(args.seed, instruction_mix()),
        args.device,
    )?;
    let history_only = train(
        "history-only (sequential task)",
        &data,
        config(args.seed, TaskMix::sequential_only()),
        args.device,
    )?;

    let options = EvaluationOptions::new().with_candidate_seed(args.seed);
    let ours = instructed.evaluate(&data, &options)?;
    let baseline = history_only.evaluate(&data, &options)?;
    print_table(&ours, &baseline);

    instructed.save(&args.save)?;
    println!("\nsaved the model to {}", args.save.display());

    answer_instructions(&instructed, &data)?;
    println!(
        "\ntotal {:.0}s. Ask the saved model yourself:\n  cargo run --release --example recommend -- \
         --model {} --instruction \"…\" [--history id,id,…] [-k 10]",
        started.elapsed().as_secs_f64(),
        args.save.display()
    );
    Ok(())
}

/// Builds and trains one recommender, printing what the run did.
fn train(
    name: &str,
    data: &Dataset,
    config: RecommenderConfig,
    device: Device,
) -> Result<Recommender, Box<dyn std::error::Error>> {
    println!("\ntraining {name} on {device}");
    let mut recommender = Recommender::new(data, config, device)?;
    let summary = recommender.fit(data)?;
    for epoch in &summary.history {
        println!(
            "  epoch {}: loss {:.3} · validation HR@10 {:.4} NDCG@10 {:.4} · {:.1}s",
            epoch.epoch + 1,
            epoch.train_loss,
            epoch.val.get("HR@10").copied().unwrap_or(f64::NAN),
            epoch.val.get("NDCG@10").copied().unwrap_or(f64::NAN),
            epoch.seconds
        );
    }
    println!(
        "  {} epochs in {:.1}s ({:.0} sequences/s), best validation NDCG@10 {:.4} at epoch {}",
        summary.epochs,
        summary.seconds,
        summary.sequences_per_second,
        summary
            .best_validation
            .get("NDCG@10")
            .copied()
            .unwrap_or(f64::NAN),
        summary.best_epoch.map_or(0, |epoch| epoch + 1),
    );
    Ok(recommender)
}

/// HR@10 / NDCG@10 per task for the three contenders, on the same test users.
fn print_table(ours: &Evaluation, history_only: &Evaluation) {
    println!(
        "\ntest set (last item of every user), protocol {}, instruction seed {}",
        ours.protocol, ours.instruction_seed
    );
    println!(
        "{:<20} {:>5} │ {:^15} │ {:^15} │ {:^15}",
        "task", "users", "InstructRec", "history-only", "popularity"
    );
    println!(
        "{:<20} {:>5} │ {:>7} {:>7} │ {:>7} {:>7} │ {:>7} {:>7}",
        "", "", "HR@10", "NDCG@10", "HR@10", "NDCG@10", "HR@10", "NDCG@10"
    );
    let cell = |scores: Option<&TaskScores>| match scores {
        Some(scores) => format!(
            "{:>7.4} {:>7.4}",
            scores.metric("HR@10").unwrap_or(f64::NAN),
            scores.metric("NDCG@10").unwrap_or(f64::NAN)
        ),
        None => format!("{:>15}", "n/a"),
    };
    for task in RANKING_TASKS {
        match ours.results.get(&task) {
            Some(scores) => println!(
                "{:<20} {:>5} │ {} │ {} │ {}",
                task.key(),
                scores.users(),
                cell(Some(scores)),
                cell(history_only.results.get(&task)),
                cell(ours.popularity.get(&task)),
            ),
            None => println!(
                "{:<20} skipped: {}",
                task.key(),
                ours.skipped
                    .get(&task)
                    .map_or("not evaluated", String::as_str)
            ),
        }
    }
    let auc = |evaluation: &Evaluation, popularity: bool| {
        let scores = if popularity {
            &evaluation.popularity
        } else {
            &evaluation.results
        };
        scores
            .get(&TaskKind::Pointwise)
            .and_then(|scores| scores.metric("AUC"))
            .map_or_else(|| "n/a".to_owned(), |auc| format!("{auc:.4}"))
    };
    println!(
        "{:<20}   AUC │ {:>15} │ {:>15} │ {:>15}",
        "pointwise (yes/no)",
        auc(ours, false),
        auc(history_only, false),
        auc(ours, true)
    );
}

/// A few instructions written from the dataset's own categories, with and without a history.
fn answer_instructions(
    recommender: &Recommender,
    data: &Dataset,
) -> Result<(), Box<dyn std::error::Error>> {
    let catalog = &data.catalog;
    let categories = catalog.categories.names();
    let user = 0;
    let history: Vec<&str> = data
        .sequence(user)
        .iter()
        .rev()
        .take(5)
        .rev()
        .filter_map(|&item| catalog.raw_id(item))
        .collect();
    let mut asks: Vec<(String, Vec<&str>)> = categories
        .iter()
        .take(2)
        .map(|category| {
            (
                format!("I am in the mood for some {}", category.to_lowercase()),
                Vec::new(),
            )
        })
        .collect();
    asks.push(("What should I pick next?".to_owned(), history.clone()));
    if let Some(category) = categories.get(2) {
        asks.push((
            format!("Something {} this time, please", category.to_lowercase()),
            history,
        ));
    }
    for (instruction, history) in asks {
        let answer = recommender.explain(&instruction, &history, 5)?;
        println!("\n» {instruction}");
        if !history.is_empty() {
            let titles: Vec<String> = history
                .iter()
                .filter_map(|raw| catalog.lookup(raw).ok())
                .map(|item| catalog.display_name(item))
                .collect();
            println!("  history: {}", titles.join("; "));
        }
        for (rank, item) in answer.items.iter().enumerate() {
            let genres = catalog
                .lookup(&item.id)
                .map(|idx| catalog.category_names(idx).join(", "))
                .unwrap_or_default();
            println!(
                "  {}. {} [{}]  ({}, score {:.2})",
                rank + 1,
                item.title,
                genres,
                item.id,
                item.score
            );
        }
        if let Some(explanation) = &answer.explanation {
            println!("  why: {explanation}");
        }
    }
    Ok(())
}
