//! The query tower and the sequence layout it reads.

mod layout;
mod tower;

pub use crate::transformer::FeedForwardActivation;
pub use layout::{LayoutTensors, Segment, SequenceLayout};
pub use tower::{QueryAttention, QueryOutput, QueryTower, QueryTowerConfig, QueryTowerInput};
