//! Runs our recommender and its peers on the same data, split, seed and machine, one after the
//! other, and prints one table: HR@10, NDCG@10, MRR, training seconds, throughput and peak
//! memory, plus the ratios ours / peer and the time each needed to reach the peer's best
//! validation NDCG@10.
//!
//! ```text
//! cargo run --release --example compare -- --format recbole --data ../shared/data/ml-100k \
//!     --protocol full --report target/compare-ml-100k.json
//! cargo run --release --example compare -- --format sasrec \
//!     --data ../shared/data/amazon-games-sasrec/Video.txt --protocol sampled:100
//! ```
//!
//! The contenders, every one trained on the history alone (the sequential task):
//! - `popularity`: items ranked by training interactions;
//! - `item-kNN`: items ranked by co-occurrence (within 10 positions of a training sequence,
//!   cosine-normalized) with the user's 10 newest items, newer ones weighing more
//!   (`ItemKnnScorer`), the non-neural sequential baseline;
//! - `ours (ID only)`: our model with only the learned item-ID embedding, i.e. SASRec;
//! - `ours (content)`: our model reading each item's ID, text and categories (only when the
//!   catalog has content);
//! - `RecBole SASRec`: RecBole 1.2.1's SASRec (PyTorch), fed the very same leave-one-out split
//!   through RecBole atomic files (`benches/peers/recbole_sasrec.py`). The harness creates its
//!   virtual environment with `benches/peers/setup.sh` on first use and says so when Python or
//!   RecBole is missing; `--no-recbole` leaves it out.
//!
//! Throughput is counted in supervised next-item targets per second, the unit both trainers
//! share (every prefix of a training sequence is one target). Peak memory is the process's
//! high-water mark during each run (reset between our runs; the peer is its own process).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Parser;
use instructrec_core::data::Dataset;
use instructrec_core::instruct::TaskKind;
use instructrec_core::metrics::Protocol;
use instructrec_core::train::TaskMix;
use instructrec_core::{
    default_trainer, DatasetInfo, Device, EvaluationOptions, Recommender, RecommenderConfig,
    TaskScores, TrainSummary,
};
use instructrec_examples::{exit_code, DatasetArgs};
use serde::Serialize;
use serde_json::{json, Value};

/// Compare our recommender with popularity, item-kNN and RecBole's SASRec on the same split.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    dataset: DatasetArgs,
    /// `full` or `sampled:<negatives>` (RecBole evaluates only these two).
    #[arg(long, default_value = "full")]
    protocol: Protocol,
    /// Most epochs of our models (early stopping on validation NDCG@10 may end sooner).
    #[arg(long, default_value_t = 40)]
    epochs: usize,
    /// Epochs without a better validation NDCG@10 before our models stop.
    #[arg(long, default_value_t = 5)]
    patience: usize,
    /// Most epochs of RecBole's SASRec (its own early stopping: 10 epochs).
    #[arg(long, default_value_t = 50)]
    recbole_epochs: usize,
    /// Stop RecBole after the epoch that crosses this many training seconds.
    #[arg(long)]
    recbole_max_seconds: Option<f64>,
    /// Leave RecBole out (e.g. on a machine without Python).
    #[arg(long)]
    no_recbole: bool,
    /// How many next items supervise each history slot of our models (1: next-item
    /// prediction, SASRec's objective).
    #[arg(long, default_value_t = 1)]
    next_items: usize,
    /// Width of our models' item and query vectors (RecBole's SASRec default is 64 too).
    #[arg(long, default_value_t = 64)]
    d_model: usize,
    /// Replicas that train each batch of our models on parallel threads (default: the
    /// facade's 2, one per core of a 2-core machine).
    #[arg(long)]
    replicas: Option<usize>,
    /// Replace each training history item of our models with a random catalog item with this
    /// probability (stochastic shared embeddings; 0.1 lifted Amazon Games, docs/benchmarks.md §3).
    #[arg(long, default_value_t = 0.0)]
    history_substitution: f64,
    /// Leave out our content model even when the catalog has content.
    #[arg(long)]
    no_content: bool,
    /// The virtual environment of the Python peers (created on first use).
    #[arg(long, default_value = "target/peers-venv")]
    venv: PathBuf,
    /// Seed of both models, the split's evaluation candidates and the peer.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// `cpu` or `cuda` (ours: needs `--features cuda`; RecBole: needs a CUDA build of torch).
    #[arg(long, default_value = "cpu")]
    device: Device,
    /// Also write the table as JSON here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Where the RecBole atomic files and its report go.
    #[arg(long, default_value = "target/compare")]
    work_dir: PathBuf,
}

