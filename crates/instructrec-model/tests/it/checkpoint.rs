//! Save → load → identical scores; mismatched checkpoints are errors, not panics.

use std::fs;

use burn::prelude::*;
use burn::tensor::Tolerance;
use instructrec_model::checkpoint::{MANIFEST_FILE, WEIGHTS_FILE};
use instructrec_model::{InstructRec, InstructionEncoderConfig, ItemSet, ModelError};

use crate::common::{config, features, tokenize, B, ITEMS};

fn scores(model: &InstructRec<B>) -> Tensor<B, 2> {
    let device = Default::default();
    let catalog = model.encode_catalog(&features(), 64, &device).unwrap();
    let batch = model
        .batch_builder()
        .tokens::<B>(
            &[tokenize("crime please"), vec![]],
            &[vec![3, 7, 1], vec![]],
            &mut ItemSet::full(ITEMS),
            &device,
        )
        .unwrap();
    let query = model.encode_query(&batch, catalog.clone()).unwrap().query;
    query.matmul(catalog.transpose())
}

fn saved() -> (InstructRec<B>, tempfile::TempDir) {
    let model = config(InstructionEncoderConfig::SharedTokens)
        .init::<B>(&Default::default())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    model.save(dir.path()).unwrap();
    (model, dir)
}

fn is_checkpoint_error(result: Result<InstructRec<B>, ModelError>, what: &str) -> String {
    match result {
        Err(ModelError::Checkpoint { message, .. }) => message,
        other => panic!("{what}: expected a checkpoint error, got {other:?}"),
    }
}

#[test]
fn save_then_load_gives_identical_scores() {
    let (model, dir) = saved();
    let loaded = InstructRec::<B>::load(dir.path(), &Default::default()).unwrap();
    scores(&loaded)
        .into_data()
        .assert_approx_eq::<f32>(&scores(&model).into_data(), Tolerance::absolute(0.0));
    let expected = config(InstructionEncoderConfig::SharedTokens);
    assert!(InstructRec::<B>::load_expecting(dir.path(), &expected, &Default::default()).is_ok());
}

#[test]
fn wrong_version_config_or_shapes_are_checkpoint_errors() {
    let device = Default::default();
    let (_, dir) = saved();
    let manifest_path = dir.path().join(MANIFEST_FILE);
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(&manifest_path).unwrap()).unwrap();
    let rewrite = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut changed = manifest.clone();
        edit(&mut changed);
        fs::write(&manifest_path, serde_json::to_vec(&changed).unwrap()).unwrap();
    };

    rewrite(&|m| m["format_version"] = 99.into());
    let message = is_checkpoint_error(InstructRec::<B>::load(dir.path(), &device), "version");
    assert!(message.contains("version 99"), "{message}");

    // The caller expects another config.
    rewrite(&|_| {});
    let mut other = config(InstructionEncoderConfig::SharedTokens);
    other.query_tower.d_ff = 32;
    is_checkpoint_error(
        InstructRec::<B>::load_expecting(dir.path(), &other, &device),
        "expected config",
    );

    // The manifest's config no longer matches the saved parameter shapes.
    rewrite(&|m| m["config"]["query_tower"]["d_ff"] = 32.into());
    let message = is_checkpoint_error(InstructRec::<B>::load(dir.path(), &device), "shapes");
    assert!(message.contains("shape"), "{message}");

    // ... or its layer count (burn itself would panic on the record's length).
    rewrite(&|m| m["config"]["query_tower"]["n_layers"] = 2.into());
    is_checkpoint_error(InstructRec::<B>::load(dir.path(), &device), "layers");

    // Weights from another checkpoint of a different model.
    rewrite(&|_| {});
    let mut bigger = config(InstructionEncoderConfig::SharedTokens);
    bigger.query_tower.n_layers = 2;
    let other_dir = tempfile::tempdir().unwrap();
    bigger
        .init::<B>(&device)
        .unwrap()
        .save(other_dir.path())
        .unwrap();
    fs::copy(
        other_dir.path().join(WEIGHTS_FILE),
        dir.path().join(WEIGHTS_FILE),
    )
    .unwrap();
    let message = is_checkpoint_error(InstructRec::<B>::load(dir.path(), &device), "weights");
    assert!(message.contains("does not belong"), "{message}");

    // Garbage files.
    fs::write(&manifest_path, b"not json").unwrap();
    is_checkpoint_error(InstructRec::<B>::load(dir.path(), &device), "garbage");
    assert!(matches!(
        InstructRec::<B>::load(dir.path().join("missing"), &device),
        Err(ModelError::Io { .. })
    ));
}
