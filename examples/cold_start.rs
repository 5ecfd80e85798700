//! Cold start: holds a share of the catalog out of training entirely, trains on the rest, then
//! asks for those unseen items — by history alone and with instructions — and reports how often
//! they reach the top 10, against picking at random.
//!
//! ```text
//! cargo run --release --example cold_start -- --format recbole --data ../shared/data/ml-100k \
//!     --cold-fraction 0.1 --report target/cold-start-ml-100k.json
//! ```
//!
//! The cold items keep their content (title, categories, year) in the catalog but lose every
//! interaction, so the model never sees their ID: their vectors come from content alone. Each
//! user's first interaction with a cold item becomes one query, with the user's earlier
//! (warm) items as history. The popularity baseline never ranks a cold item: it has no
//! training interaction. Besides HR@10 the table gives the target's mean rank as a share of the
//! ranked list (0 = always first, 0.5 = what a random order gives), and HR@10 among the cold
//! items alone: the cold-start protocol of DropoutNet and CLCRec, where the question is which of
//! the new items to show a user. A content baseline sits beside it: the cold items ranked by how
//! well their categories match those of the user's history (ties in random order).

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use instructrec_core::data::Dataset;
use instructrec_core::instruct::{
    DatasetGenerator, InstructError, InstructionGenerator, InstructionRequest, TaskKind,
};
use instructrec_core::{default_trainer, Device, Recommender, RecommenderConfig};
use instructrec_examples::{exit_code, DatasetArgs};
use rand::rngs::StdRng;
use rand::seq::index;
use rand::SeedableRng;
use serde_json::json;

/// Train without a share of the items and measure how well they are retrieved from content.
#[derive(Parser)]
// The shared `--format` help, adding that this example needs item content; `mut_args` (unlike
// `mut_arg`) leaves the argument where it is in the usage line.
#[command(mut_args(|arg| match arg.get_id().as_str() {
    "format" => arg.help(
        "recbole, movielens, amazon2023, amazon2018, sasrec or csv (the items need content)",
    ),
    _ => arg,
}))]
struct Args {
    #[command(flatten)]
    dataset: DatasetArgs,
    /// Share of the items with interactions held out of training.
    #[arg(long, default_value_t = 0.1)]
    cold_fraction: f64,
    /// Most training epochs.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Share of the items whose ID is hidden in each training epoch, so the model learns to
    /// represent items from content alone (0 turns it off).
    #[arg(long, default_value_t = 0.2)]
    id_dropout: f64,
    /// Also score items by a content term matched directly against the request (the content
    /// half is all a cold item has).
    #[arg(long)]
    content_match: bool,
    /// Seed of the cold items, the model and the instructions.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// `cpu` or `cuda` (needs `--features cuda`).
    #[arg(long, default_value = "cpu")]
    device: Device,
    /// Write the results as JSON here.
    #[arg(long)]
    report: Option<PathBuf>,
}

/// The tasks asked about cold items: history alone, a vague and a specific intention.
const TASKS: [TaskKind; 4] = [
    TaskKind::Sequential,
    TaskKind::VagueIntent,
    TaskKind::PersonalizedSearch,
    TaskKind::ProductSearch,
];

