//! The one error type of this crate.

use thiserror::Error;

/// Error raised by scorers and candidate providers, which live outside this crate (a burn model,
/// a baseline, a retriever) and report failures of their own kind.
pub type BoxedError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while computing a metric or running an evaluation.
///
/// Bad input is always reported through this type; the library never panics on it.
#[derive(Debug, Error)]
pub enum MetricsError {
    /// A score is NaN, so no rank can be defined for it.
    #[error("score at position {index} is NaN")]
    NanScore { index: usize },

    /// A ranking was asked for over zero candidates.
    #[error("the candidate list is empty")]
    EmptyCandidates,

    /// A ranking needs at least one relevant (target) item.
    #[error("no target item was given")]
    EmptyTargets,

    /// A target index points outside the score list.
    #[error("target index {index} is out of range for {len} scores")]
    TargetIndexOutOfRange { index: usize, len: usize },

    /// An excluded index points outside the score list.
    #[error("excluded index {index} is out of range for {len} scores")]
    ExcludedIndexOutOfRange { index: usize, len: usize },

    /// A target item id is not in the candidate list it should be ranked in.
    #[error("target item {item} is not among the candidates")]
    TargetNotAmongCandidates { item: u32 },

    /// The same item appears twice in one candidate list.
    #[error("item {item} appears more than once among the candidates")]
    DuplicateCandidate { item: u32 },

    /// The same target appears twice; each relevant item must be listed once. `target` is as the
    /// caller gave it: an index for index-based functions, an item id for item-based ones.
    #[error("target {target} is listed more than once")]
    DuplicateTarget { target: usize },

    /// Target ranks must be distinct positions of one ranked list.
    #[error("rank {rank} is listed more than once")]
    DuplicateRank { rank: usize },

    /// A metric cut-off of zero selects nothing.
    #[error("cut-off k must be at least 1")]
    ZeroCutoff,

    /// An evaluator needs at least one cut-off.
    #[error("no cut-off k was given")]
    NoCutoffs,

    /// An evaluator cannot stream batches of size zero.
    #[error("batch size must be at least 1")]
    ZeroBatchSize,

    /// The catalog has no item.
    #[error("the catalog is empty (num_items = 0)")]
    EmptyCatalog,

    /// An item id is not in `0..num_items`.
    #[error("item {item} is out of range for a catalog of {num_items} items")]
    ItemOutOfRange { item: u32, num_items: u32 },

    /// Two parallel inputs disagree in length.
    #[error("{what}: expected length {expected}, got {actual}")]
    LengthMismatch {
        what: &'static str,
        expected: usize,
        actual: usize,
    },

    /// The user touched so much of the catalog that too few items are left to sample from.
    #[error(
        "user {user}: {needed} candidates requested but only {available} untouched items exist"
    )]
    NotEnoughNegatives {
        user: u32,
        needed: usize,
        available: usize,
    },

    /// A candidate provider returned an item from the user's history.
    #[error("user {user}: candidate {item} is in the user's history")]
    CandidateInHistory { user: u32, item: u32 },

    /// A candidate provider returned one of the user's targets as an "other" candidate.
    #[error("user {user}: candidate {item} is one of the targets")]
    CandidateIsTarget { user: u32, item: u32 },

    /// A candidate provider was given for a protocol that does not use one.
    #[error("protocol `{protocol}` does not take a candidate provider (only rerank does)")]
    ProviderNotApplicable { protocol: String },

    /// AUC is undefined when all labels are positive or all negative.
    #[error("AUC needs both positive and negative labels ({positives} positives, {negatives} negatives)")]
    SingleClass { positives: usize, negatives: usize },

    /// GAUC is undefined when no user has both a positive and a negative impression.
    #[error("GAUC is undefined: none of the {users_skipped} users has both classes")]
    NoUserWithBothClasses { users_skipped: usize },

    /// A metric over zero lists or zero impressions has no value.
    #[error("nothing to evaluate: {what} is empty")]
    NothingToEvaluate { what: &'static str },

    /// A baseline's setting is out of range.
    #[error("invalid `{name}`: {message}")]
    InvalidParameter { name: &'static str, message: String },

    /// A protocol string could not be parsed.
    #[error("invalid protocol `{input}`: {reason} (expected `full`, `sampled:N` or `rerank:N`)")]
    InvalidProtocol { input: String, reason: String },

    /// The scorer failed.
    #[error("scorer failed")]
    Scorer(#[source] BoxedError),

    /// The scorer returned output of the wrong shape.
    #[error("scorer returned {actual} scores for case {case}, expected {expected}")]
    ScoreShape {
        case: usize,
        expected: usize,
        actual: usize,
    },

    /// The candidate provider failed.
    #[error("candidate provider failed")]
    CandidateProvider(#[source] BoxedError),
}
