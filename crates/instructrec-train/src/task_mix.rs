//! Which tasks a run trains on, how much each weighs, and in which forms they are asked.

use burn::config::Config;
use instructrec_instruct::TaskKind;

use crate::{Result, TrainError};

/// The multi-task mixture of a run (design §1).
///
/// Every task with a positive weight contributes examples and a loss term; the batch loss is the
/// weight-averaged mean loss of the tasks present in the batch. The sequential task trains on
/// every prefix of every training sequence (one window of history = many next-item targets) and,
/// like the intention tasks, on `instructions_per_user` instruction-conditioned examples per
/// user whose targets are drawn from the user's training positions.
#[derive(Config, Debug, PartialEq)]
pub struct TaskMix {
    /// Sequential recommendation (P1, I0): every prefix, plus instructed examples.
    #[config(default = 1.0)]
    pub sequential: f64,
    /// How many of the next training items supervise each history slot of the every-prefix
    /// examples: 1 is next-item prediction (SASRec); more also asks each slot for the items
    /// after it (a dense all-action objective, as in PinnerFormer), for data whose order is
    /// partly noise, e.g. ratings entered in bursts with one timestamp.
    #[config(default = 1)]
    pub next_items: usize,
    /// Product search (P0, I2): a specific request, no history.
    #[config(default = 0.25)]
    pub product_search: f64,
    /// Personalized search (P1, I2).
    #[config(default = 0.25)]
    pub personalized_search: f64,
    /// Vague-intent recommendation (P1, I1).
    #[config(default = 0.25)]
    pub vague_intent: f64,
    /// Explicit-preference recommendation (P2, I0 or I1).
    #[config(default = 0.25)]
    pub explicit_preference: f64,
    /// Pointwise yes / no (P1, I0, T0): half the examples ask about the target, half about a
    /// negative.
    #[config(default = 0.1)]
    pub pointwise: f64,
    /// Instruction examples per user and task (targets drawn without replacement from the user's
    /// training positions).
    #[config(default = 1)]
    pub instructions_per_user: usize,
    /// Share of the non-pointwise instruction examples asked in reranking form (T3) instead of
    /// matching (T2).
    #[config(default = 0.25)]
    pub reranking_fraction: f64,
    /// Size of a reranking example's candidate list (the target and uniform negatives, shuffled).
    #[config(default = 20)]
    pub rerank_candidates: usize,
}

impl TaskMix {
    /// Checks every weight and count.
    pub fn validate(&self) -> Result<()> {
        for kind in TaskKind::ALL {
            let weight = self.weight(kind);
            if !(weight.is_finite() && weight >= 0.0) {
                return Err(TrainError::config(
                    "task_mix",
                    format!("the weight of `{kind}` must be finite and >= 0, got {weight}"),
                ));
            }
        }
        if self.active().next().is_none() {
            return Err(TrainError::config(
                "task_mix",
                "every task weight is 0: nothing to train on",
            ));
        }
        if !(0.0..=1.0).contains(&self.reranking_fraction) {
            return Err(TrainError::config(
                "task_mix.reranking_fraction",
                format!("must lie in [0, 1], got {}", self.reranking_fraction),
            ));
        }
        if self.reranking_fraction > 0.0 && self.rerank_candidates < 2 {
            return Err(TrainError::config(
                "task_mix.rerank_candidates",
                format!(
                    "a reranking list needs at least 2 candidates, got {}",
                    self.rerank_candidates
                ),
            ));
        }
        if self.next_items == 0 {
            return Err(TrainError::config(
                "task_mix.next_items",
                "each history slot needs at least its next item as a target",
            ));
        }
        let needs_instructions = self.active().any(|kind| kind != TaskKind::Sequential);
        if needs_instructions && self.instructions_per_user == 0 {
            return Err(TrainError::config(
                "task_mix.instructions_per_user",
                "instruction tasks have a positive weight but 0 examples per user",
            ));
        }
        Ok(())
    }

    /// The loss weight of `kind`.
    pub fn weight(&self, kind: TaskKind) -> f64 {
        // Reading through `weight_mut` of a copy (a handful of numbers) keeps the one mapping of
        // tasks to fields there.
        *self.clone().weight_mut(kind)
    }

    /// The loss weight of `kind`, to change it.
    pub fn weight_mut(&mut self, kind: TaskKind) -> &mut f64 {
        match kind {
            TaskKind::Sequential => &mut self.sequential,
            TaskKind::ProductSearch => &mut self.product_search,
            TaskKind::PersonalizedSearch => &mut self.personalized_search,
            TaskKind::VagueIntent => &mut self.vague_intent,
            TaskKind::ExplicitPreference => &mut self.explicit_preference,
            TaskKind::Pointwise => &mut self.pointwise,
        }
    }

    /// The tasks with a positive weight, in [`TaskKind::ALL`] order.
    pub fn active(&self) -> impl Iterator<Item = TaskKind> + '_ {
        TaskKind::ALL
            .into_iter()
            .filter(|&kind| self.weight(kind) > 0.0)
    }

    /// Only the sequential task (SASRec-style training, the baseline of the design notes).
    pub fn sequential_only() -> Self {
        Self::new()
            .with_product_search(0.0)
            .with_personalized_search(0.0)
            .with_vague_intent(0.0)
            .with_explicit_preference(0.0)
            .with_pointwise(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_train_every_task() {
        let mix = TaskMix::new();
        mix.validate().unwrap();
        assert_eq!(mix.active().count(), TaskKind::ALL.len());
        let seq = TaskMix::sequential_only();
        seq.validate().unwrap();
        assert!(TaskMix::new().with_next_items(0).validate().is_err());
        assert_eq!(seq.active().collect::<Vec<_>>(), vec![TaskKind::Sequential]);
    }

    #[test]
    fn weights_map_to_their_fields() {
        let mut mix = TaskMix::new()
            .with_sequential(1.0)
            .with_product_search(2.0)
            .with_personalized_search(3.0)
            .with_vague_intent(4.0)
            .with_explicit_preference(5.0)
            .with_pointwise(6.0);
        let weights = TaskKind::ALL.map(|kind| mix.weight(kind));
        assert_eq!(weights, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        for kind in TaskKind::ALL {
            *mix.weight_mut(kind) += 10.0;
        }
        assert_eq!(
            TaskKind::ALL.map(|kind| mix.weight(kind)),
            weights.map(|w| w + 10.0)
        );
    }

    #[test]
    fn bad_mixes_name_their_field() {
        let field = |mix: TaskMix| match mix.validate() {
            Err(TrainError::InvalidConfig { field, .. }) => field,
            other => panic!("expected a config error, got {other:?}"),
        };
        assert_eq!(field(TaskMix::new().with_vague_intent(-1.0)), "task_mix");
        assert_eq!(field(TaskMix::new().with_pointwise(f64::NAN)), "task_mix");
        assert_eq!(
            field(TaskMix::sequential_only().with_sequential(0.0)),
            "task_mix"
        );
        assert_eq!(
            field(TaskMix::new().with_reranking_fraction(1.5)),
            "task_mix.reranking_fraction"
        );
        assert_eq!(
            field(TaskMix::new().with_rerank_candidates(1)),
            "task_mix.rerank_candidates"
        );
        assert_eq!(
            field(TaskMix::new().with_instructions_per_user(0)),
            "task_mix.instructions_per_user"
        );
        // Sequential alone needs no instruction examples.
        TaskMix::sequential_only()
            .with_instructions_per_user(0)
            .validate()
            .unwrap();
    }
}
