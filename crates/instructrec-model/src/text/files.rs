//! Reading the files of a pretrained model directory.

use std::path::Path;

use crate::{ModelError, Result};

/// Reads a file that a pretrained model directory must contain.
///
/// A missing file is a [`ModelError::Pretrained`] naming it; other failures are
/// [`ModelError::Io`].
pub(crate) fn read_required(path: &Path) -> Result<Vec<u8>> {
    if !path.is_file() {
        return Err(ModelError::Pretrained {
            path: path.to_path_buf(),
            message: "missing file (a pretrained encoder directory holds config.json, \
                      model.safetensors and tokenizer.json)"
                .into(),
        });
    }
    std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads and parses a required JSON file of a pretrained model directory.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    serde_json::from_slice(&read_required(path)?).map_err(|e| ModelError::Pretrained {
        path: path.to_path_buf(),
        message: format!("cannot parse: {e}"),
    })
}
