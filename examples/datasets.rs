//! Loads datasets and prints their size, load time and what the loader skipped.
//!
//! ```text
//! cargo run --release --example datasets                      # shared datasets + synthetic
//! cargo run --release --example datasets -- sasrec ../shared/data/amazon-games-sasrec/Video.txt
//! cargo run --release --example datasets -- csv ratings.csv --user userId --item movieId
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use instructrec_data::{load, shared_path, Dataset, Format, LoadOptions, SyntheticConfig};
use instructrec_examples::{exit_code, load_options};

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
}

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
        (Some(format), Some(path)) => print_loaded(format, path.clone(), &options),
        (None, None) => {
            for (format, relative) in SHARED {
                let path = shared_path(relative).map_err(|e| e.to_string())?;
                print_loaded(format, path, &options)?;
            }
            let start = Instant::now();
            let dataset = SyntheticConfig::default()
                .generate()
                .map_err(|e| e.to_string())?;
            print_dataset("synthetic (default config)", &dataset, start.elapsed());
            Ok(())
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

fn print_loaded(format: Format, path: PathBuf, options: &LoadOptions) -> Result<(), String> {
    let start = Instant::now();
    let (dataset, report) = load(format, &path, options).map_err(|e| e.to_string())?;
    let elapsed = start.elapsed();
    print_dataset(
        &format!("{} [{format}] {}", dataset.name, path.display()),
        &dataset,
        elapsed,
    );
    println!("  {report}");
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
