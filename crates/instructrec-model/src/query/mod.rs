//! The query tower and the sequence layout it reads.

mod layer;
mod layout;
mod tower;

pub use layer::{FeedForwardActivation, QueryTowerLayer, QueryTowerLayerConfig};
pub use layout::{LayoutTensors, Segment, SequenceLayout};
pub use tower::{QueryAttention, QueryOutput, QueryTower, QueryTowerConfig, QueryTowerInput};
