//! The queries of one evaluation: per held-out case, the instruction generated for its target
//! and the history the query tower reads.

use instructrec_data::{Split, Stage};
use instructrec_instruct::{
    InstructError, InstructionGenerator, InstructionRequest, PreferenceKind, TaskKind,
    TextTokenizer,
};
use instructrec_metrics::EvalCase;

use crate::instruction_tokens::InstructionTokens;
use crate::ragged::Ragged;
use crate::seeding::{derive_seed, Stream};
use crate::{DataConfig, Result, TrainError};

const NO_ROW: u32 = u32::MAX;

/// The query of one case, borrowed from [`EvalQueries`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalQuery<'a> {
    /// Instruction token ids.
    pub tokens: &'a [u32],
    /// History items for the query tower, oldest first (empty for tasks without implicit
    /// preference).
    pub history: &'a [u32],
}

/// The cases of one stage of a split for one task, with their instructions, prepared once.
///
/// A case's instruction is generated for its held-out target with a generator seeded from
/// [`DataConfig::eval_seed`] and the user id, so the set is reproducible from the reported seed.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalQueries {
    task: TaskKind,
    stage: Stage,
    seed: u64,
    users: Vec<u32>,
    targets: Vec<u32>,
    seen: Ragged<u32>,
    history_len: Vec<u32>,
    tokens: Ragged<u32>,
    row_of_user: Vec<u32>,
    skipped: usize,
}

impl EvalQueries {
    /// The queries of `stage` for `task`.
    ///
    /// `generator` must read only what precedes the stage
    /// ([`visible_before(split, Some(stage))`](crate::visible_before)). Cases whose instruction
    /// cannot be stated (e.g. no review to state an explicit preference from) are skipped and
    /// counted. Errors for the pointwise task (it is not a ranking of the catalog) and when no
    /// case is left.
    pub fn prepare(
        split: &Split<'_>,
        stage: Stage,
        task: TaskKind,
        generator: &dyn InstructionGenerator,
        tokenizer: &TextTokenizer,
        config: &DataConfig,
    ) -> Result<Self> {
        Self::prepare_for_users(split, stage, task, generator, tokenizer, config, None)
    }

    /// [`prepare`](Self::prepare) restricted to the users marked in `users` (indexed by user id;
    /// `None`: every user).
    pub(crate) fn prepare_for_users(
        split: &Split<'_>,
        stage: Stage,
        task: TaskKind,
        generator: &dyn InstructionGenerator,
        tokenizer: &TextTokenizer,
        config: &DataConfig,
        users: Option<&[bool]>,
    ) -> Result<Self> {
        let seed = config.eval_seed;
        if task == TaskKind::Pointwise {
            return Err(TrainError::config(
                "task",
                "the pointwise task answers yes / no per item and is not ranked over the catalog",
            ));
        }
        let mut tokens = InstructionTokens::new(tokenizer, config.max_instruction_tokens)?;
        let mut out = Self {
            task,
            stage,
            seed,
            users: Vec::new(),
            targets: Vec::new(),
            seen: Ragged::default(),
            history_len: Vec::new(),
            tokens: Ragged::default(),
            row_of_user: vec![NO_ROW; split.dataset().num_users()],
            skipped: 0,
        };
        let selected = |user: u32| users.is_none_or(|keep| keep.get(user as usize) == Some(&true));
        for case in split.cases(stage).filter(|case| selected(case.user)) {
            let request = InstructionRequest::new(task, case.user, case.history.len(), case.target);
            let case_seed = derive_seed(seed, Stream::Evaluation, u64::from(case.user));
            let instruction = match generator.generate_seeded(&request, case_seed) {
                Ok(instruction) => instruction,
                Err(InstructError::EmptyHistory { .. } | InstructError::Unavailable { .. }) => {
                    out.skipped += 1;
                    continue;
                }
                Err(other) => return Err(other.into()),
            };
            if out.row_of_user[case.user as usize] != NO_ROW {
                return Err(TrainError::config(
                    "split",
                    format!(
                        "user {} has several {stage:?} cases; evaluation expects one per user",
                        case.user
                    ),
                ));
            }
            out.row_of_user[case.user as usize] = out.users.len() as u32;
            out.users.push(case.user);
            out.targets.push(case.target);
            out.seen.push(case.history);
            let history = if task.preference() == PreferenceKind::Implicit {
                case.history.len().min(config.max_history)
            } else {
                0
            };
            out.history_len.push(history as u32);
            tokens.push(instruction.text)?;
        }
        out.tokens = tokens.finish()?;
        if out.users.is_empty() {
            return Err(TrainError::NoData(format!(
                "no {stage:?} case for task `{task}` ({} skipped: instruction unavailable)",
                out.skipped
            )));
        }
        Ok(out)
    }

