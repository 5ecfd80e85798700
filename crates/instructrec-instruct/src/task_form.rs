//! The task-form axis of an instruction: which answer is asked for, about which items.

use serde::{Deserialize, Serialize};

use instructrec_data::{Catalog, ItemIdx};

use crate::{FormKind, InstructError, Result};

/// An item as an instruction shows it: its dense index and its display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRef {
    /// Dense item index into the catalog.
    pub index: ItemIdx,
    /// Display name (title, else raw id) as it appears in the instruction text.
    pub name: String,
}

impl ItemRef {
    /// Looks an item up in the catalog; an index outside it is an error.
    pub fn resolve(catalog: &Catalog, index: ItemIdx) -> Result<Self> {
        if catalog.get(index).is_none() {
            return Err(InstructError::UnknownItem(index));
        }
        Ok(Self {
            index,
            name: catalog.display_name(index),
        })
    }
}

/// The task form with its items. `I` is [`ItemRef`] in a rendered instruction and
/// [`ItemIdx`] in a request, before the items are looked up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TaskForm<I = ItemRef> {
    /// T0: will the user like `item`? (yes / no)
    Pointwise {
        /// The item to judge.
        item: I,
    },
    /// T1: which of two items does the user prefer?
    Pairwise {
        /// The item shown first.
        first: I,
        /// The item shown second.
        second: I,
    },
    /// T2: retrieve the best item from the whole catalog.
    Matching,
    /// T3: order the candidates, shown in the order given (shuffling is the caller's job).
    Reranking {
        /// Candidate items in display order.
        candidates: Vec<I>,
    },
}

impl<I> TaskForm<I> {
    /// The T code of this form.
    pub fn kind(&self) -> FormKind {
        match self {
            Self::Pointwise { .. } => FormKind::Pointwise,
            Self::Pairwise { .. } => FormKind::Pairwise,
            Self::Matching => FormKind::Matching,
            Self::Reranking { .. } => FormKind::Reranking,
        }
    }

    /// The same form with every item converted by `convert`, stopping at the first error.
    pub fn try_map<J, E>(
        &self,
        mut convert: impl FnMut(&I) -> Result<J, E>,
    ) -> Result<TaskForm<J>, E> {
        Ok(match self {
            Self::Pointwise { item } => TaskForm::Pointwise {
                item: convert(item)?,
            },
            Self::Pairwise { first, second } => TaskForm::Pairwise {
                first: convert(first)?,
                second: convert(second)?,
            },
            Self::Matching => TaskForm::Matching,
            Self::Reranking { candidates } => TaskForm::Reranking {
                candidates: candidates.iter().map(convert).collect::<Result<_, E>>()?,
            },
        })
    }
}

impl TaskForm<ItemIdx> {
    /// Looks every item up in the catalog (display names for the text).
    pub fn resolve(&self, catalog: &Catalog) -> Result<TaskForm<ItemRef>> {
        self.try_map(|&index| ItemRef::resolve(catalog, index))
    }
}

impl TaskForm<ItemRef> {
    /// Checks the form can be asked: two different items for pairwise, a non-empty candidate list.
    pub fn validate(&self) -> Result<()> {
        match self {
            Self::Pairwise { first, second } if first.index == second.index => {
                Err(InstructError::InvalidInstruction(format!(
                    "a pairwise question needs two different items, got `{}` twice",
                    first.name
                )))
            }
            Self::Reranking { candidates } if candidates.is_empty() => Err(
                InstructError::InvalidInstruction("a reranking question needs candidates".into()),
            ),
            _ => Ok(()),
        }
    }
}
