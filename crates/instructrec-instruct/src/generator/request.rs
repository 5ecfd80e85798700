//! What to generate an instruction for: a task, a user at a point in time, a target item.

use instructrec_data::{Dataset, ItemIdx, UserIdx};

use crate::{InstructError, Result, TaskForm, TaskKind};

/// One instruction to generate.
///
/// Only the user's first `history_len` interactions (in time order) are visible to the
/// generator; everything after them is the future it must not leak. Interactions with the
/// target itself are never shown either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstructionRequest {
    /// The task.
    pub kind: TaskKind,
    /// The user.
    pub user: UserIdx,
    /// Number of the user's interactions visible as history.
    pub history_len: usize,
    /// The item the instruction is about (the held-out answer).
    pub target: ItemIdx,
    /// The task form, with items as indices (candidates in the order they will be shown).
    pub form: TaskForm<ItemIdx>,
    /// Optional situation ("It is Friday night.").
    pub context: Option<String>,
}

impl InstructionRequest {
    /// A request in the task's natural form: pointwise on the target for
    /// [`TaskKind::Pointwise`], matching otherwise.
    pub fn new(kind: TaskKind, user: UserIdx, history_len: usize, target: ItemIdx) -> Self {
        let form = match kind {
            TaskKind::Pointwise => TaskForm::Pointwise { item: target },
            _ => TaskForm::Matching,
        };
        Self {
            kind,
            user,
            history_len,
            target,
            form,
            context: None,
        }
    }

    /// The user's interaction at `position` (0-based, time order) is the target; the ones
    /// before it are the history.
    pub fn at_position(
        dataset: &Dataset,
        kind: TaskKind,
        user: UserIdx,
        position: usize,
    ) -> Result<Self> {
        if user as usize >= dataset.num_users() {
            return Err(InstructError::UnknownUser(user));
        }
        let sequence = dataset.sequence(user);
        let &target = sequence.get(position).ok_or_else(|| {
            InstructError::InvalidInstruction(format!(
                "user {user} has {} interactions, no position {position}",
                sequence.len()
            ))
        })?;
        Ok(Self::new(kind, user, position, target))
    }

    /// Leave-one-out: the user's last interaction is the target.
    pub fn leave_last_out(dataset: &Dataset, kind: TaskKind, user: UserIdx) -> Result<Self> {
        // A user without interactions gets the "no position 0" error of `at_position`.
        let last = dataset.sequence(user).len().saturating_sub(1);
        Self::at_position(dataset, kind, user, last)
    }

    /// The same request asked in another form.
    pub fn with_form(mut self, form: TaskForm<ItemIdx>) -> Self {
        self.form = form;
        self
    }

    /// The same request with a context sentence.
    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }
}
