//! The parameter-free sum of present modalities.

use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Tensor};

use super::{zero_missing, FusionStrategy};

/// Sum of the present modality vectors; zero for an item with none.
///
/// With a single modality it passes that modality through (zero where missing): an
/// [`ItemTower`](crate::ItemTower) with the ID modality alone is a plain embedding lookup.
#[derive(Module, Debug, Clone, Copy, Default)]
pub struct SumFusion;

impl<B: Backend> FusionStrategy<B> for SumFusion {
    /// # Shapes
    ///
    /// - modalities: `[n, m, d]`, missing: `[n, m]` -> `[n, d]`
    fn fuse(&self, modalities: Tensor<B, 3>, missing: Tensor<B, 2, Bool>) -> Tensor<B, 2> {
        let [n, m, d] = modalities.dims();
        let present = zero_missing(modalities, missing);
        if m == 1 {
            present.reshape([n, d])
        } else {
            present.sum_dim(1).reshape([n, d])
        }
    }
}
