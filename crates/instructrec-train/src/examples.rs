//! Multi-task training examples, prepared once and stored flat.
//!
//! Every example is a query (instruction tokens and a window of history items) plus its
//! supervision. Examples reference the users' training sequences, stored once, by position, so a
//! history window costs two integers. Instruction texts are generated and tokenized here, once,
//! by a generator that sees only the training part of the data (see [`visible_before`]).
//!
//! [`visible_before`]: crate::visible_before

use std::collections::BTreeMap;

use instructrec_data::{DataError, Dataset, Sampler, UniformSampler, UserIdx};
use instructrec_instruct::{
    InstructError, InstructionGenerator, InstructionRequest, PreferenceKind, TaskForm, TaskKind,
    TextTokenizer,
};
use instructrec_model::fingerprint::Fnv1a64;
use rand::seq::index;
use rand::Rng;

use crate::instruction_tokens::InstructionTokens;
use crate::ragged::Ragged;
use crate::seeding::{rng, Stream};
use crate::{Result, TaskMix, TrainError};

/// What an example supervises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExampleForm {
    /// Sequential training on every prefix: the state at each history slot predicts the next item
    /// (no instruction text, which would show earlier slots their future).
    EveryPrefix,
    /// The query predicts the target among all items (T2).
    Matching,
    /// The query ranks a shuffled candidate list that holds the target (T3).
    Reranking,
    /// The query answers yes / no about one item (T0).
    Pointwise,
}

/// One training example, borrowed from [`TrainingExamples`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example<'a> {
    /// The task it trains.
    pub task: TaskKind,
    /// What it supervises.
    pub form: ExampleForm,
    /// Instruction token ids (empty for [`ExampleForm::EveryPrefix`]).
    pub tokens: &'a [u32],
    /// History items for the query tower, oldest first (empty for tasks without implicit
    /// preference).
    pub history: &'a [u32],
    /// [`ExampleForm::EveryPrefix`]: the items after the history slots, in order; slot `t` is
    /// supervised by `targets[t..t + next_items]` (as many as there are: `targets` holds at
    /// least one per slot and at most `next_items - 1` more, up to the end of the user's
    /// training sequence). Otherwise the one target item.
    pub targets: &'a [u32],
    /// [`ExampleForm::EveryPrefix`]: how many of `targets` supervise each slot
    /// ([`TaskMix::next_items`]); 1 otherwise.
    pub next_items: usize,
    /// [`ExampleForm::Reranking`]: the candidates in display order; [`ExampleForm::Pointwise`]:
    /// the item asked about; otherwise empty.
    pub candidates: &'a [u32],
    /// [`ExampleForm::Reranking`]: the target's index in `candidates`;
    /// [`ExampleForm::Pointwise`]: 1 for yes, 0 for no; otherwise 0.
    pub label: u32,
}

/// The prepared training examples of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingExamples {
    items: Vec<u32>,
    task: Vec<TaskKind>,
    form: Vec<ExampleForm>,
    target_pos: Vec<u32>,
    history_len: Vec<u32>,
    tokens: Ragged<u32>,
    candidates: Ragged<u32>,
    /// Per example as in [`Example::label`], except [`ExampleForm::EveryPrefix`]: how many
    /// targets follow the window's last next item (fewer than `next_items`).
    label: Vec<u32>,
    next_items: usize,
    skipped: BTreeMap<TaskKind, usize>,
}

/// Limits and settings of example preparation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExampleLimits<'a> {
    pub mix: &'a TaskMix,
    pub max_history: usize,
    pub max_instruction_tokens: usize,
    pub seed: u64,
}

