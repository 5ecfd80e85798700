//! Typed, shape-checked reading of Hugging Face tensors from a `model.safetensors` file into burn
//! modules.

use std::path::Path;

use burn::module::Param;
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::{bf16, f16};
use safetensors::{Dtype, SafeTensors};

use crate::{ModelError, Result};

/// The tensors of one safetensors file, addressed by their Hugging Face names.
///
/// Checkpoints saved from a model with a task head (e.g. `BertForMaskedLM`) prefix the encoder's
/// names with `bert.`; the prefix is detected once and applied to every lookup.
pub(crate) struct SafetensorsWeights<'a> {
    path: &'a Path,
    tensors: SafeTensors<'a>,
    prefix: &'static str,
}

impl<'a> SafetensorsWeights<'a> {
    /// Parses the file's header. `probe` is a tensor name that every compatible file holds, used
    /// to detect the `bert.` prefix.
    pub(crate) fn parse(path: &'a Path, bytes: &'a [u8], probe: &str) -> Result<Self> {
        let tensors = SafeTensors::deserialize(bytes).map_err(|e| ModelError::Pretrained {
            path: path.to_path_buf(),
            message: format!("not a safetensors file: {e}"),
        })?;
        let prefixed = format!("bert.{probe}");
        let prefix = if tensors.tensor(probe).is_err() && tensors.tensor(&prefixed).is_ok() {
            "bert."
        } else {
            ""
        };
        Ok(Self {
            path,
            tensors,
            prefix,
        })
    }

    fn error(&self, message: String) -> ModelError {
        ModelError::Pretrained {
            path: self.path.to_path_buf(),
            message,
        }
    }

    /// Reads tensor `name` (or, if absent, `legacy`) as f32 values in row-major order, checking
    /// its shape.
    fn values(&self, name: &str, legacy: Option<&str>, shape: &[usize]) -> Result<Vec<f32>> {
        let full = |name: &str| format!("{}{name}", self.prefix);
        let (name, view) = std::iter::once(name)
            .chain(legacy)
            .find_map(|name| {
                self.tensors
                    .tensor(&full(name))
                    .ok()
                    .map(|view| (full(name), view))
            })
            .ok_or_else(|| {
                let legacy = legacy
                    .map(|legacy| format!(" (or `{}`)", full(legacy)))
                    .unwrap_or_default();
                self.error(format!("missing tensor `{}`{legacy}", full(name)))
            })?;
        if view.shape() != shape {
            return Err(self.error(format!(
                "tensor `{name}` has shape {:?}, the config expects {shape:?}",
                view.shape()
            )));
        }
        let data = view.data();
        let values = match view.dtype() {
            Dtype::F32 => decode(data, f32::from_le_bytes),
            Dtype::F64 => decode(data, |b| f64::from_le_bytes(b) as f32),
            Dtype::F16 => decode(data, |b| f16::from_le_bytes(b).to_f32()),
            Dtype::BF16 => decode(data, |b| bf16::from_le_bytes(b).to_f32()),
            other => {
                return Err(self.error(format!(
                    "tensor `{name}` has dtype {other:?}; only F32, F64, F16 and BF16 are supported"
                )))
            }
        };
        Ok(values)
    }

    /// A tensor of the given shape.
    pub(crate) fn tensor<B: Backend, const D: usize>(
        &self,
        name: &str,
        legacy: Option<&str>,
        shape: [usize; D],
        device: &B::Device,
    ) -> Result<Tensor<B, D>> {
        let values = self.values(name, legacy, &shape)?;
        Ok(Tensor::from_data(TensorData::new(values, shape), device))
    }

    /// A linear layer stored the PyTorch way: `{name}.weight` `[d_out, d_in]` and `{name}.bias`.
    pub(crate) fn linear<B: Backend>(
        &self,
        name: &str,
        d_in: usize,
        d_out: usize,
        device: &B::Device,
    ) -> Result<Linear<B>> {
        let weight = self.values(&format!("{name}.weight"), None, &[d_out, d_in])?;
        // burn multiplies by a `[d_in, d_out]` matrix: transpose once, here.
        let mut transposed = vec![0.0; weight.len()];
        for (o, row) in weight.chunks_exact(d_in).enumerate() {
            for (i, &w) in row.iter().enumerate() {
                transposed[i * d_out + o] = w;
            }
        }
        let bias = self.tensor(&format!("{name}.bias"), None, [d_out], device)?;
        let mut linear = LinearConfig::new(d_in, d_out).init(device);
        linear.weight = Param::from_tensor(Tensor::from_data(
            TensorData::new(transposed, [d_in, d_out]),
            device,
        ));
        linear.bias = Some(Param::from_tensor(bias));
        Ok(linear)
    }

    /// A LayerNorm stored as `{name}.weight` / `{name}.bias` (older files: `gamma` / `beta`).
    pub(crate) fn layer_norm<B: Backend>(
        &self,
        name: &str,
        d: usize,
        epsilon: f64,
        device: &B::Device,
    ) -> Result<LayerNorm<B>> {
        let gamma = self.tensor(
            &format!("{name}.weight"),
            Some(&format!("{name}.gamma")),
            [d],
            device,
        )?;
        let beta = self.tensor(
            &format!("{name}.bias"),
            Some(&format!("{name}.beta")),
            [d],
            device,
        )?;
        let mut norm = LayerNormConfig::new(d).with_epsilon(epsilon).init(device);
        norm.gamma = Param::from_tensor(gamma);
        norm.beta = Some(Param::from_tensor(beta));
        Ok(norm)
    }

    /// An embedding table stored as `{name}.weight` `[n, d]`.
    pub(crate) fn embedding<B: Backend>(
        &self,
        name: &str,
        n: usize,
        d: usize,
        device: &B::Device,
    ) -> Result<Embedding<B>> {
        let weight = self.tensor(&format!("{name}.weight"), None, [n, d], device)?;
        let mut embedding = EmbeddingConfig::new(n, d).init(device);
        embedding.weight = Param::from_tensor(weight);
        Ok(embedding)
    }
}

/// Decodes little-endian elements of `N` bytes (the buffer may be unaligned).
fn decode<const N: usize>(data: &[u8], element: impl Fn([u8; N]) -> f32) -> Vec<f32> {
    data.chunks_exact(N)
        .map(|chunk| {
            let mut bytes = [0; N];
            bytes.copy_from_slice(chunk);
            element(bytes)
        })
        .collect()
}
