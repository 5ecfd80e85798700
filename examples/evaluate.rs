//! Trains the recommender on a dataset and writes a JSON report of every task under a stated
//! protocol, next to the popularity baseline.
//!
//! ```text
//! cargo run --release --example evaluate -- --format recbole --data ../shared/data/ml-100k \
//!     --protocol full --report ml-100k.json
//! cargo run --release --example evaluate -- --format sasrec \
//!     --data ../shared/data/amazon-games-sasrec/Video.txt --protocol sampled:100 \
//!     --report games.json --tasks sequential --epochs 5 --negatives sampled:1024 \
//!     --max-validation-users 10000
//! cargo run --release --example evaluate -- --format recbole --data ../shared/data/ml-100k \
//!     --protocol rerank:19 --report ml-100k-rerank.json \
//!     --text-encoder ../shared/models/all-MiniLM-L6-v2 --save target/ml-100k-model
//! ```
//!
//! The report's keys: `dataset.{name,users,items,interactions}`, `protocol`, `seed`, `device`,
//! `train.{epochs,seconds,sequences_per_second,peak_rss_mb}`,
//! `results.<task>.{HR@10,NDCG@10,MRR,users}` (`{AUC,users}` for `pointwise`),
//! `baselines.popularity.<task>` and `baselines.item_knn.<task>` (the tasks that read a history)
//! with the same keys, `by_target_count.<task>`: a list of
//! `{training_count, model, popularity, item_knn}` (`item_knn` where reported) for the test
//! cases whose target occurred that often in training (`0`, `1–4`, `5–19`, `20–99`, `100+`),
//! and `skipped.<task>`: why a task the data cannot state instructions for (e.g. ids without
//! any item text) is absent.
//!
//! With `--save <dir>`, the trained model can answer instructions:
//! `cargo run --release --example recommend -- --model <dir> --instruction "…"`, and
//! `--load <dir>` evaluates it again (e.g. under another protocol) without training; `train`
//! is then `null`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use instructrec_core::data::Dataset;
use instructrec_core::instruct::TaskKind;
use instructrec_core::metrics::Protocol;
use instructrec_core::model::heads::Negatives;
use instructrec_core::{
    default_trainer, DatasetInfo, Device, EvaluationOptions, Recommender, RecommenderConfig,
    TextEncoder,
};
use instructrec_examples::{exit_code, DatasetArgs};
use serde_json::json;

/// Train on a dataset and report HR@10 / NDCG@10 / MRR per task (AUC for pointwise) as JSON.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    dataset: DatasetArgs,
    /// full, sampled:<negatives> or rerank:<candidates>.
    #[arg(long, default_value = "full")]
    protocol: Protocol,
    /// Where to write the JSON report.
    #[arg(long)]
    report: PathBuf,
    /// Tasks to report, comma-separated (default: all six).
    #[arg(long, value_delimiter = ',')]
    tasks: Vec<TaskKind>,
    /// Most training epochs (early stopping may end sooner).
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Seed of the model, the training examples and the evaluation.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// cpu, cuda or cuda:<index> (CUDA needs `--features cuda`).
    #[arg(long, default_value = "cpu")]
    device: Device,
    /// `scratch`, or the directory of a pretrained sentence encoder for frozen item-text vectors.
    #[arg(long, default_value = "scratch")]
    text_encoder: TextEncoder,
    /// Save the trained model to this directory.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Evaluate the model saved in this directory (by `--save`, on the same data) instead of
    /// training one; the training options are then not used.
    #[arg(long, conflicts_with = "save")]
    load: Option<PathBuf>,
    /// Loss weight of a task, `task=weight` (repeatable), e.g. `--weight personalized_search=1`.
    #[arg(long = "weight", value_parser = parse_weight)]
    weights: Vec<(TaskKind, f64)>,
    /// Instruction examples per user and task in each epoch.
    #[arg(long)]
    instructions_per_user: Option<usize>,
    /// Also score items by a content term matched directly against the request's need.
    #[arg(long)]
    content_match: bool,
    /// What the matching softmax runs over: full, in-batch or sampled:<count> (popularity-drawn,
    /// log-Q corrected); sampled tables make epochs on large catalogs several times cheaper.
    #[arg(long, default_value = "full")]
    negatives: Negatives,
    /// Peak learning rate (AdamW, after warmup).
    #[arg(long)]
    lr: Option<f64>,
    /// Validate each epoch on this many users drawn with the seed (default: all); the test
    /// stage still ranks every user. On Amazon Games it cuts an epoch's validation by two thirds.
    #[arg(long)]
    max_validation_users: Option<usize>,
    /// Dropout in both towers during training (default 0.2; SASRec uses 0.5 on sparse data).
    #[arg(long)]
    dropout: Option<f64>,
    /// Dropout on the item tower's vectors, when it should differ from `--dropout` (SASRec's
    /// recipe: `--dropout 0.5 --item-dropout 0`, history dropped once, scored items clean).
    #[arg(long)]
    item_dropout: Option<f64>,
    /// How many next items supervise each history slot of the sequential task (default 1,
    /// next-item prediction; more suits data whose order is partly noise, e.g. ML-100K).
    #[arg(long)]
    next_items: Option<usize>,
    /// Width of the item and query vectors (default 64).
    #[arg(long)]
    d_model: Option<usize>,
    /// Examples per optimizer step (default 128), split over the replicas: scale it with them.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Replicas that train each batch on parallel threads, one per core pays best (default: the
    /// facade's 2; results depend on this number, not on the core count).
    #[arg(long)]
    replicas: Option<usize>,
    /// Replace each training history item with a random catalog item with this probability
    /// (stochastic shared embeddings; default 0). Targets and evaluation histories stay real.
    #[arg(long, default_value_t = 0.0)]
    history_substitution: f64,
}

