//! Preparing a loaded dataset: k-core filtering, implicit feedback and id compaction.
//!
//! Filters keep the ids of the input (users and items left without interactions stay in the
//! catalog and user list); [`compact`] then renumbers what is left, keeping the raw ids.

mod compact;
mod implicit;
mod k_core;

pub use compact::{compact, Compacted, IdRemap};
pub use implicit::implicit_feedback;
pub use k_core::{KCore, KCoreOutcome};
