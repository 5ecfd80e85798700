//! Streaming ranking evaluation of a [`Scorer`] under a [`Protocol`].

use rand::seq::SliceRandom;

use crate::candidates::{check_provided, CandidateProvider};
use crate::case::EvalCase;
use crate::error::MetricsError;
use crate::protocol::Protocol;
use crate::rank::{ranks_among_candidates, ranks_of_targets};
use crate::ranking_accumulator::RankingAccumulator;
use crate::report::EvalReport;
use crate::scorer::Scorer;
use crate::seeding::case_rng;
use crate::strata::{ItemStrata, StratifiedReport, StratumReport};
use crate::target_ranks::TargetRanks;
use crate::top_k::top_k_items;
use crate::touched_items::TouchedItems;

/// Runs a ranking evaluation: streams cases in batches of `batch_size` through a [`Scorer`],
/// ranks each user's targets under `protocol` and averages the metrics at every cut-off in `ks`.
///
/// Memory stays at one batch of scores (`batch_size × num_items` floats under full ranking) plus
/// O(num_items), whatever the number of users. Candidate lists depend only on `seed` and the user
/// id, so reports do not change with the batch size or the order of cases.
///
/// ```
/// use instructrec_metrics::{EvalCase, Evaluator, PopularityScorer, Protocol};
/// // Item 2 is the most popular, then 0.
/// let mut popularity = PopularityScorer::from_interactions(4, [2, 2, 2, 0, 0, 1])?;
/// let cases = vec![
///     EvalCase::leave_one_out(0, vec![1], 2), // 2 ranks first
///     EvalCase::leave_one_out(1, vec![2], 0), // 2 is history: 0 ranks first
/// ];
/// let report = Evaluator::new(Protocol::Full, 4).evaluate(&mut popularity, cases)?;
/// assert_eq!(report.metric("HR@1"), Some(1.0));
/// # Ok::<(), instructrec_metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluator {
    /// Which candidates each target is ranked against.
    pub protocol: Protocol,
    /// Cut-offs of HR, Recall, NDCG, MAP and coverage.
    pub ks: Vec<usize>,
    /// Cases scored per call to the scorer.
    pub batch_size: usize,
    /// Seed of candidate sampling and shuffling.
    pub seed: u64,
    /// Catalog size; item ids are `0..num_items`.
    pub num_items: u32,
}

impl Evaluator {
    /// The design's cut-offs.
    pub const DEFAULT_KS: [usize; 4] = [1, 5, 10, 20];
    /// Default number of cases per scorer call.
    pub const DEFAULT_BATCH_SIZE: usize = 256;
    /// Default seed; reports always state the seed used.
    pub const DEFAULT_SEED: u64 = 42;

    /// An evaluator with the default cut-offs, batch size and seed.
    pub fn new(protocol: Protocol, num_items: u32) -> Self {
        Self {
            protocol,
            ks: Self::DEFAULT_KS.to_vec(),
            batch_size: Self::DEFAULT_BATCH_SIZE,
            seed: Self::DEFAULT_SEED,
            num_items,
        }
    }

    /// Replaces the cut-offs.
    pub fn with_ks(mut self, ks: impl Into<Vec<usize>>) -> Self {
        self.ks = ks.into();
        self
    }