/// One line of the table.
#[derive(Debug, Clone, Serialize)]
struct Row {
    name: String,
    #[serde(rename = "HR@10")]
    hr_at_10: f64,
    #[serde(rename = "NDCG@10")]
    ndcg_at_10: f64,
    #[serde(rename = "MRR")]
    mrr: f64,
    /// Training seconds (validation included), `None` for untrained baselines.
    train_seconds: Option<f64>,
    targets_per_second: Option<f64>,
    peak_rss_mb: Option<f64>,
    /// `(seconds since the start of training, validation NDCG@10)` after each epoch.
    curve: Vec<(f64, f64)>,
}

fn main() -> ExitCode {
    exit_code(run(Args::parse()))
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let recbole_mode = recbole_eval_mode(args.protocol)?;
    let (dataset, load_report) = args.dataset.load()?;
    let info = DatasetInfo::of(&dataset);
    eprintln!(
        "{}: {} users, {} items, {} interactions ({load_report})",
        info.name, info.users, info.items, info.interactions
    );

    let mut rows = Vec::new();
    let evaluation_options = EvaluationOptions::new()
        .with_protocol(args.protocol)
        .with_candidate_seed(args.seed)
        .with_tasks(vec![TaskKind::Sequential]);

    let id_only = train_ours(&args, &dataset, false, &evaluation_options)?;
    rows.push(id_only.popularity);
    rows.push(id_only.item_knn);
    rows.push(id_only.row);
    if !args.no_content && has_content(&dataset) {
        rows.push(train_ours(&args, &dataset, true, &evaluation_options)?.row);
    }

    let mut peer_note = None;
    if args.no_recbole {
        peer_note = Some("RecBole left out (--no-recbole)".to_owned());
    } else {
        match run_recbole(&args, &dataset, &info.name, recbole_mode) {
            Ok(row) => rows.push(row),
            Err(reason) => peer_note = Some(format!("RecBole SASRec not run: {reason}")),
        }
    }

    let table = render(&args, &info, &rows, peer_note.as_deref());
    println!("{table}");
    if let Some(path) = &args.report {
        let report = json!({
            "dataset": info,
            "protocol": args.protocol,
            "seed": args.seed,
            "device": args.device.to_string(),
            "rows": rows,
            "note": peer_note,
            "table": table,
        });
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
            .map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// RecBole's name of a protocol (`eval_args.mode`).
fn recbole_eval_mode(protocol: Protocol) -> Result<String, String> {
    match protocol {
        Protocol::Full => Ok("full".to_owned()),
        Protocol::Sampled { negatives } => Ok(format!("uni{negatives}")),
        Protocol::Rerank { .. } => Err(format!(
            "protocol {protocol}: RecBole evaluates `full` or `sampled:N` only"
        )),
    }
}

/// Whether any item has text or categories for the content model to read.
fn has_content(dataset: &Dataset) -> bool {
    dataset.catalog.items().iter().any(|item| {
        item.title.as_ref().is_some_and(|title| !title.is_empty()) || !item.categories.is_empty()
    })
}

/// A trained model's row, and the baselines' rows of the same evaluation.
struct OursResult {
    row: Row,
    popularity: Row,
    item_knn: Row,
}

/// Trains our model on the sequential task alone, ID-only (SASRec) or reading item content.
fn train_ours(
    args: &Args,
    dataset: &Dataset,
    item_content: bool,
    evaluation_options: &EvaluationOptions,
) -> Result<OursResult, Box<dyn std::error::Error>> {
    let name = if item_content {
        "ours (content)"
    } else {
        "ours (ID only = SASRec)"
    };
    eprintln!("\ntraining {name}");
    reset_peak_rss();
    let mut trainer = default_trainer()
        .with_protocol(args.protocol)
        .with_patience(args.patience);
    if let Some(replicas) = args.replicas {
        trainer.replicas = replicas;
    }
    trainer.history_substitution = args.history_substitution;
    trainer.data = trainer
        .data
        .with_task_mix(TaskMix::sequential_only().with_next_items(args.next_items));
    let config = RecommenderConfig::new()
        .with_d_model(args.d_model)
        .with_item_content(item_content)
        .with_trainer(trainer)
        .with_epochs(args.epochs)
        .with_seed(args.seed);
    let mut recommender = Recommender::new(dataset, config, args.device)?;
    let summary = recommender.fit(dataset)?;
    let evaluation = recommender.evaluate(dataset, evaluation_options)?;
    let scores = |results: &BTreeMap<TaskKind, TaskScores>| {
        results
            .get(&TaskKind::Sequential)
            .copied()
            .ok_or("the sequential task was not evaluated")
    };
    Ok(OursResult {
        row: trained_row(name, scores(&evaluation.results)?, &summary),
        popularity: untrained_row("popularity", scores(&evaluation.popularity)?),
        item_knn: untrained_row("item-kNN", scores(&evaluation.item_knn)?),
    })
}

fn untrained_row(name: &str, scores: TaskScores) -> Row {
    Row {
        name: name.to_owned(),
        hr_at_10: scores.metric("HR@10").unwrap_or(f64::NAN),
        ndcg_at_10: scores.metric("NDCG@10").unwrap_or(f64::NAN),
        mrr: scores.metric("MRR").unwrap_or(f64::NAN),
        train_seconds: None,
        targets_per_second: None,
        peak_rss_mb: None,
        curve: Vec::new(),
    }
}

fn trained_row(name: &str, scores: TaskScores, summary: &TrainSummary) -> Row {
    let mut elapsed = 0.0;
    let curve = summary
        .history
        .iter()
        .map(|epoch| {
            elapsed += epoch.seconds;
            (
                elapsed,
                epoch.val.get("NDCG@10").copied().unwrap_or(f64::NAN),
            )
        })
        .collect();
    Row {
        train_seconds: Some(summary.seconds),
        targets_per_second: Some(summary.targets_per_second),
        peak_rss_mb: summary.peak_rss_mb,
        curve,
        ..untrained_row(name, scores)
    }
}

/// Lets the next run's peak memory be measured on its own: writing 5 to `clear_refs` resets the
/// process's `VmHWM` (Linux ≥ 4.0). Elsewhere the peak stays the process's.
fn reset_peak_rss() {
    // A failure only means the next peak includes the previous runs, which the table states.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Writes the dataset as RecBole atomic files, runs the Python driver and reads its report.
fn run_recbole(
    args: &Args,
    dataset: &Dataset,
    name: &str,
    eval_mode: String,
) -> Result<Row, String> {
    let python = ensure_venv(&args.venv)?;
    let dataset_name = sanitize(name);
    let data_path = args.work_dir.join("recbole-data");
    write_atomic_inter(dataset, &data_path.join(&dataset_name), &dataset_name)?;
    let report_path = args.work_dir.join(format!("recbole-{dataset_name}.json"));
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers/recbole_sasrec.py");
    let mut command = Command::new(&python);
    command
        .arg(&driver)
        .arg("--data-path")
        .arg(&data_path)
        .args(["--dataset", &dataset_name, "--eval-mode", &eval_mode])
        .args(["--epochs", &args.recbole_epochs.to_string()])
        .args(["--seed", &args.seed.to_string()])
        .args([
            "--device",
            if args.device == Device::Cpu {
                "cpu"
            } else {
                "cuda"
            },
        ])
        .arg("--report")
        .arg(&report_path);
    if let Some(seconds) = args.recbole_max_seconds {
        command.args(["--max-seconds", &seconds.to_string()]);
    }
    eprintln!("\ntraining RecBole SASRec ({})", python.display());
    let status = command
        .status()
        .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
    if !status.success() {
        return Err(format!("{} exited with {status}", driver.display()));
    }
    let text = std::fs::read_to_string(&report_path)
        .map_err(|e| format!("{}: {e}", report_path.display()))?;
    let report: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", report_path.display()))?;
    recbole_row(&report).ok_or_else(|| format!("{}: missing keys", report_path.display()))
}

/// The virtual environment's Python, after creating the environment if it is missing.
fn ensure_venv(venv: &Path) -> Result<PathBuf, String> {
    let python = venv.join("bin/python");
    let setup = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers/setup.sh");
    eprintln!("checking the peers' environment {}", venv.display());
    let status = Command::new("bash")
        .arg(&setup)
        .arg(venv)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", setup.display()))?;
    match status.code() {
        Some(0) if python.exists() => Ok(python),
        Some(2) => Err("Python 3 with venv support is missing".to_owned()),
        _ => Err(format!(
            "{} failed ({status}); RecBole and torch could not be installed",
            setup.display()
        )),
    }
}

/// A dataset name RecBole accepts as a directory and file stem.
fn sanitize(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if cleaned.is_empty() {
        "dataset".to_owned()
    } else {
        cleaned
    }
}

/// `<dir>/<name>.inter` with one line per interaction, the timestamp being the interaction's
/// position in its user's sequence: RecBole's leave-one-out by time then cuts exactly where our
/// split does, ties in the original timestamps included.
fn write_atomic_inter(dataset: &Dataset, dir: &Path, name: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut text = String::from("user_id:token\titem_id:token\ttimestamp:float\n");
    for user in 0..dataset.num_users() as u32 {
        for (position, item) in dataset.sequence(user).iter().enumerate() {
            let _ = writeln!(text, "u{user}\ti{item}\t{position}");
        }
    }
    let path = dir.join(format!("{name}.inter"));
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn recbole_row(report: &Value) -> Option<Row> {
    let test = &report["test"];
    let train = &report["train"];
    let curve = report["curve"]
        .as_array()?
        .iter()
        .filter_map(|epoch| {
            Some((
                epoch["seconds"].as_f64()?,
                epoch["valid"]["NDCG@10"].as_f64()?,
            ))
        })
        .collect();
    Some(Row {
        name: "RecBole SASRec".to_owned(),
        hr_at_10: test["HR@10"].as_f64()?,
        ndcg_at_10: test["NDCG@10"].as_f64()?,
        mrr: test["MRR"].as_f64()?,
        train_seconds: train["seconds"].as_f64(),
        targets_per_second: train["sequences_per_second"].as_f64(),
        peak_rss_mb: train["peak_rss_mb"].as_f64(),
        curve,
    })
}

/// The table, the ratios ours / RecBole and the time to RecBole's best validation NDCG@10.
fn render(args: &Args, info: &DatasetInfo, rows: &[Row], note: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{} ({} users, {} items, {} interactions) · leave-one-out · protocol {} · seed {} · {}",
        info.name, info.users, info.items, info.interactions, args.protocol, args.seed, args.device
    );
    let _ = writeln!(
        out,
        "{:<24} {:>7} {:>8} {:>7} {:>9} {:>10} {:>9}",
        "model", "HR@10", "NDCG@10", "MRR", "train s", "targets/s", "peak MiB"
    );
    let optional = |value: Option<f64>, decimals: usize| {
        value.map_or("-".to_owned(), |v| format!("{v:.decimals$}"))
    };
    for row in rows {
        let _ = writeln!(
            out,
            "{:<24} {:>7.4} {:>8.4} {:>7.4} {:>9} {:>10} {:>9}",
            row.name,
            row.hr_at_10,
            row.ndcg_at_10,
            row.mrr,
            optional(row.train_seconds, 1),
            optional(row.targets_per_second, 0),
            optional(row.peak_rss_mb, 0),
        );
    }
    let peer = rows.iter().find(|row| row.name == "RecBole SASRec");
    for ours in rows.iter().filter(|row| row.name.starts_with("ours")) {
        let Some(peer) = peer else { break };
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
            _ => "-".to_owned(),
        };
        let _ = writeln!(
            out,
            "{} / RecBole: HR@10 {} · NDCG@10 {} · train time {} · targets/s {} · peak memory {}",
            ours.name,
            ratio(Some(ours.hr_at_10), Some(peer.hr_at_10)),
            ratio(Some(ours.ndcg_at_10), Some(peer.ndcg_at_10)),
            ratio(ours.train_seconds, peer.train_seconds),
            ratio(ours.targets_per_second, peer.targets_per_second),
            ratio(ours.peak_rss_mb, peer.peak_rss_mb),
        );
        let best = peer
            .curve
            .iter()
            .copied()
            .fold(None, |best: Option<(f64, f64)>, point| match best {
                Some(b) if b.1 >= point.1 => Some(b),
                _ => Some(point),
            });
        if let Some((peer_seconds, peer_best)) = best {
            let reached = ours.curve.iter().find(|(_, ndcg)| *ndcg >= peer_best);
            let _ = match reached {
                Some((seconds, _)) => writeln!(
                    out,
                    "  time to RecBole's best validation NDCG@10 {peer_best:.4}: ours {seconds:.0}s, \
                     RecBole {peer_seconds:.0}s (ratio {:.2})",
                    seconds / peer_seconds
                ),
                None => writeln!(
                    out,
                    "  ours never reached RecBole's best validation NDCG@10 {peer_best:.4} \
                     (RecBole: {peer_seconds:.0}s)"
                ),
            };
        }
    }
    if let Some(note) = note {
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(
        out,
        "MRR: ours over the whole ranking, RecBole's MRR@10. Throughput: next-item targets/s."
    );
    out
}
