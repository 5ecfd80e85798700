//! A recommender head written outside the instructrec crates: cosine similarity with a hinge
//! (margin ranking) loss. It implements `RecommenderHead`, trains the model for a few AdamW steps
//! on a small synthetic problem, ranks the catalog through `CatalogIndex` (which uses the head's
//! own cosine `score`) for held-out users, and reports HR@10 / NDCG@10 next to popularity.
//!
//! Run: `cargo run --release --example custom_head`.

use burn::module::AutodiffModule;
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use instructrec_data::Catalog;
use instructrec_fusion::{ItemFeatures, ItemFeaturesConfig, ItemTowerConfig, Modalities};
use instructrec_metrics::{pessimistic_rank, TargetRanks};
use instructrec_model::{
    CatalogIndex, CpuAutodiffBackend, InstructRec, InstructRecConfig, Instruction, ItemSet,
    ModelError, QueryTowerConfig, RecommenderHead, Request,
};

/// Words of the toy vocabulary; token id = index + 1 (0 is padding).
const WORDS: [&str; 12] = [
    "crime",
    "comedy",
    "space",
    "drama",
    "story",
    "night",
    "city",
    "dream",
    "something",
    "with",
    "more",
    "please",
];
const GENRES: [&str; 4] = ["crime", "comedy", "space", "drama"];
const ITEMS_PER_GENRE: u32 = 8;

fn tokenize(text: &str) -> Vec<u32> {
    text.split_whitespace()
        .filter_map(|word| WORDS.iter().position(|w| *w == word))
        .map(|index| index as u32 + 1)
        .collect()
}

/// Cosine similarity between query and item, divided by a temperature, trained with a margin:
/// every negative should score at least `margin` below the positive.
#[derive(Debug, Clone)]
struct CosineHingeHead {
    temperature: f32,
    margin: f32,
}

/// One positive row of the item table per query; every other row is a negative.
struct CosineHingeTarget {
    positives: Vec<u32>,
}

fn unit_rows<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    let norm = x.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-6);
    x / norm
}

impl<B: Backend> RecommenderHead<B> for CosineHingeHead {
    type Target = CosineHingeTarget;

    fn score(&self, queries: Tensor<B, 2>, items: Tensor<B, 2>) -> Tensor<B, 2> {
        unit_rows(queries).matmul(unit_rows(items).transpose()) / self.temperature
    }