fn main() -> ExitCode {
    exit_code(run(Args::parse()))
}

/// `task=weight`.
fn parse_weight(text: &str) -> Result<(TaskKind, f64), String> {
    let (task, weight) = text
        .split_once('=')
        .ok_or_else(|| format!("expected task=weight, got `{text}`"))?;
    let task: TaskKind = task.trim().parse().map_err(|e| format!("{e}"))?;
    let weight: f64 = weight
        .trim()
        .parse()
        .map_err(|e| format!("bad weight `{weight}`: {e}"))?;
    Ok((task, weight))
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let (dataset, load_report) = args.dataset.load()?;
    let info = DatasetInfo::of(&dataset);
    eprintln!(
        "{}: {} users, {} items, {} interactions ({load_report})",
        info.name, info.users, info.items, info.interactions
    );

    let (recommender, train) = match &args.load {
        Some(dir) => (
            Recommender::load(dir, args.device)?,
            serde_json::Value::Null,
        ),
        None => train(&args, &dataset)?,
    };

    let mut evaluation_options = EvaluationOptions::new()
        .with_protocol(args.protocol)
        .with_candidate_seed(args.seed);
    if !args.tasks.is_empty() {
        evaluation_options.tasks = args.tasks.clone();
    }
    let evaluation = recommender.evaluate(&dataset, &evaluation_options)?;
    println!("{evaluation}");

    let report = json!({
        "dataset": info,
        "protocol": args.protocol,
        "seed": args.seed,
        "device": args.device.to_string(),
        "train": train,
        "results": evaluation.results,
        "baselines": {
            "popularity": evaluation.popularity,
            "item_knn": evaluation.item_knn,
        },
        "by_target_count": evaluation.by_target_count,
        "skipped": evaluation.skipped,
    });
    let json = serde_json::to_string_pretty(&report)?;
    std::fs::write(&args.report, json + "\n")
        .map_err(|e| format!("{}: {e}", args.report.display()))?;
    eprintln!("wrote {}", args.report.display());
    if let Some(dir) = &args.save {
        recommender.save(dir)?;
        eprintln!(
            "saved the model to {} (try: cargo run --release --example recommend -- --model {} \
             --instruction \"…\")",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}

/// Trains a recommender with the arguments' settings; also returns the report's `train` entry.
fn train(
    args: &Args,
    dataset: &Dataset,
) -> Result<(Recommender, serde_json::Value), Box<dyn std::error::Error>> {
    let mut trainer = default_trainer().with_protocol(args.protocol);
    trainer.matching.negatives = args.negatives.clone();
    if let Some(lr) = args.lr {
        trainer.schedule.peak_lr = lr;
    }
    trainer.data.max_validation_users = args.max_validation_users;
    if let Some(replicas) = args.replicas {
        trainer.replicas = replicas;
    }
    if let Some(batch_size) = args.batch_size {
        trainer.batch_size = batch_size;
    }
    trainer.history_substitution = args.history_substitution;
    let mix = &mut trainer.data.task_mix;
    for &(task, weight) in &args.weights {
        *mix.weight_mut(task) = weight;
    }
    if let Some(count) = args.instructions_per_user {
        mix.instructions_per_user = count;
    }
    if let Some(count) = args.next_items {
        mix.next_items = count;
    }
    let mut config = RecommenderConfig::new();
    if let Some(dropout) = args.dropout {
        config.dropout = dropout;
    }
    config.item_dropout = args.item_dropout;
    if let Some(d_model) = args.d_model {
        config.d_model = d_model;
    }
    let config = config
        .with_content_match(args.content_match)
        .with_text_encoder(args.text_encoder.clone())
        .with_trainer(trainer)
        .with_epochs(args.epochs)
        .with_seed(args.seed);
    let mut recommender = Recommender::new(dataset, config, args.device)?;
    let summary = recommender.fit(dataset)?;
    let train = json!({
        "epochs": summary.epochs,
        "seconds": summary.seconds,
        "sequences_per_second": summary.sequences_per_second,
        "peak_rss_mb": summary.peak_rss_mb,
    });
    Ok((recommender, train))
}
