//! Saving and loading a model: weights (a burn record) plus a JSON manifest with the format
//! version, the config and every parameter's shape.
//!
//! A checkpoint is a directory holding [`MANIFEST_FILE`] and [`WEIGHTS_FILE`]. Loading checks, in
//! order: the format version, the config (against the one the caller expects, if any), the
//! parameter shapes of a model built from the saved config, and a digest of the weights file, so
//! a checkpoint that does not fit is a [`ModelError::Checkpoint`], never a panic in burn's
//! record loading.

use std::path::{Path, PathBuf};

use burn::module::{ModuleVisitor, Param};
use burn::prelude::*;
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Recorder};
use serde::{Deserialize, Serialize};

use crate::fingerprint::fnv1a64;
use crate::{InstructRec, InstructRecConfig, ModelError, Result};

/// The checkpoint format this crate writes and reads.
pub const CHECKPOINT_VERSION: u32 = 1;
/// The manifest's file name inside a checkpoint directory.
pub const MANIFEST_FILE: &str = "instructrec.json";
/// The weights' file name inside a checkpoint directory.
pub const WEIGHTS_FILE: &str = "weights.mpk";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format_version: u32,
    config: serde_json::Value,
    parameters: Vec<ParameterShape>,
    weights: Digest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ParameterShape {
    path: String,
    shape: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Digest {
    bytes: u64,
    fnv1a64: u64,
}

impl Digest {
    fn of(bytes: &[u8]) -> Self {
        Self {
            bytes: bytes.len() as u64,
            fnv1a64: fnv1a64(bytes),
        }
    }
}

type WeightsRecorder = NamedMpkBytesRecorder<FullPrecisionSettings>;

impl<B: Backend> InstructRec<B> {
    /// Writes the model to the directory `dir` (created if needed): [`WEIGHTS_FILE`] with
    /// full-precision weights and [`MANIFEST_FILE`] with the format version, the config and the
    /// parameter shapes.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|source| io_error(dir, source))?;
        let weights = WeightsRecorder::default()
            .record(self.clone().into_record(), ())
            .map_err(|e| checkpoint_error(dir.join(WEIGHTS_FILE), format!("encoding: {e}")))?;
        let manifest = Manifest {
            format_version: CHECKPOINT_VERSION,
            config: config_json(self.config(), dir)?,
            parameters: parameter_shapes(self),
            weights: Digest::of(&weights),
        };
        let manifest = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| checkpoint_error(dir.join(MANIFEST_FILE), format!("encoding: {e}")))?;
        write(&dir.join(WEIGHTS_FILE), &weights)?;
        write(&dir.join(MANIFEST_FILE), &manifest)
    }

    /// Loads a checkpoint written by [`save`](Self::save), building the model from its config.
    pub fn load(dir: impl AsRef<Path>, device: &B::Device) -> Result<Self> {
        load(dir.as_ref(), None, device)
    }

    /// Loads a checkpoint and checks that it was saved with `expected` as its config.
    pub fn load_expecting(
        dir: impl AsRef<Path>,
        expected: &InstructRecConfig,
        device: &B::Device,
    ) -> Result<Self> {
        load(dir.as_ref(), Some(expected), device)
    }
}