impl TrainingExamples {
    /// Prepares the examples of `train`, the training part of a split
    /// ([`visible_before(split, None)`](crate::visible_before)).
    ///
    /// `generator` must read only `train`; each request also shows it only the user's
    /// interactions before the example's target. Negatives are items the user has no training
    /// interaction with. Examples whose instruction cannot be stated (no history, no category, no
    /// review), or whose user leaves too few negatives for them, are skipped and counted.
    pub(crate) fn prepare(
        train: &Dataset,
        generator: &dyn InstructionGenerator,
        tokenizer: &TextTokenizer,
        limits: ExampleLimits<'_>,
    ) -> Result<Self> {
        let ExampleLimits {
            mix,
            max_history,
            max_instruction_tokens,
            seed,
        } = limits;
        mix.validate()?;
        if max_history == 0 {
            return Err(TrainError::config("max_history", "must be at least 1"));
        }
        let negatives = UniformSampler::new(train)?;
        let mut out = Self {
            items: Vec::new(),
            task: Vec::new(),
            form: Vec::new(),
            target_pos: Vec::new(),
            history_len: Vec::new(),
            tokens: Ragged::default(),
            candidates: Ragged::default(),
            label: Vec::new(),
            next_items: mix.next_items,
            skipped: BTreeMap::new(),
        };
        let mut tokens = InstructionTokens::new(tokenizer, max_instruction_tokens)?;
        let instructed: Vec<TaskKind> = if mix.instructions_per_user > 0 {
            mix.active().collect()
        } else {
            Vec::new()
        };
        for user in 0..train.num_users() as UserIdx {
            let sequence = train.sequence(user);
            let offset = out.items.len() as u32;
            out.items.extend_from_slice(sequence);
            let n = sequence.len();
            if mix.sequential > 0.0 {
                // Non-overlapping windows from the end, each predicting its own next items.
                let mut end = n.saturating_sub(1);
                while end >= 1 {
                    let len = end.min(max_history);
                    let lookahead = (mix.next_items - 1).min(n - 1 - end);
                    out.push_meta(
                        TaskKind::Sequential,
                        ExampleForm::EveryPrefix,
                        offset + end as u32,
                        len,
                        lookahead as u32,
                    );
                    out.candidates.push_empty();
                    tokens.push_empty()?;
                    end -= len;
                }
            }
            let mut rng = rng(seed, Stream::Examples, u64::from(user));
            for &kind in &instructed {
                let uses_history = kind.preference() != PreferenceKind::None;
                let first = usize::from(uses_history);
                if n <= first {
                    continue;
                }
                let count = mix.instructions_per_user.min(n - first);
                let mut positions: Vec<usize> = index::sample(&mut rng, n - first, count)
                    .into_iter()
                    .map(|i| i + first)
                    .collect();
                positions.sort_unstable();
                for position in positions {
                    let target = sequence[position];
                    // Negatives come in random order, so inserting the target at a random index
                    // shuffles the list.
                    let supervision = match kind {
                        TaskKind::Pointwise if rng.random_bool(0.5) => {
                            Some((TaskForm::Pointwise { item: target }, vec![target], 1))
                        }
                        TaskKind::Pointwise => draw(&negatives, user, 1, &mut rng)?
                            .and_then(|drawn| drawn.first().copied())
                            .map(|item| (TaskForm::Pointwise { item }, vec![item], 0)),
                        _ if rng.random_bool(mix.reranking_fraction) => {
                            let drawn =
                                draw(&negatives, user, mix.rerank_candidates - 1, &mut rng)?;
                            drawn.map(|mut candidates| {
                                let label = rng.random_range(0..=candidates.len());
                                candidates.insert(label, target);
                                let form = TaskForm::Reranking {
                                    candidates: candidates.clone(),
                                };
                                (form, candidates, label as u32)
                            })
                        }
                        _ => Some((TaskForm::Matching, Vec::new(), 0)),
                    };
                    let Some((form, candidates, label)) = supervision else {
                        *out.skipped.entry(kind).or_default() += 1;
                        continue;
                    };
                    let request = InstructionRequest::new(kind, user, position, target)
                        .with_form(form.clone());
                    let instruction = match generator.generate(&request, &mut rng) {
                        Ok(instruction) => instruction,
                        Err(
                            InstructError::EmptyHistory { .. } | InstructError::Unavailable { .. },
                        ) => {
                            *out.skipped.entry(kind).or_default() += 1;
                            continue;
                        }
                        Err(other) => return Err(other.into()),
                    };
                    let example_form = match form {
                        TaskForm::Pointwise { .. } => ExampleForm::Pointwise,
                        TaskForm::Reranking { .. } => ExampleForm::Reranking,
                        _ => ExampleForm::Matching,
                    };
                    let history = if kind.preference() == PreferenceKind::Implicit {
                        position.min(max_history)
                    } else {
                        0
                    };
                    out.push_meta(kind, example_form, offset + position as u32, history, label);
                    out.candidates.push(&candidates);
                    tokens.push(instruction.text)?;
                }
            }
        }
        out.tokens = tokens.finish()?;
        if out.task.is_empty() {
            return Err(TrainError::NoData(
                "the training part yields no example (every user has fewer than 2 training \
                 interactions, or no instruction could be generated)"
                    .to_owned(),
            ));
        }
        Ok(out)
    }

