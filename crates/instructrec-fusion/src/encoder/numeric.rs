//! Numeric attributes with a learned "missing" indicator.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use super::{ModalityEmbedding, ModalityEncoder};
use crate::batch::ItemBatch;
use crate::error::{ensure, Result};

/// Configuration of a [`NumericEncoder`].
#[derive(Config, Debug)]
pub struct NumericEncoderConfig {
    /// Number of numeric attributes `F`.
    pub num_fields: usize,
    /// Width of the output.
    pub d_model: usize,
}

impl NumericEncoderConfig {
    /// Checks the hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        ensure(self.num_fields > 0, "num_fields", || {
            "no numeric field".to_owned()
        })?;
        ensure(self.d_model > 0, "d_model", || {
            "must be positive".to_owned()
        })
    }

    /// Initializes a [`NumericEncoder`].
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<NumericEncoder<B>> {
        self.validate()?;
        Ok(NumericEncoder {
            linear: LinearConfig::new(2 * self.num_fields, self.d_model).init(device),
        })
    }
}

/// `Linear([x masked to 0, missing flags])`: each field's weight applies to its normalized value
/// when known, and a learned per-field "missing" vector replaces it when unknown. An item is
/// missing the modality when all its fields are unknown.
#[derive(Module, Debug)]
pub struct NumericEncoder<B: Backend> {
    /// `[2F, d_model]`: value weights, then missing-indicator weights.
    pub linear: Linear<B>,
}

impl<B: Backend> ModalityEncoder<B> for NumericEncoder<B> {
    /// # Shapes
    ///
    /// - input: `numeric [n, F]` + `missing [n, F]`
    /// - output: `values [n, d_model]`, `missing [n]`
    fn encode(&self, batch: &ItemBatch<B>) -> ModalityEmbedding<B> {
        let n = batch.len();
        let Some(numeric) = &batch.numeric else {
            let [_, d] = self.linear.weight.dims();
            return ModalityEmbedding::absent(n, d, &batch.device());
        };
        let values = numeric
            .values
            .clone()
            .mask_fill(numeric.missing.clone(), 0.0);
        let indicators = numeric.missing.clone().float();
        let input = Tensor::cat(vec![values, indicators], 1);
        ModalityEmbedding {
            values: self.linear.forward(input),
            missing: numeric.missing.clone().all_dim(1).reshape([n]),
        }
    }
}
