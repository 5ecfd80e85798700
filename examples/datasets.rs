//! Loads datasets and prints their size, load time and what the loader skipped; with
//! `--baselines <protocol>`, also what the untrained baselines (popularity, item-kNN) score on
//! the leave-one-out test stage, the bar a trained model has to clear.
//!
//! ```text
//! cargo run --release --example datasets                      # shared datasets + synthetic
//! cargo run --release --example datasets -- sasrec ../shared/data/amazon-games-sasrec/Video.txt
//! cargo run --release --example datasets -- recbole ../shared/data/ml-100k --baselines full
//! cargo run --release --example datasets -- csv ratings.csv --user userId --item movieId
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use instructrec_data::{
    load, shared_path, Dataset, Format, LoadOptions, Split, Stage, SyntheticConfig, UserIdx,
};
use instructrec_examples::{exit_code, load_options};
use instructrec_metrics::{
    EvalCase, Evaluator, ItemKnnConfig, ItemKnnScorer, PopularityScorer, Protocol, Scorer,
};

/// Print the figures of a dataset (or of the shared datasets and the synthetic one).
#[derive(Parser)]
struct Args {
    /// recbole, movielens, amazon2023, amazon2018, sasrec or csv.
    format: Option<Format>,
    /// The dataset's file or directory.
    path: Option<PathBuf>,
    /// Skip and count bad lines instead of stopping at the first.
    #[arg(long)]
    skip_bad_lines: bool,
    /// csv: user id column.
    #[arg(long, default_value = "user_id")]
    user: String,
    /// csv: item id column.
    #[arg(long, default_value = "item_id")]
    item: String,
    /// csv: rating column (omit for implicit feedback).
    #[arg(long)]
    rating: Option<String>,
    /// csv: Unix-time column (omit to keep file order).
    #[arg(long)]
    timestamp: Option<String>,
    /// csv: item title column.
    #[arg(long)]
    title: Option<String>,
    /// csv: field delimiter.
    #[arg(long, default_value_t = ',')]
    delimiter: char,
    /// Also score popularity and item-kNN on the leave-one-out test stage under this protocol
    /// (`full`, `sampled:100` …; candidate seed 42, as `evaluate` and `compare` use).
    #[arg(long)]
    baselines: Option<Protocol>,
}

/// The candidate seed of `evaluate` and `compare`, so the baselines match their reports.
const CANDIDATE_SEED: u64 = 42;

/// The shared datasets, by format and path inside the shared folder.
const SHARED: [(Format, &str); 3] = [
    (Format::RecBole, "data/ml-100k"),
    (Format::SasRec, "data/amazon-games-sasrec/Video.txt"),
    (Format::Amazon2023, "data/amazon-reviews-2023-mini"),
];

fn main() -> ExitCode {
    exit_code(run(Args::parse()))
}

fn run(args: Args) -> Result<(), String> {
    let options = options_from(&args)?;
    match (args.format, &args.path) {
        (Some(format), Some(path)) => print_loaded(format, path.clone(), &options, args.baselines),
        (None, None) => {
            for (format, relative) in SHARED {
                let path = shared_path(relative).map_err(|e| e.to_string())?;
                print_loaded(format, path, &options, args.baselines)?;
            }
            let start = Instant::now();
            let dataset = SyntheticConfig::default()
                .generate()
                .map_err(|e| e.to_string())?;
            print_dataset("synthetic (default config)", &dataset, start.elapsed());
            print_baselines(&dataset, args.baselines)
        }
        _ => Err("give both a format and a path, or neither".to_owned()),
    }
}

/// The load options the flags ask for.
fn options_from(args: &Args) -> Result<LoadOptions, String> {
    let mut options = load_options(args.skip_bad_lines);
    let csv = &mut options.csv;
    csv.user = args.user.clone();
    csv.item = args.item.clone();
    csv.rating = args.rating.clone();
    csv.timestamp = args.timestamp.clone();
    csv.title = args.title.clone();
    csv.delimiter = u8::try_from(args.delimiter)
        .map_err(|_| format!("the delimiter `{}` is not ASCII", args.delimiter))?;
    Ok(options)
}

fn print_loaded(
    format: Format,
    path: PathBuf,
    options: &LoadOptions,
    baselines: Option<Protocol>,
) -> Result<(), String> {
    let start = Instant::now();
    let (dataset, report) = load(format, &path, options).map_err(|e| e.to_string())?;
    let elapsed = start.elapsed();
    print_dataset(
        &format!("{} [{format}] {}", dataset.name, path.display()),
        &dataset,
        elapsed,
    );
    println!("  {report}");
    print_baselines(&dataset, baselines)
}

/// Popularity and item-kNN, fitted on the training part, on the test stage of the
/// leave-one-out split (the sequential task's cases: every user with at least 3 interactions).
fn print_baselines(dataset: &Dataset, protocol: Option<Protocol>) -> Result<(), String> {
    let Some(protocol) = protocol else {
        return Ok(());
    };
    let split = Split::leave_one_out(dataset).map_err(|e| e.to_string())?;
    let users = dataset.num_users() as UserIdx;
    let num_items = dataset.num_items() as u32;
    let popularity = PopularityScorer::from_interactions(
        num_items,
        (0..users).flat_map(|user| split.train_sequence(user).iter().copied()),
    )
    .map_err(|e| e.to_string())?;
    let item_knn = ItemKnnScorer::fit(
        num_items,
        (0..users).map(|user| split.train_sequence(user)),
        ItemKnnConfig::default(),
    )
    .map_err(|e| e.to_string())?;
    let cases: Vec<EvalCase<'_>> = split
        .cases(Stage::Test)
        .map(|case| EvalCase::leave_one_out(case.user, case.history, case.target))
        .collect();
    let evaluator = Evaluator::new(protocol, num_items).with_seed(CANDIDATE_SEED);
    let baselines: [(&str, Box<dyn Scorer>); 2] = [
        ("popularity", Box::new(popularity)),
        ("item-kNN", Box::new(item_knn)),
    ];
    for (name, mut scorer) in baselines {
        let start = Instant::now();
        let report = evaluator
            .evaluate(scorer.as_mut(), cases.iter().cloned())
            .map_err(|e| e.to_string())?;
        let metric = |name| report.metric(name).unwrap_or(f64::NAN);
        println!(
            "  {name:<11} test, {protocol}, {} users: HR@10 {:.4} · NDCG@10 {:.4} · MRR {:.4} · {:.1} s",
            cases.len(),
            metric("HR@10"),
            metric("NDCG@10"),
            metric("MRR"),
            start.elapsed().as_secs_f64(),
        );
    }
    Ok(())
}

fn print_dataset(title: &str, dataset: &Dataset, elapsed: Duration) {
    let reviewed_items = dataset.item_counts().iter().filter(|&&c| c > 0).count();
    println!("{title}");
    println!(
        "  users {:>7} | items {:>7} ({} with interactions) | interactions {:>8} | reviews {:>7} | {:.1} ms",
        dataset.num_users(),
        dataset.num_items(),
        reviewed_items,
        dataset.num_interactions(),
        dataset.num_reviews(),
        elapsed.as_secs_f64() * 1e3,
    );
}