    /// Replaces the batch size.
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Replaces the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`MetricsError::NoCutoffs`], [`MetricsError::ZeroCutoff`], [`MetricsError::ZeroBatchSize`],
    /// [`MetricsError::EmptyCatalog`].
    pub fn validate(&self) -> Result<(), MetricsError> {
        if self.ks.is_empty() {
            return Err(MetricsError::NoCutoffs);
        }
        if self.ks.contains(&0) {
            return Err(MetricsError::ZeroCutoff);
        }
        if self.batch_size == 0 {
            return Err(MetricsError::ZeroBatchSize);
        }
        if self.num_items == 0 {
            return Err(MetricsError::EmptyCatalog);
        }
        Ok(())
    }

    /// Evaluates `scorer` on `cases`. Under [`Protocol::Rerank`] the other candidates are drawn
    /// uniformly from the items each user never touched.
    ///
    /// # Errors
    /// Invalid settings or cases, scorer failures or mis-shaped scores, NaN scores, too few
    /// untouched items to sample from, and no cases at all.
    pub fn evaluate<'a, S>(
        &self,
        scorer: &mut S,
        cases: impl IntoIterator<Item = EvalCase<'a>>,
    ) -> Result<EvalReport, MetricsError>
    where
        S: Scorer + ?Sized,
    {
        Ok(self.run(scorer, None, None, cases)?.overall)
    }

    /// Evaluates `scorer` on `cases` like [`evaluate`](Self::evaluate), and the same ranked
    /// lists again per stratum of their targets (e.g. how often the target occurred in training).
    ///
    /// ```
    /// use instructrec_metrics::{EvalCase, Evaluator, ItemStrata, PopularityScorer, Protocol};
    /// let counts = [3, 2, 0, 1];
    /// let mut popularity = PopularityScorer::from_interactions(4, [0, 0, 0, 1, 1, 3])?;
    /// let strata = ItemStrata::by_count(&counts, &[1])?; // "0" and "1+"
    /// let cases = vec![
    ///     EvalCase::leave_one_out(0, vec![3], 0), // popular target: ranks first
    ///     EvalCase::leave_one_out(1, vec![3], 2), // never seen: ranks last
    /// ];
    /// let report =
    ///     Evaluator::new(Protocol::Full, 4).evaluate_stratified(&mut popularity, cases, &strata)?;
    /// assert_eq!(report.overall.metric("HR@1"), Some(0.5));
    /// let unseen = report.strata[0].report.as_ref().unwrap();
    /// assert_eq!((unseen.users, unseen.metric("HR@1")), (1, Some(0.0)));
    /// # Ok::<(), instructrec_metrics::MetricsError>(())
    /// ```
    ///
    /// # Errors
    /// As [`evaluate`](Self::evaluate), plus [`MetricsError::LengthMismatch`] if the strata do
    /// not cover the catalog.
    pub fn evaluate_stratified<'a, S>(
        &self,
        scorer: &mut S,
        cases: impl IntoIterator<Item = EvalCase<'a>>,
        strata: &ItemStrata,
    ) -> Result<StratifiedReport, MetricsError>
    where
        S: Scorer + ?Sized,
    {
        if strata.num_items() != self.num_items as usize {
            return Err(MetricsError::LengthMismatch {
                what: "item strata (one per catalog item)",
                expected: self.num_items as usize,
                actual: strata.num_items(),
            });
        }
        self.run(scorer, None, Some(strata), cases)
    }

    /// Evaluates `scorer` under [`Protocol::Rerank`] with the other candidates taken from
    /// `provider` (e.g. a first-stage retriever). The evaluator checks and shuffles them.
    ///
    /// # Errors
    /// As [`evaluate`](Self::evaluate), plus [`MetricsError::ProviderNotApplicable`] under another
    /// protocol, provider failures and invalid provided candidates.
    pub fn evaluate_with_provider<'a, S>(
        &self,
        scorer: &mut S,
        provider: &mut dyn CandidateProvider,
        cases: impl IntoIterator<Item = EvalCase<'a>>,
    ) -> Result<EvalReport, MetricsError>
    where
        S: Scorer + ?Sized,
    {
        if !matches!(self.protocol, Protocol::Rerank { .. }) {
            return Err(MetricsError::ProviderNotApplicable {
                protocol: self.protocol.to_string(),
            });
        }
        Ok(self.run(scorer, Some(provider), None, cases)?.overall)
    }

    /// `provider`: `None` samples uniformly from untouched items. Without `strata` the report's
    /// strata are empty.
    fn run<'a, 'p, S>(
        &self,
        scorer: &mut S,
        mut provider: Option<&mut (dyn CandidateProvider + 'p)>,
        strata: Option<&ItemStrata>,
        cases: impl IntoIterator<Item = EvalCase<'a>>,
    ) -> Result<StratifiedReport, MetricsError>
    where
        S: Scorer + ?Sized,
    {
        self.validate()?;
        let mut accumulator = Accumulators::new(&self.ks, self.num_items, strata)?;
        let mut cases = cases.into_iter();
        let mut batch = Vec::new();
        // Reused across users so full ranking allocates no catalog-sized buffer per user.
        let mut in_history = match self.protocol {
            Protocol::Full => vec![false; self.num_items as usize],
            _ => Vec::new(),
        };
        loop {
            batch.clear();
            batch.extend(cases.by_ref().take(self.batch_size));
            if batch.is_empty() {
                break;
            }
            for case in &batch {
                case.validate(self.num_items)?;
            }
            let first_case = accumulator.overall.lists();
            match self.protocol.other_candidates() {
                None => self.rank_full(scorer, &batch, &mut in_history, &mut accumulator)?,
                Some(count) => self.rank_candidates(
                    scorer,
                    provider.as_deref_mut(),
                    count,
                    &batch,
                    first_case,
                    &mut accumulator,
                )?,
            }
        }
        accumulator.finish(self)
    }

    fn report(&self, accumulator: &RankingAccumulator) -> Result<EvalReport, MetricsError> {
        Ok(EvalReport {
            protocol: self.protocol,
            seed: self.seed,
            users: accumulator.lists(),
            candidates_per_user: self.protocol.other_candidates().map(|count| count + 1),
            metrics: accumulator.finish()?,
        })
    }

    /// Full ranking: every catalog item except the user's history.
    fn rank_full<S>(
        &self,
        scorer: &mut S,
        batch: &[EvalCase<'_>],
        in_history: &mut [bool],
        accumulator: &mut Accumulators<'_>,
    ) -> Result<(), MetricsError>
    where
        S: Scorer + ?Sized,
    {
        let num_items = self.num_items as usize;
        let scores = scorer.score_all(batch).map_err(MetricsError::Scorer)?;
        if scores.len() != batch.len() * num_items {
            return Err(MetricsError::LengthMismatch {
                what: "score_all output (cases × num_items)",
                expected: batch.len() * num_items,
                actual: scores.len(),
            });
        }
        let max_k = self.ks.iter().copied().max().unwrap_or(1);
        for (case, row) in batch.iter().zip(scores.chunks_exact(num_items)) {
            let targets: Vec<usize> = case.targets.iter().map(|&item| item as usize).collect();
            let history: Vec<usize> = case.history.iter().map(|&item| item as usize).collect();
            let ranks = ranks_of_targets(row, &targets, &history)?;

            for &item in &history {
                in_history[item] = true;
            }
            // A target the user consumed before stays rankable, as in `ranks_of_targets`.
            for &item in &targets {
                in_history[item] = false;
            }
            let top_items = top_k_items(row, max_k, |item| item as u32, |item| in_history[item]);
            for &item in &history {
                in_history[item] = false;
            }
            accumulator.add(case, &ranks, &top_items)?;
        }
        Ok(())
    }

    /// Sampled and reranking protocols: targets plus `count` other candidates, shuffled.
    fn rank_candidates<'p, S>(
        &self,
        scorer: &mut S,
        mut provider: Option<&mut (dyn CandidateProvider + 'p)>,
        count: usize,
        batch: &[EvalCase<'_>],
        first_case: usize,
        accumulator: &mut Accumulators<'_>,
    ) -> Result<(), MetricsError>
    where
        S: Scorer + ?Sized,
    {
        let mut lists = Vec::with_capacity(batch.len());
        for case in batch {
            let mut rng = case_rng(self.seed, case.user);
            let touched = TouchedItems::of(case);
            let others = match provider.as_deref_mut() {
                None => touched.sample_untouched(case.user, self.num_items, count, &mut rng)?,
                Some(provider) => {
                    let provided = provider
                        .candidates(case, count, self.num_items, &mut rng)
                        .map_err(MetricsError::CandidateProvider)?;
                    check_provided(case, &touched, &provided, count, self.num_items)?;
                    provided
                }
            };
            let mut list = case.targets.clone();
            list.extend(others);
            // Targets come first before shuffling; a scorer sensitive to position (an LLM reading
            // a numbered list) must not be able to learn that.
            list.shuffle(&mut rng);
            lists.push(list);
        }

        let scores = scorer
            .score_candidates(batch, &lists)
            .map_err(MetricsError::Scorer)?;
        if scores.len() != lists.len() {
            return Err(MetricsError::LengthMismatch {
                what: "score_candidates output (one row per case)",
                expected: lists.len(),
                actual: scores.len(),
            });
        }
        let max_k = self.ks.iter().copied().max().unwrap_or(1);
        for (offset, ((case, list), row)) in batch.iter().zip(&lists).zip(&scores).enumerate() {
            if row.len() != list.len() {
                return Err(MetricsError::ScoreShape {
                    case: first_case + offset,
                    expected: list.len(),
                    actual: row.len(),
                });
            }
            let ranks = ranks_among_candidates(list, row, &case.targets)?;
            let top_items = top_k_items(row, max_k, |position| list[position], |_| false);
            accumulator.add(case, &ranks, &top_items)?;
        }
        Ok(())
    }
}

/// The running sums of all cases and, when strata are given, of each stratum's cases.
struct Accumulators<'s> {
    overall: RankingAccumulator,
    strata: Option<(&'s ItemStrata, Vec<RankingAccumulator>)>,
}

impl<'s> Accumulators<'s> {
    fn new(
        ks: &[usize],
        num_items: u32,
        strata: Option<&'s ItemStrata>,
    ) -> Result<Self, MetricsError> {
        let per_stratum = strata
            .map(|strata| {
                let sums = (0..strata.len())
                    .map(|_| RankingAccumulator::new(ks, num_items))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok::<_, MetricsError>((strata, sums))
            })
            .transpose()?;
        Ok(Self {
            overall: RankingAccumulator::new(ks, num_items)?,
            strata: per_stratum,
        })
    }

    fn add(
        &mut self,
        case: &EvalCase<'_>,
        ranks: &TargetRanks,
        top_items: &[u32],
    ) -> Result<(), MetricsError> {
        self.overall.add(ranks, top_items)?;
        if let Some((strata, sums)) = &mut self.strata {
            // Targets were validated against the catalog, which the strata cover.
            if let Some(stratum) = strata.of_targets(&case.targets) {
                sums[stratum].add(ranks, top_items)?;
            }
        }
        Ok(())
    }

    fn finish(&self, evaluator: &Evaluator) -> Result<StratifiedReport, MetricsError> {
        let strata = match &self.strata {
            None => Vec::new(),
            Some((strata, sums)) => strata
                .labels()
                .iter()
                .zip(sums)
                .map(|(label, sums)| {
                    Ok(StratumReport {
                        label: label.clone(),
                        report: (sums.lists() > 0)
                            .then(|| evaluator.report(sums))
                            .transpose()?,
                    })
                })
                .collect::<Result<_, MetricsError>>()?,
        };
        Ok(StratifiedReport {
            overall: evaluator.report(&self.overall)?,
            strata,
        })
    }
}