    fn loss(
        &self,
        queries: Tensor<B, 2>,
        items: Tensor<B, 2>,
        target: &CosineHingeTarget,
    ) -> Result<Tensor<B, 1>, ModelError> {
        let ([n, _], [m, _]) = (queries.dims(), items.dims());
        if target.positives.len() != n || target.positives.iter().any(|&r| r as usize >= m) {
            return Err(ModelError::InvalidInput {
                name: "positives",
                message: format!("need {n} rows below {m}"),
            });
        }
        let device = queries.device();
        let scores = self.score(queries, items) * self.temperature;
        let rows: Vec<i64> = target.positives.iter().map(|&r| i64::from(r)).collect();
        let rows = Tensor::<B, 2, Int>::from_data(TensorData::new(rows, [n, 1]), &device);
        let positive = scores.clone().gather(1, rows);
        let mut negative = vec![1.0f32; n * m];
        for (query, &row) in target.positives.iter().enumerate() {
            negative[query * m + row as usize] = 0.0;
        }
        let negative = Tensor::<B, 2>::from_data(TensorData::new(negative, [n, m]), &device);
        let hinge = (scores - positive + self.margin).clamp_min(0.0) * negative;
        Ok(hinge.sum_dim(1).mean() / (m as f32 - 1.0).max(1.0))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    type A = CpuAutodiffBackend;
    let device = Default::default();
    A::seed(&device, 7);

    // 32 items in 4 genres; item i belongs to genre i / 8.
    let mut catalog = Catalog::new();
    for genre in GENRES {
        for k in 0..ITEMS_PER_GENRE {
            let idx = catalog.intern(&format!("{genre}-{k}"));
            let extra = ["story", "night", "city", "dream"][k as usize % 4];
            catalog.get_mut(idx).unwrap().title = Some(format!("{genre} {extra}"));
        }
    }
    let features = ItemFeatures::from_catalog(&catalog, &ItemFeaturesConfig::new(), tokenize)?;
    let mut dims = features.dims();
    dims.vocab_size = WORDS.len() + 1;
    let config = InstructRecConfig::new(
        ItemTowerConfig::new(16, dims, Modalities::available(&dims)).with_dropout(0.0),
        QueryTowerConfig::new(16)
            .with_n_layers(1)
            .with_d_ff(32)
            .with_dropout(0.0)
            .with_max_history(6)
            .with_max_instruction_tokens(4),
    );
    let mut model: InstructRec<A> = config.init(&device)?;
    let head = CosineHingeHead {
        temperature: 0.1,
        margin: 0.2,
    };

    // Each user has a history in one genre and asks for "something <genre>"; the target is
    // another item of that genre.
    let users: Vec<(Vec<u32>, Vec<u32>, u32)> = (0..64u32)
        .map(|u| {
            let genre = u % 4;
            let item = |k: u32| genre * ITEMS_PER_GENRE + (u / 4 + 3 * k) % ITEMS_PER_GENRE;
            let instruction = tokenize(&format!("something {} please", GENRES[genre as usize]));
            (instruction, (0..3).map(item).collect(), item(3))
        })
        .collect();
    let instructions: Vec<Vec<u32>> = users.iter().map(|u| u.0.clone()).collect();
    let histories: Vec<Vec<u32>> = users.iter().map(|u| u.1.clone()).collect();
    let targets: Vec<u32> = users.iter().map(|u| u.2).collect();

    let mut optimizer = AdamWConfig::new().init();
    let mut losses = Vec::new();
    for step in 0..40 {
        let mut items = ItemSet::full(features.num_items());
        let batch =
            model
                .batch_builder()
                .tokens::<A>(&instructions, &histories, &mut items, &device)?;
        let table = model.item_table(&features, &items, &device)?;
        let queries = model.encode_query(&batch, table.clone())?.query;
        let target = CosineHingeTarget {
            positives: targets.clone(),
        };
        let loss = head.loss(queries, table, &target)?;
        let value: f32 = loss.clone().into_scalar();
        if step % 5 == 0 {
            println!("step {step:>2}: hinge loss {value:.4}");
        }
        losses.push(value);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(1e-2, model, grads);
    }
    let (first, last) = (losses[0], losses[losses.len() - 1]);
    println!("loss {first:.4} -> {last:.4}");
    if last >= first {
        return Err("the custom head did not lower the loss".into());
    }

    // Inference ranks with the custom head's cosine score.
    let index = CatalogIndex::new(model.valid(), &features, head, &device)?;
    evaluate(&index, &histories, &targets, features.num_items())?;
    let request = Request {
        instruction: Instruction::Tokens(tokenize("something space please")),
        history: vec![17, 18, 19],
        exclude: vec![17, 18, 19],
    };
    let answer = &index.recommend(&[request], 5, true)?[0];
    println!("top 5 for \"something space please\" after space-1, space-2, space-3:");
    for scored in &answer.items {
        let name = catalog.raw_id(scored.item).unwrap_or("?");
        println!("  {name:<10} score {:.3}", scored.score);
    }
    if let Some(explanation) = &answer.explanation {
        let because: Vec<String> = explanation
            .history
            .iter()
            .map(|s| format!("{} ({:.2})", catalog.raw_id(s.item).unwrap_or("?"), s.score))
            .collect();
        println!("  attention on the history: {}", because.join(", "));
        println!(
            "  attention on the instruction tokens: {:.2?}",
            explanation.instruction
        );
    }
    Ok(())
}

/// Held-out users: a history of two items of one genre and a request for it; the target is a
/// third item of that genre that no training user had as target in that position. Both the
/// model and popularity (training histories and targets counted) rank the whole catalog
/// minus the history.
fn evaluate<B: Backend>(
    index: &CatalogIndex<B, CosineHingeHead>,
    train_histories: &[Vec<u32>],
    train_targets: &[u32],
    num_items: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut popularity = vec![0.0f32; num_items];
    for &item in train_histories.iter().flatten().chain(train_targets) {
        popularity[item as usize] += 1.0;
    }
    let (mut model_ranks, mut popularity_ranks) = (Vec::new(), Vec::new());
    for u in 0..32u32 {
        let genre = u % 4;
        let item = |k: u32| genre * ITEMS_PER_GENRE + (u / 4 + 5 * k + 1) % ITEMS_PER_GENRE;
        let history = vec![item(0), item(1)];
        let target = item(2);
        let request = Request {
            instruction: Instruction::Tokens(tokenize(&format!(
                "something {} please",
                GENRES[genre as usize]
            ))),
            history: history.clone(),
            exclude: history.clone(),
        };
        let answer = &index.recommend(&[request], num_items - history.len(), false)?[0];
        let mut scores = vec![f32::NEG_INFINITY; num_items];
        for scored in &answer.items {
            scores[scored.item as usize] = scored.score;
        }
        model_ranks.push(pessimistic_rank(&scores, target as usize)?);
        let mut counts = popularity.clone();
        for &seen in &history {
            counts[seen as usize] = f32::NEG_INFINITY;
        }
        popularity_ranks.push(pessimistic_rank(&counts, target as usize)?);
    }
    let mean = |ranks: &[usize]| -> Result<(f64, f64), Box<dyn std::error::Error>> {
        let (mut hr, mut ndcg) = (0.0, 0.0);
        for &rank in ranks {
            let user = TargetRanks::new(vec![rank])?;
            hr += user.hit_rate_at(10)?;
            ndcg += user.ndcg_at(10)?;
        }
        Ok((hr / ranks.len() as f64, ndcg / ranks.len() as f64))
    };
    let (model_hr, model_ndcg) = mean(&model_ranks)?;
    let (popularity_hr, popularity_ndcg) = mean(&popularity_ranks)?;
    println!("held-out users ({num_items} items, history excluded):");
    println!("  custom head  HR@10 {model_hr:.3}  NDCG@10 {model_ndcg:.3}");
    println!("  popularity   HR@10 {popularity_hr:.3}  NDCG@10 {popularity_ndcg:.3}");
    if model_ndcg <= popularity_ndcg {
        return Err("the custom head did not beat popularity on held-out users".into());
    }
    Ok(())
}
