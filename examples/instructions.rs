//! Prints generated instructions of every task, in every form, for real MovieLens-100K users.
//!
//! ```text
//! cargo run --release --example instructions                 # users 1 and 2, seed 7
//! cargo run --release --example instructions -- --users 5 --seed 3
//! ```
//!
//! Each user's last interaction is the target (leave-one-out); pairwise and reranking questions
//! use items the user never touched as the other candidates, shuffled so the target's position
//! says nothing.

use std::error::Error;
use std::time::Instant;

use clap::Parser;
use instructrec_data::{load, shared_path, Format, ItemIdx, LoadOptions, Sampler, UniformSampler};
use instructrec_instruct::{
    DatasetGenerator, GeneratorConfig, InstructError, InstructionGenerator, InstructionRequest,
    TaskForm, TaskKind,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Print generated instructions for the first users of MovieLens-100K.
#[derive(Parser)]
struct Args {
    /// How many users to show.
    #[arg(long, default_value_t = 2)]
    users: u32,
    /// Seed of every random choice (template, attributes, negatives).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Candidates in a reranking question, the target included.
    #[arg(long, default_value_t = 5)]
    candidates: usize,
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let path = shared_path("data/ml-100k")?;
    let (dataset, _) = load(Format::RecBole, &path, &LoadOptions::default())?;
    let started = Instant::now();
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default())?;
    println!(
        "MovieLens-100K: {} users, {} items; generator built in {:.1} ms with {} templates; seed {}",
        dataset.num_users(),
        dataset.num_items(),
        started.elapsed().as_secs_f64() * 1e3,
        generator.registry().len(),
        args.seed
    );
    let sampler = UniformSampler::new(&dataset)?;
    let mut rng = StdRng::seed_from_u64(args.seed);

    for user in 0..args.users.min(dataset.num_users() as u32) {
        let probe = InstructionRequest::leave_last_out(&dataset, TaskKind::Sequential, user)?;
        let target = probe.target;
        let raw_id = dataset.users().name(user).unwrap_or("?");
        println!(
            "\n=== user {raw_id}: {} items before the target `{}` ===",
            probe.history_len,
            dataset.catalog.display_name(target)
        );
        let negatives = sampler.sample(user, args.candidates.max(2) - 1, &mut rng)?;
        let mut candidates: Vec<ItemIdx> = negatives.iter().copied().chain([target]).collect();
        candidates.shuffle(&mut rng);
        let forms = [
            TaskForm::Pointwise { item: target },
            TaskForm::Pairwise {
                first: negatives[0],
                second: target,
            },
            TaskForm::Matching,
            TaskForm::Reranking { candidates },
        ];
        for kind in TaskKind::ALL {
            for form in &forms {
                if kind
                    .required_form()
                    .is_some_and(|required| required != form.kind())
                {
                    continue;
                }
                let request = InstructionRequest::leave_last_out(&dataset, kind, user)?
                    .with_form(form.clone());
                match generator.generate(&request, &mut rng) {
                    Ok(instruction) => {
                        println!("[{kind} {}] {}", instruction.template_id, instruction.text)
                    }
                    Err(InstructError::Unavailable { what, reason, .. }) => {
                        println!("[{kind} {}] (no {what}: {reason})", form.kind())
                    }
                    Err(other) => return Err(other.into()),
                }
            }
        }
        let request = InstructionRequest::leave_last_out(&dataset, TaskKind::VagueIntent, user)?
            .with_context("It is Friday night and friends are coming over.");
        let instruction = generator.generate(&request, &mut rng)?;
        println!(
            "[{} with context {}] {}",
            instruction.kind, instruction.template_id, instruction.text
        );
    }
    Ok(())
}