fn load<B: Backend>(
    dir: &Path,
    expected: Option<&InstructRecConfig>,
    device: &B::Device,
) -> Result<InstructRec<B>> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest = read(&manifest_path)?;
    let manifest: serde_json::Value = serde_json::from_slice(&manifest)
        .map_err(|e| checkpoint_error(&manifest_path, format!("not JSON: {e}")))?;
    let version = manifest.get("format_version").and_then(|v| v.as_u64());
    if version != Some(u64::from(CHECKPOINT_VERSION)) {
        return Err(checkpoint_error(
            &manifest_path,
            format!(
                "format version {}, this build reads version {CHECKPOINT_VERSION}",
                version.map_or("missing".into(), |v| v.to_string())
            ),
        ));
    }
    let manifest: Manifest = serde_json::from_value(manifest)
        .map_err(|e| checkpoint_error(&manifest_path, format!("malformed manifest: {e}")))?;
    let config: InstructRecConfig = serde_json::from_value(manifest.config.clone())
        .map_err(|e| checkpoint_error(&manifest_path, format!("malformed config: {e}")))?;
    if let Some(expected) = expected {
        if config_json(expected, dir)? != manifest.config {
            return Err(checkpoint_error(
                &manifest_path,
                format!(
                    "saved with config {}, expected {}",
                    manifest.config,
                    config_json(expected, dir)?
                ),
            ));
        }
    }
    let model = config
        .init::<B>(device)
        .map_err(|e| checkpoint_error(&manifest_path, format!("saved config is invalid: {e}")))?;
    compare_shapes(
        &manifest.parameters,
        &parameter_shapes(&model),
        &manifest_path,
    )?;

    let weights_path = dir.join(WEIGHTS_FILE);
    let weights = read(&weights_path)?;
    if Digest::of(&weights) != manifest.weights {
        return Err(checkpoint_error(
            &weights_path,
            "the weights file does not belong to this manifest (size or digest differs)",
        ));
    }
    let record = WeightsRecorder::default()
        .load(weights, device)
        .map_err(|e| checkpoint_error(&weights_path, format!("decoding: {e}")))?;
    let model = model.load_record(record);
    compare_shapes(
        &manifest.parameters,
        &parameter_shapes(&model),
        &weights_path,
    )?;
    Ok(model)
}

fn config_json(config: &InstructRecConfig, dir: &Path) -> Result<serde_json::Value> {
    serde_json::to_value(config)
        .map_err(|e| checkpoint_error(dir.join(MANIFEST_FILE), format!("config: {e}")))
}

fn compare_shapes(saved: &[ParameterShape], actual: &[ParameterShape], path: &Path) -> Result<()> {
    if saved == actual {
        return Ok(());
    }
    let message = match saved.iter().zip(actual).find(|(s, a)| s != a) {
        Some((s, a)) => format!(
            "parameter `{}` has shape {:?} in the checkpoint, the model has `{}` {:?}",
            s.path, s.shape, a.path, a.shape
        ),
        None => format!(
            "the checkpoint has {} parameters, the model {}",
            saved.len(),
            actual.len()
        ),
    };
    Err(checkpoint_error(path, message))
}

/// Every parameter of a module with its dotted path and shape, in visiting order.
fn parameter_shapes<B: Backend, M: Module<B>>(module: &M) -> Vec<ParameterShape> {
    struct Shapes {
        path: Vec<String>,
        out: Vec<ParameterShape>,
    }
    impl Shapes {
        fn push(&mut self, shape: Vec<usize>) {
            self.out.push(ParameterShape {
                path: self.path.join("."),
                shape,
            });
        }
    }
    impl<B: Backend> ModuleVisitor<B> for Shapes {
        fn enter_module(&mut self, name: &str, _container: &str) {
            self.path.push(name.to_owned());
        }
        fn exit_module(&mut self, _name: &str, _container: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            self.push(param.lazy_shape().to_vec());
        }
        fn visit_int<const D: usize>(&mut self, param: &Param<Tensor<B, D, Int>>) {
            self.push(param.lazy_shape().to_vec());
        }
        fn visit_bool<const D: usize>(&mut self, param: &Param<Tensor<B, D, Bool>>) {
            self.push(param.lazy_shape().to_vec());
        }
    }
    let mut shapes = Shapes {
        path: Vec::new(),
        out: Vec::new(),
    };
    module.visit(&mut shapes);
    shapes.out
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| io_error(path, source))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| io_error(path, source))
}

fn io_error(path: &Path, source: std::io::Error) -> ModelError {
    ModelError::Io {
        path: path.to_owned(),
        source,
    }
}

fn checkpoint_error(path: impl Into<PathBuf>, message: impl Into<String>) -> ModelError {
    ModelError::Checkpoint {
        path: path.into(),
        message: message.into(),
    }
}
