//! Loads a saved recommender and answers one instruction typed on the command line: the top-k
//! items by title, and why (the history items and instruction words the model attended to).
//!
//! First train and save a model, e.g. with the quickstart (it saves `target/quickstart-model`)
//! or `evaluate --save`:
//!
//! ```text
//! cargo run --release --example quickstart
//! cargo run --release --example evaluate -- --format recbole --data ../shared/data/ml-100k \
//!     --protocol full --report ml-100k.json --save target/ml-100k-model
//! ```
//!
//! Then ask it:
//!
//! ```text
//! cargo run --release --example recommend -- --model target/quickstart-model \
//!     --instruction "a haunted house story for a stormy night" -k 5
//! cargo run --release --example recommend -- --model target/quickstart-model \
//!     --instruction "more like these, but funnier" --history i017,i089,i102
//! cargo run --release --example recommend -- --model target/ml-100k-model \
//!     --instruction "a 1990s crime thriller" --history 50,181,258
//! ```
//!
//! History ids are the dataset's raw item ids (for ML-100K, the `item_id` column).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use instructrec_core::{Device, Recommender};
use instructrec_examples::exit_code;

/// Ask a saved recommender for items that fit an instruction.
#[derive(Parser)]
struct Args {
    /// Directory written by `Recommender::save` (quickstart, `evaluate --save`).
    #[arg(long)]
    model: PathBuf,
    /// What the user wants, in plain words.
    #[arg(long)]
    instruction: String,
    /// The user's history: raw item ids, oldest first, comma-separated.
    #[arg(long, value_delimiter = ',')]
    history: Vec<String>,
    /// How many items to return.
    #[arg(short, long, default_value_t = 10)]
    k: usize,
    /// cpu, cuda or cuda:<index> (CUDA needs `--features cuda`).
    #[arg(long, default_value = "cpu")]
    device: Device,
}

fn main() -> ExitCode {
    exit_code(run(Args::parse()))
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let recommender = Recommender::load(&args.model, args.device)?;
    let catalog = recommender.catalog();
    println!(
        "model of `{}` ({} items) on {}",
        recommender.dataset().name,
        catalog.len(),
        recommender.device()
    );
    println!("» {}", args.instruction);
    if !args.history.is_empty() {
        let titles: Vec<String> = args
            .history
            .iter()
            .map(|raw| match catalog.lookup(raw) {
                Ok(item) => catalog.display_name(item),
                Err(_) => raw.clone(),
            })
            .collect();
        println!("  history: {}", titles.join("; "));
    }
    let answer = recommender.explain(&args.instruction, &args.history, args.k)?;
    for (rank, item) in answer.items.iter().enumerate() {
        println!(
            "{:>3}. {}  ({}, score {:.3})",
            rank + 1,
            item.title,
            item.id,
            item.score
        );
    }
    if let Some(explanation) = &answer.explanation {
        println!("why: {explanation}");
    }
    Ok(())
}