fn main() -> ExitCode {
    exit_code(run(Args::parse()))
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    if !(args.cold_fraction > 0.0 && args.cold_fraction < 1.0) {
        return Err(format!(
            "--cold-fraction must lie in (0, 1), got {}",
            args.cold_fraction
        )
        .into());
    }
    let (dataset, _) = args.dataset.load()?;
    let cold = cold_items(&dataset, args.cold_fraction, args.seed)?;
    let warm = dataset.retain(|interaction| !cold.contains(&interaction.item));
    eprintln!(
        "{}: {} of {} items held out ({} of {} interactions left for training)",
        dataset.name,
        cold.len(),
        dataset.num_items(),
        warm.num_interactions(),
        dataset.num_interactions()
    );

    let config = RecommenderConfig::new()
        .with_content_match(args.content_match)
        .with_trainer(default_trainer().with_id_dropout(args.id_dropout))
        .with_epochs(args.epochs)
        .with_seed(args.seed);
    let generator_config = config.trainer.data.generator.clone();
    let mut recommender = Recommender::new(&warm, config, args.device)?;
    recommender.fit(&warm)?;

    // Instructions are worded from the whole dataset: the cold item's own content is what a
    // user asking for it would describe (its title never appears in an intention).
    let generator = DatasetGenerator::new(&dataset, generator_config)?;
    let mut results = BTreeMap::new();
    println!(
        "\ncold items of {} · {} held out · top 10 of {} items",
        dataset.name,
        cold.len(),
        dataset.num_items()
    );
    println!(
        "{:<20} {:>7} {:>8} {:>8} {:>12} {:>10} {:>10} {:>10} {:>12}",
        "task",
        "queries",
        "HR@10",
        "NDCG@10",
        "random HR@10",
        "mean rank",
        "cold HR@10",
        "random",
        "categories"
    );
    for kind in TASKS {
        let outcome = ask(&recommender, &dataset, &generator, &cold, kind, args.seed)?;
        println!(
            "{:<20} {:>7} {:>8.4} {:>8.4} {:>12.4} {:>10.3} {:>10.4} {:>10.4} {:>12}",
            kind.to_string(),
            outcome.queries,
            outcome.hr_at_10,
            outcome.ndcg_at_10,
            outcome.random_hr_at_10,
            outcome.mean_rank_percentile,
            outcome.cold_hr_at_10,
            outcome.cold_random_hr_at_10,
            outcome
                .baseline_hr_at_10
                .map_or_else(|| "-".to_owned(), |hr| format!("{hr:.4}"))
        );
        results.insert(
            kind.to_string(),
            json!({
                "queries": outcome.queries,
                "HR@10": outcome.hr_at_10,
                "NDCG@10": outcome.ndcg_at_10,
                "random_HR@10": outcome.random_hr_at_10,
                "mean_rank_percentile": outcome.mean_rank_percentile,
                "cold_only": {
                    "HR@10": outcome.cold_hr_at_10,
                    "NDCG@10": outcome.cold_ndcg_at_10,
                    "random_HR@10": outcome.cold_random_hr_at_10,
                    "category_profile_HR@10": outcome.baseline_hr_at_10,
                },
            }),
        );
    }
    if let Some(path) = &args.report {
        let report = json!({
            "dataset": dataset.name,
            "cold_items": cold.len(),
            "items": dataset.num_items(),
            "seed": args.seed,
            "epochs": args.epochs,
            "device": args.device.to_string(),
            "results": results,
        });
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
            .map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// A seeded share of the items that have at least one interaction.
fn cold_items(dataset: &Dataset, fraction: f64, seed: u64) -> Result<HashSet<u32>, String> {
    let counts = dataset.item_counts();
    let interacted: Vec<u32> = (0..counts.len() as u32)
        .filter(|&item| counts[item as usize] > 0)
        .collect();
    let n = ((interacted.len() as f64) * fraction).round() as usize;
    if n == 0 {
        return Err("the cold fraction selects no item".to_owned());
    }
    let mut rng = StdRng::seed_from_u64(seed);
    Ok(index::sample(&mut rng, interacted.len(), n)
        .into_iter()
        .map(|i| interacted[i])
        .collect())
}

struct Outcome {
    queries: usize,
    hr_at_10: f64,
    ndcg_at_10: f64,
    random_hr_at_10: f64,
    /// Mean of rank / list length (0 = top; 0.5 = what random ranking gives).
    mean_rank_percentile: f64,
    /// HR@10 and NDCG@10 when only the cold items are ranked.
    cold_hr_at_10: f64,
    cold_ndcg_at_10: f64,
    /// 10 / number of cold items.
    cold_random_hr_at_10: f64,
    /// HR@10 among the cold items of the category-profile baseline (tasks with a history).
    baseline_hr_at_10: Option<f64>,
}

/// Hits in the top 10 and their NDCG@10 gains, summed over the queries of one kind of list.
#[derive(Default)]
struct Hits {
    hits: f64,
    ndcg: f64,
}

impl Hits {
    /// A target with `above` items ranked before it and `ties` others scored the same, in random
    /// order among themselves: adds its expected hit and gain.
    fn add(&mut self, above: usize, ties: usize) {
        let share = 1.0 / (ties + 1) as f64;
        for position in (above..=above + ties).take_while(|&position| position < 10) {
            self.hits += share;
            self.ndcg += share / ((position + 2) as f64).log2();
        }
    }
}

/// The content baseline: cold items ranked by how well their categories match those of the
/// history (cosine of the history's summed, length-normalized category vectors with the item's).
fn category_profile_rank(
    dataset: &Dataset,
    history: &[u32],
    cold: &HashSet<u32>,
    target: u32,
) -> (usize, usize) {
    let normalized = |item: u32| {
        let categories = dataset
            .catalog
            .get(item)
            .map_or(&[][..], |item| item.categories.as_slice());
        let weight = 1.0 / (categories.len().max(1) as f64).sqrt();
        categories
            .iter()
            .map(move |&category| (category as usize, weight))
    };
    let mut profile = vec![0.0; dataset.catalog.categories.len()];
    for &item in history {
        for (category, weight) in normalized(item) {
            profile[category] += weight;
        }
    }
    let score = |item: u32| -> f64 { normalized(item).map(|(c, w)| profile[c] * w).sum() };
    let target_score = score(target);
    let (mut above, mut ties) = (0, 0);
    for &item in cold.iter().filter(|&&item| item != target) {
        let other = score(item);
        if (other - target_score).abs() <= 1e-9 {
            ties += 1;
        } else if other > target_score {
            above += 1;
        }
    }
    (above, ties)
}

/// One query per user: their first cold item, asked as `kind` with the warm items before it.
fn ask(
    recommender: &Recommender,
    dataset: &Dataset,
    generator: &DatasetGenerator<'_>,
    cold: &HashSet<u32>,
    kind: TaskKind,
    seed: u64,
) -> Result<Outcome, Box<dyn std::error::Error>> {
    let (mut queries, mut random, mut rank_sum) = (0usize, 0.0, 0.0);
    let (mut catalog_hits, mut cold_hits) = (Hits::default(), Hits::default());
    let mut baseline_hits = Hits::default();
    let cold_ids: HashSet<&str> = cold
        .iter()
        .filter_map(|&item| dataset.catalog.raw_id(item))
        .collect();
    for user in 0..dataset.num_users() as u32 {
        let sequence = dataset.sequence(user);
        let Some(position) = sequence.iter().position(|item| cold.contains(item)) else {
            continue;
        };
        let target = sequence[position];
        let request = InstructionRequest::new(kind, user, position, target);
        let instruction = match generator.generate_seeded(&request, seed ^ u64::from(user)) {
            Ok(instruction) => instruction,
            // What the instruction needs is missing (no history, no content to describe the
            // item): such a query cannot be asked and is not counted.
            Err(InstructError::EmptyHistory { .. } | InstructError::Unavailable { .. }) => continue,
            Err(error) => return Err(error.into()),
        };
        let history: Vec<&str> = if kind == TaskKind::ProductSearch {
            Vec::new()
        } else {
            sequence[..position]
                .iter()
                .filter_map(|&item| dataset.catalog.raw_id(item))
                .collect()
        };
        let ranking = recommender.recommend(&instruction.text, &history, dataset.num_items())?;
        let target_id = dataset.catalog.raw_id(target).unwrap_or_default();
        let rank = ranking
            .items
            .iter()
            .position(|item| item.id == target_id)
            .ok_or_else(|| format!("the target {target_id} is missing from the full ranking"))?;
        catalog_hits.add(rank, 0);
        let cold_above = ranking.items[..rank]
            .iter()
            .filter(|item| cold_ids.contains(item.id.as_str()))
            .count();
        cold_hits.add(cold_above, 0);
        if !history.is_empty() {
            let (above, ties) = category_profile_rank(dataset, &sequence[..position], cold, target);
            baseline_hits.add(above, ties);
        }
        rank_sum += rank as f64 / ranking.items.len() as f64;
        random += 10.0 / (dataset.num_items() - history.len()) as f64;
        queries += 1;
    }
    let per_query = |sum: f64| {
        if queries == 0 {
            0.0
        } else {
            sum / queries as f64
        }
    };
    Ok(Outcome {
        queries,
        hr_at_10: per_query(catalog_hits.hits),
        ndcg_at_10: per_query(catalog_hits.ndcg),
        random_hr_at_10: per_query(random),
        mean_rank_percentile: per_query(rank_sum),
        cold_hr_at_10: per_query(cold_hits.hits),
        cold_ndcg_at_10: per_query(cold_hits.ndcg),
        cold_random_hr_at_10: (10.0 / cold.len() as f64).min(1.0),
        baseline_hr_at_10: (kind != TaskKind::ProductSearch).then(|| per_query(baseline_hits.hits)),
    })
}