    /// The task.
    pub fn task(&self) -> TaskKind {
        self.task
    }

    /// The stage.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The seed of the instructions' wording.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Number of cases.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// The largest instruction token id, if any instruction has tokens.
    pub fn max_token(&self) -> Option<u32> {
        self.tokens.parts().0.iter().copied().max()
    }

    /// Whether there is no case.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Cases skipped because their instruction could not be stated.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The cases for an [`Evaluator`](instructrec_metrics::Evaluator): the user, the whole history
    /// before the target (excluded from full ranking) and the target.
    pub fn cases(&self) -> impl Iterator<Item = EvalCase<'_>> + '_ {
        (0..self.len())
            .map(|i| EvalCase::leave_one_out(self.users[i], self.seen.row(i), self.targets[i]))
    }

    /// The query of `user`'s case.
    pub fn query(&self, user: u32) -> Option<EvalQuery<'_>> {
        let row = *self.row_of_user.get(user as usize)?;
        if row == NO_ROW {
            return None;
        }
        let row = row as usize;
        let seen = self.seen.row(row);
        Some(EvalQuery {
            tokens: self.tokens.row(row),
            history: &seen[seen.len() - self.history_len[row] as usize..],
        })
    }
}

#[cfg(test)]
mod tests {
    use instructrec_instruct::{DatasetGenerator, GeneratorConfig};

    use super::*;
    use crate::test_support::{dataset, tokenizer};
    use crate::visible_before;

    #[test]
    fn one_query_per_case_with_the_history_suffix() {
        let data = dataset(30, 100);
        let split = Split::leave_one_out(&data).unwrap();
        let tokenizer = tokenizer(&split);
        let view = visible_before(&split, Some(Stage::Test));
        let generator = DatasetGenerator::new(&view, GeneratorConfig::default()).unwrap();
        let config = DataConfig::new().with_max_history(5);
        let sequential = EvalQueries::prepare(
            &split,
            Stage::Test,
            TaskKind::Sequential,
            &generator,
            &tokenizer,
            &config,
        )
        .unwrap();
        assert_eq!(sequential.len(), split.cases(Stage::Test).count());
        assert_eq!(sequential.seed(), config.eval_seed);
        for (case, split_case) in sequential.cases().zip(split.cases(Stage::Test)) {
            assert_eq!(case.user, split_case.user);
            assert_eq!(case.targets, vec![split_case.target]);
            assert_eq!(&*case.history, split_case.history);
            let query = sequential.query(case.user).unwrap();
            let keep = split_case.history.len().min(5);
            assert_eq!(
                query.history,
                &split_case.history[split_case.history.len() - keep..]
            );
            assert!(!query.tokens.is_empty());
        }

        let search = EvalQueries::prepare(
            &split,
            Stage::Test,
            TaskKind::ProductSearch,
            &generator,
            &tokenizer,
            &config,
        )
        .unwrap();
        assert_eq!(
            search.len() + search.skipped(),
            split.cases(Stage::Test).count()
        );
        let user = search.cases().next().unwrap().user;
        assert!(search.query(user).unwrap().history.is_empty());
        assert!(search.query(u32::MAX).is_none());

        // Same seed, same instructions; the pointwise task is refused.
        let again = EvalQueries::prepare(
            &split,
            Stage::Test,
            TaskKind::Sequential,
            &generator,
            &tokenizer,
            &config,
        )
        .unwrap();
        assert_eq!(again, sequential);
        assert!(matches!(
            EvalQueries::prepare(
                &split,
                Stage::Test,
                TaskKind::Pointwise,
                &generator,
                &tokenizer,
                &config
            ),
            Err(TrainError::InvalidConfig { .. })
        ));
    }
}
