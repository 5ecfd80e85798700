//! A resumable training checkpoint: the model (the model crate's format) plus the optimizer's
//! state (a burn record) in one directory of the run.

use std::path::Path;

use burn::module::AutodiffModule;
use burn::optim::Optimizer;
use burn::record::{BinFileRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::backend::AutodiffBackend;
use instructrec_model::InstructRec;

use crate::{Result, TrainError};

const MODEL_DIR: &str = "model";
/// Base name of the optimizer record (the recorder adds `.bin`).
const OPTIMIZER_FILE: &str = "optimizer";

/// Writes `model` and `optimizer` into the (fresh) checkpoint directory `dir`.
pub(crate) fn save<B, O>(dir: &Path, model: &InstructRec<B>, optimizer: &O) -> Result<()>
where
    B: AutodiffBackend,
    O: Optimizer<InstructRec<B>, B>,
{
    model.save(dir.join(MODEL_DIR))?;
    BinFileRecorder::<FullPrecisionSettings>::new()
        .record(optimizer.to_record(), dir.join(OPTIMIZER_FILE))
        .map_err(|e| TrainError::Checkpoint {
            path: dir.join(OPTIMIZER_FILE),
            message: format!("writing the optimizer state: {e}"),
        })
}

/// Reads a checkpoint written by [`save`] for a model of `like`'s config.
pub(crate) fn load<B, O>(
    dir: &Path,
    like: &InstructRec<B>,
    optimizer: O,
    device: &B::Device,
) -> Result<(InstructRec<B>, O)>
where
    B: AutodiffBackend,
    O: Optimizer<InstructRec<B>, B>,
    InstructRec<B>: AutodiffModule<B>,
{
    let model = InstructRec::<B>::load_expecting(dir.join(MODEL_DIR), like.config(), device)?;
    let record = BinFileRecorder::<FullPrecisionSettings>::new()
        .load(dir.join(OPTIMIZER_FILE), device)
        .map_err(|e| TrainError::Checkpoint {
            path: dir.join(OPTIMIZER_FILE),
            message: format!("reading the optimizer state: {e}"),
        })?;
    Ok((model, optimizer.load_record(record)))
}

/// Loads the model of a best-model checkpoint written by [`save_model`].
pub(crate) fn load_model<B: AutodiffBackend>(
    dir: &Path,
    like: &InstructRec<B>,
    device: &B::Device,
) -> Result<InstructRec<B>> {
    Ok(InstructRec::<B>::load_expecting(
        dir.join(MODEL_DIR),
        like.config(),
        device,
    )?)
}

/// Writes only the model (a best-model checkpoint).
pub(crate) fn save_model<B: AutodiffBackend>(dir: &Path, model: &InstructRec<B>) -> Result<()> {
    Ok(model.save(dir.join(MODEL_DIR))?)
}