    fn push_meta(
        &mut self,
        task: TaskKind,
        form: ExampleForm,
        target_pos: u32,
        history_len: usize,
        label: u32,
    ) {
        self.task.push(task);
        self.form.push(form);
        self.target_pos.push(target_pos);
        self.history_len.push(history_len as u32);
        self.label.push(label);
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.task.len()
    }

    /// The largest instruction token id, if any example has tokens.
    pub fn max_token(&self) -> Option<u32> {
        self.tokens.parts().0.iter().copied().max()
    }

    /// Whether there is no example.
    pub fn is_empty(&self) -> bool {
        self.task.is_empty()
    }

    /// Example `i`; `None` when out of range.
    pub fn get(&self, i: usize) -> Option<Example<'_>> {
        let (task, form) = (*self.task.get(i)?, self.form[i]);
        let end = self.target_pos[i] as usize;
        let start = end - self.history_len[i] as usize;
        let (targets, next_items, label) = match form {
            ExampleForm::EveryPrefix => {
                let lookahead = self.label[i] as usize;
                (start + 1..=end + lookahead, self.next_items, 0)
            }
            _ => (end..=end, 1, self.label[i]),
        };
        Some(Example {
            task,
            form,
            tokens: self.tokens.row(i),
            history: &self.items[start..end],
            targets: &self.items[targets],
            next_items,
            candidates: self.candidates.row(i),
            label,
        })
    }

    /// Number of examples per task and form.
    pub fn counts(&self) -> BTreeMap<(TaskKind, ExampleForm), usize> {
        let mut counts = BTreeMap::new();
        for (&task, &form) in self.task.iter().zip(&self.form) {
            *counts.entry((task, form)).or_default() += 1;
        }
        counts
    }

    /// Number of targets supervised per epoch (every prefix counts once).
    pub fn num_targets(&self) -> usize {
        (0..self.len())
            .map(|i| match self.form[i] {
                ExampleForm::EveryPrefix => self.history_len[i] as usize,
                _ => 1,
            })
            .sum()
    }

    /// Instruction examples skipped per task because the generator could not state them or
    /// their user left too few negatives (a user who interacted with nearly the whole catalog).
    pub fn skipped(&self) -> &BTreeMap<TaskKind, usize> {
        &self.skipped
    }

    /// A 64-bit FNV-1a fingerprint of every example (a resumed run checks it sees the same data).
    pub fn fingerprint(&self) -> u64 {
        let mut hash = Fnv1a64::default();
        hash.words(&self.items);
        hash.words(&self.target_pos);
        hash.words(&self.history_len);
        hash.words(&self.label);
        hash.words(&[self.next_items as u32]);
        for (values, offsets) in [self.tokens.parts(), self.candidates.parts()] {
            hash.words(values);
            hash.words(offsets);
        }
        for (&task, &form) in self.task.iter().zip(&self.form) {
            hash.words(&[task as u32, form as u32]);
        }
        hash.finish()
    }
}

