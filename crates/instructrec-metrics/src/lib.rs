//! Evaluation metrics and protocols for instructrec (pure Rust, no model dependency).
//!
//! Every number this crate produces is tied to the [`Protocol`] that produced it (design §3):
//! full ranking over the catalog minus the user's history, the sampled protocol of the SASRec
//! paper (`sampled:100`), or LLM-style reranking of shuffled candidates (`rerank:19`).
//!
//! - **Metrics of one ranked list**: [`TargetRanks`] (HR@K, Recall@K, NDCG@K, MRR, MAP@K) built
//!   by [`pessimistic_rank`], [`ranks_of_targets`] or [`ranks_among_candidates`];
//!   [`ItemCoverage`] over many top-K lists; [`auc()`] and [`gauc()`] for pointwise scores.
//! - **Ties are pessimistic**: an item whose score equals a target's is ranked above it, so a
//!   model gains nothing from constant or coarse scores. (AUC keeps the usual ½ per tie.)
//! - **Evaluation**: an [`Evaluator`] streams [`EvalCase`]s in batches through a [`Scorer`] (the
//!   model side) and returns an [`EvalReport`] (JSON via serde, a table via `Display`);
//!   [`PointwiseEvaluator`] does the same for yes/no scores. [`PopularityScorer`] is the
//!   baseline every model must beat, [`ItemKnnScorer`] (co-occurrence item-kNN) the
//!   non-neural sequential one. [`Evaluator::evaluate_stratified`] breaks the same ranked lists
//!   down by [`ItemStrata`] of the targets (e.g. how often they occurred in training).
//! - Bad input (NaN scores, empty or duplicate candidates, a target outside the candidates,
//!   k = 0 …) is a [`MetricsError`], never a panic.
//!
//! ```
//! use instructrec_metrics::{EvalCase, Evaluator, PopularityScorer, Protocol};
//!
//! // 6 items; training interactions make item 0 the most popular, then 1, then 2.
//! let training = [0, 0, 0, 1, 1, 2];
//! let mut popularity = PopularityScorer::from_interactions(6, training)?;
//!
//! // Leave-one-out: user 7 watched item 0 and is held out on item 1.
//! let cases = vec![EvalCase::leave_one_out(7, vec![0], 1)];
//!
//! // Full ranking removes item 0 (history), so item 1 is first: a hit at every cut-off.
//! let full = Evaluator::new(Protocol::Full, 6).evaluate(&mut popularity, cases.clone())?;
//! assert_eq!(full.metric("HR@1"), Some(1.0));
//! assert_eq!(full.metric("MRR"), Some(1.0));
//!
//! // Sampled: the target and 3 negatives from the 4 untouched items {2, 3, 4, 5}. Items 3, 4, 5
//! // have count 0 and item 2 count 1, so the target (count 2) still ranks first.
//! let sampled: Protocol = "sampled:3".parse()?;
//! let report = Evaluator::new(sampled, 6).with_seed(1).evaluate(&mut popularity, cases)?;
//! assert_eq!(report.candidates_per_user, Some(4));
//! assert_eq!(report.metric("NDCG@5"), Some(1.0));
//! println!("{report}");
//! # Ok::<(), instructrec_metrics::MetricsError>(())
//! ```

mod auc;
mod candidates;
mod case;
mod coverage;
mod duplicates;
mod error;
mod evaluator;
mod gauc;
mod item_knn;
mod pointwise;
mod popularity;
mod protocol;
mod rank;
mod ranking_accumulator;
mod report;
mod scorer;
mod seeding;
mod strata;
mod target_ranks;
mod top_k;
mod touched_items;

pub use auc::auc;
pub use candidates::{CandidateProvider, UniformCandidates};
pub use case::EvalCase;
pub use coverage::ItemCoverage;
pub use error::{BoxedError, MetricsError};
pub use evaluator::Evaluator;
pub use gauc::{gauc, Gauc};
pub use item_knn::{ItemKnnConfig, ItemKnnScorer};
pub use pointwise::{
    PointwiseCase, PointwiseEvaluator, PointwiseReport, PointwiseScorer, UserItemPair,
};
pub use popularity::PopularityScorer;
pub use protocol::Protocol;
pub use rank::{pessimistic_rank, ranks_among_candidates, ranks_of_targets};
pub use report::EvalReport;
pub use scorer::Scorer;
pub use strata::{ItemStrata, StratifiedReport, StratumReport};
pub use target_ranks::TargetRanks;