/// `n` negatives for `user`, or `None` when the user interacted with so much of the catalog that
/// fewer are left: that user's example is skipped (and counted), not the whole preparation.
fn draw(
    sampler: &UniformSampler,
    user: UserIdx,
    n: usize,
    rng: &mut dyn rand::RngCore,
) -> Result<Option<Vec<u32>>> {
    match sampler.sample(user, n, rng) {
        Ok(drawn) => Ok(Some(drawn)),
        Err(DataError::NotEnoughNegatives { .. }) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use instructrec_data::{Split, Stage};
    use instructrec_instruct::{DatasetGenerator, GeneratorConfig, Instruction};

    use super::*;
    use crate::test_support::{dataset, tokenizer};
    use crate::visible_before;

    /// The built-in generator, recording every request it answers.
    struct Recording<'a> {
        inner: DatasetGenerator<'a>,
        requests: RefCell<Vec<InstructionRequest>>,
    }

    impl InstructionGenerator for Recording<'_> {
        fn generate(
            &self,
            request: &InstructionRequest,
            rng: &mut dyn rand::RngCore,
        ) -> instructrec_instruct::Result<Instruction> {
            self.requests.borrow_mut().push(request.clone());
            self.inner.generate(request, rng)
        }
    }

    fn limits(mix: &TaskMix, seed: u64) -> ExampleLimits<'_> {
        ExampleLimits {
            mix,
            max_history: 8,
            max_instruction_tokens: 24,
            seed,
        }
    }

    #[test]
    fn examples_cover_every_prefix_and_never_touch_held_out_data() {
        let data = dataset(40, 120);
        let split = Split::leave_one_out(&data).unwrap();
        let train = visible_before(&split, None);
        let tokenizer = tokenizer(&split);
        let generator = Recording {
            inner: DatasetGenerator::new(&train, GeneratorConfig::default()).unwrap(),
            requests: RefCell::new(Vec::new()),
        };
        let mix = TaskMix::new()
            .with_reranking_fraction(0.5)
            .with_rerank_candidates(5);
        let examples =
            TrainingExamples::prepare(&train, &generator, &tokenizer, limits(&mix, 1)).unwrap();

        // The generator was only asked about training positions, and negatives are items the
        // user never trained on.
        for request in generator.requests.borrow().iter() {
            let sequence = split.train_sequence(request.user);
            assert!(request.history_len < sequence.len());
            assert_eq!(sequence[request.history_len], request.target);
            let shown = match &request.form {
                TaskForm::Reranking { candidates } => candidates.clone(),
                TaskForm::Pointwise { item } => vec![*item],
                _ => Vec::new(),
            };
            for item in shown.into_iter().filter(|&item| item != request.target) {
                assert!(!sequence.contains(&item), "negative {item} was trained on");
            }
        }
        // The generator's data hold exactly the training interactions: no held-out one.
        assert_eq!(train.num_interactions(), split.summary().train_interactions);
        assert!(split.cases(Stage::Validation).count() > 30);

        let mut prefix_targets = 0;
        let mut tasks = std::collections::BTreeSet::new();
        for i in 0..examples.len() {
            let example = examples.get(i).unwrap();
            tasks.insert(example.task);
            assert!(example.history.len() <= 8);
            assert!(example.tokens.len() <= 24);
            match example.form {
                ExampleForm::EveryPrefix => {
                    assert!(example.tokens.is_empty());
                    assert_eq!(example.targets.len(), example.history.len());
                    prefix_targets += example.targets.len();
                }
                ExampleForm::Reranking => {
                    assert_eq!(example.candidates.len(), 5);
                    assert_eq!(
                        example.candidates[example.label as usize],
                        example.targets[0]
                    );
                    assert!(!example.tokens.is_empty());
                }
                ExampleForm::Pointwise => {
                    assert_eq!(example.candidates.len(), 1);
                    assert_eq!(
                        example.label == 1,
                        example.candidates[0] == example.targets[0]
                    );
                }
                ExampleForm::Matching => assert!(example.candidates.is_empty()),
            }
            if example.task == TaskKind::ProductSearch
                || example.task == TaskKind::ExplicitPreference
            {
                assert!(
                    example.history.is_empty(),
                    "{:?} reads no history",
                    example.task
                );
            }
        }
        // Every training item after a user's first is a prefix target exactly once.
        let expected: usize = (0..data.num_users() as u32)
            .map(|u| split.train_sequence(u).len().saturating_sub(1))
            .sum();
        assert_eq!(prefix_targets, expected);
        assert_eq!(tasks.len(), TaskKind::ALL.len(), "{:?}", examples.counts());
    }

    #[test]
    fn every_prefix_slots_see_next_items_ahead_within_the_training_sequence() {
        let data = dataset(30, 90);
        let split = Split::leave_one_out(&data).unwrap();
        let train = visible_before(&split, None);
        let tokenizer = tokenizer(&split);
        let generator = DatasetGenerator::new(&train, GeneratorConfig::default()).unwrap();
        let prepare = |next_items| {
            let mix = TaskMix::sequential_only()
                .with_instructions_per_user(0)
                .with_next_items(next_items);
            TrainingExamples::prepare(&train, &generator, &tokenizer, limits(&mix, 2)).unwrap()
        };
        let (next, three) = (prepare(1), prepare(3));
        assert_eq!(next.len(), three.len());
        assert_ne!(next.fingerprint(), three.fingerprint());
        let mut pairs = 0;
        for i in 0..next.len() {
            let (a, b) = (next.get(i).unwrap(), three.get(i).unwrap());
            assert_eq!((a.history, a.next_items, b.next_items), (b.history, 1, 3));
            // The first targets are the next items; up to two more follow, never crossing
            // into another user's sequence (the windows tile each sequence from its end).
            assert_eq!(&b.targets[..a.targets.len()], a.targets);
            assert!(b.targets.len() <= a.targets.len() + 2);
            pairs += (0..b.history.len())
                .map(|slot| (b.targets.len() - slot).min(3))
                .sum::<usize>();
        }
        // Position p of a training sequence of length n is supervised by min(3, n - p) items.
        let expected: usize = (0..data.num_users() as u32)
            .map(|u| {
                let n = split.train_sequence(u).len();
                (1..n).map(|p| (n - p).min(3)).sum::<usize>()
            })
            .sum();
        assert_eq!(pairs, expected);
        let mix = TaskMix::sequential_only().with_next_items(0);
        assert!(
            TrainingExamples::prepare(&train, &generator, &tokenizer, limits(&mix, 2)).is_err()
        );
    }

    #[test]
    fn preparation_is_deterministic_and_seeded() {
        let data = dataset(25, 80);
        let split = Split::leave_one_out(&data).unwrap();
        let train = visible_before(&split, None);
        let tokenizer = tokenizer(&split);
        let generator = DatasetGenerator::new(&train, GeneratorConfig::default()).unwrap();
        let mix = TaskMix::new();
        let a = TrainingExamples::prepare(&train, &generator, &tokenizer, limits(&mix, 3)).unwrap();
        let b = TrainingExamples::prepare(&train, &generator, &tokenizer, limits(&mix, 3)).unwrap();
        let c = TrainingExamples::prepare(&train, &generator, &tokenizer, limits(&mix, 4)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert!(a.num_targets() > a.len());
    }

    #[test]
    fn examples_of_users_with_too_few_negatives_are_skipped_and_counted() {
        let data = dataset(25, 80);
        let split = Split::leave_one_out(&data).unwrap();
        let train = visible_before(&split, None);
        let tokenizer = tokenizer(&split);
        let generator = DatasetGenerator::new(&train, GeneratorConfig::default()).unwrap();
        let heaviest = (0..train.num_users() as UserIdx)
            .map(|user| {
                let mut items = train.sequence(user).to_vec();
                items.sort_unstable();
                items.dedup();
                items.len()
            })
            .max()
            .unwrap();
        // Long enough that the heaviest user cannot fill a list, short enough for light users.
        let long = train.num_items() - heaviest + 2;
        let prepare = |candidates| {
            let mix = TaskMix::new()
                .with_reranking_fraction(1.0)
                .with_rerank_candidates(candidates);
            TrainingExamples::prepare(&train, &generator, &tokenizer, limits(&mix, 5)).unwrap()
        };
        let (short, long_lists) = (prepare(2), prepare(long));
        let skipped = |examples: &TrainingExamples| examples.skipped().values().sum::<usize>();
        assert!(skipped(&long_lists) > skipped(&short));
        // Every instruction example is either kept or counted as skipped.
        assert_eq!(
            long_lists.len() + skipped(&long_lists),
            short.len() + skipped(&short)
        );
        let reranking = (0..long_lists.len())
            .filter_map(|i| long_lists.get(i))
            .filter(|example| example.form == ExampleForm::Reranking)
            .inspect(|example| assert_eq!(example.candidates.len(), long))
            .count();
        assert!(reranking > 0, "light users still get reranking examples");
    }

    #[test]
    fn empty_training_data_is_an_error() {
        let data = dataset(10, 40);
        let split = Split::leave_one_out(&data).unwrap();
        let tokenizer = tokenizer(&split);
        // A dataset with no interaction at all.
        let empty = data.retain(|_| false);
        let generator = DatasetGenerator::new(&empty, GeneratorConfig::default()).unwrap();
        let mix = TaskMix::new();
        let result = TrainingExamples::prepare(&empty, &generator, &tokenizer, limits(&mix, 0));
        assert!(matches!(result, Err(TrainError::NoData(_))), "{result:?}");
    }
}
