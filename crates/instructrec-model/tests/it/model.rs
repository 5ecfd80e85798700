//! The model end to end: shapes, padding, bad inputs, config validation, a training step.

use burn::backend::{Autodiff, Flex};
use burn::module::{AutodiffModule, Module};
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use burn::tensor::Tolerance;
use instructrec_fusion::{ItemTowerConfig, Modalities};
use instructrec_model::heads::{MatchingHeadConfig, Negatives};
use instructrec_model::text::ScratchTextEncoderConfig;
use instructrec_model::{
    InstructionEncoderConfig, ItemSet, ModelError, RecommenderHead, TokenStates,
};
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::common::{config, features, tokenize, B, ITEMS, VOCAB};

#[test]
fn encodes_queries_with_every_instruction_encoder() {
    let device = Default::default();
    let features = features();
    let scratch = ScratchTextEncoderConfig::new(VOCAB)
        .with_d_model(12)
        .with_n_layers(1)
        .with_n_heads(2)
        .with_d_ff(16)
        .with_max_len(6);
    for instruction in [
        InstructionEncoderConfig::SharedTokens,
        InstructionEncoderConfig::Scratch(scratch),
    ] {
        let model = config(instruction).init::<B>(&device).unwrap();
        let mut items = ItemSet::new(ITEMS);
        let batch = model
            .batch_builder()
            .tokens::<B>(
                &[tokenize("crime drama please"), vec![]],
                &[vec![3, 1, 4, 1, 5, 9, 2], vec![]],
                &mut items,
                &device,
            )
            .unwrap()
            .with_attention(true);
        let table = model.item_table(&features, &items, &device).unwrap();
        let out = model.encode_query(&batch, table).unwrap();
        assert_eq!(out.query.dims(), [2, 8]);
        assert_eq!(out.per_position.dims(), [2, 5, 8]);
        assert_eq!(out.attention.unwrap().history.dims(), [2, 5]);
    }

    let model = config(InstructionEncoderConfig::Pretrained { d_input: 3 })
        .init::<B>(&device)
        .unwrap();
    let states = TokenStates::new(vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6], 3).unwrap();
    let mut items = ItemSet::full(ITEMS);
    let batch = model
        .batch_builder()
        .states::<B>(&[states], &[vec![2, 7]], &mut items, &device)
        .unwrap();
    let catalog = model.encode_catalog(&features, 5, &device).unwrap();
    assert_eq!(catalog.dims(), [ITEMS, 8]);
    assert_eq!(
        model.encode_query(&batch, catalog).unwrap().query.dims(),
        [1, 8]
    );
}

#[test]
fn batching_with_other_requests_does_not_change_a_query() {
    let device = Default::default();
    let features = features();
    let model = config(InstructionEncoderConfig::SharedTokens)
        .init::<B>(&device)
        .unwrap();
    let catalog = model.encode_catalog(&features, 64, &device).unwrap();
    let builder = model.batch_builder();
    let encode = |instructions: &[Vec<u32>], histories: &[Vec<u32>]| {
        let batch = builder
            .tokens::<B>(instructions, histories, &mut ItemSet::full(ITEMS), &device)
            .unwrap();
        model.encode_query(&batch, catalog.clone()).unwrap().query
    };
    let alone = encode(&[tokenize("space")], &[vec![4]]);
    // A clone is the same model (parameters are materialised at init, not lazily per clone).
    let cloned = model.clone();
    let again = builder
        .tokens::<B>(
            &[tokenize("space")],
            &[vec![4]],
            &mut ItemSet::full(ITEMS),
            &device,
        )
        .unwrap();
    cloned
        .encode_query(
            &again,
            cloned.encode_catalog(&features, 64, &device).unwrap(),
        )
        .unwrap()
        .query
        .into_data()
        .assert_approx_eq::<f32>(&alone.clone().into_data(), Tolerance::absolute(0.0));
    // Padded to a longer instruction and history by its batch mates.
    let together = encode(
        &[
            tokenize("a long crime comedy space request"),
            tokenize("space"),
        ],
        &[vec![1, 2, 3, 5, 6, 7], vec![4]],
    );
    together
        .slice(s![1..2])
        .into_data()
        .assert_approx_eq::<f32>(&alone.into_data(), Tolerance::absolute(1e-5));
}

#[test]
fn rejects_bad_inputs_and_configs() {
    let device = Default::default();
    let model = config(InstructionEncoderConfig::SharedTokens)
        .init::<B>(&device)
        .unwrap();
    let builder = model.batch_builder();
    let build = |instruction: Vec<u32>, history: Vec<u32>| {
        builder.tokens::<B>(
            &[instruction],
            &[history],
            &mut ItemSet::full(ITEMS),
            &device,
        )
    };
    assert!(build(vec![VOCAB as u32], vec![]).is_err(), "unknown token");
    assert!(build(vec![1], vec![ITEMS as u32]).is_err(), "unknown item");
    let states = TokenStates::new(vec![0.0; 3], 3).unwrap();
    assert!(builder
        .states::<B>(&[states], &[vec![]], &mut ItemSet::full(ITEMS), &device)
        .is_err());

    // An item table that does not cover the batch's rows, or is too narrow.
    let batch = build(vec![1], vec![ITEMS as u32 - 1]).unwrap();
    let short = Tensor::<B, 2>::zeros([3, 8], &device);
    assert!(matches!(
        model.encode_query(&batch, short),
        Err(ModelError::InvalidInput { name: "items", .. })
    ));
    let narrow = Tensor::<B, 2>::zeros([ITEMS, 4], &device);
    assert!(model.encode_query(&batch, narrow).is_err());

    let mut bad = config(InstructionEncoderConfig::SharedTokens);
    bad.query_tower.d_model = 16;
    assert!(matches!(
        bad.validate(),
        Err(ModelError::InvalidConfig { .. })
    ));
    let mut id_only = config(InstructionEncoderConfig::SharedTokens);
    id_only.item_tower = ItemTowerConfig::new(8, id_only.item_tower.dims, Modalities::id_only());
    assert!(id_only.validate().is_err(), "shared tokens need item text");
    let scratch = ScratchTextEncoderConfig::new(VOCAB).with_max_len(2);
    assert!(config(InstructionEncoderConfig::Scratch(scratch))
        .validate()
        .is_err());
    assert!(config(InstructionEncoderConfig::Pretrained { d_input: 0 })
        .init::<B>(&device)
        .is_err());
}

#[test]
fn a_few_training_steps_on_every_prefix_lower_the_loss() {
    type A = Autodiff<Flex>;
    let device = Default::default();
    // Seeded so the run is the same on every machine: with an unlucky initialization Adam
    // at this learning rate can bounce off the plateau for a step.
    A::seed(&device, 11);
    let features = features();
    let mut model = config(InstructionEncoderConfig::SharedTokens)
        .init::<A>(&device)
        .unwrap();
    let head = MatchingHeadConfig::new()
        .with_negatives(Negatives::Full)
        .init()
        .unwrap();
    let mut optimizer = AdamWConfig::new().init();
    // Each user walks the catalog from a different start: the next item follows the last.
    let histories: Vec<Vec<u32>> = (0..6u32)
        .map(|u| (0..6).map(|t| (2 * u + t) % ITEMS as u32).collect())
        .collect();
    let instructions = vec![tokenize("next please"); histories.len()];
    let mut rng = StdRng::seed_from_u64(11);
    let mut losses = Vec::new();
    for _ in 0..40 {
        let mut items = ItemSet::new(ITEMS);
        let batch = model
            .batch_builder()
            .tokens::<A>(&instructions, &histories, &mut items, &device)
            .unwrap();
        let prefixes = batch.prefix_targets();
        let target = head
            .plan(&mut items, &prefixes.items, None, &mut rng)
            .unwrap();
        let table = model.item_table(&features, &items, &device).unwrap();
        let out = model.encode_query(&batch, table.clone()).unwrap();
        let queries = out.positions(&prefixes.slots).unwrap();
        let loss = head.loss(queries, table, &target).unwrap();
        losses.push(loss.clone().into_scalar());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(5e-3, model, grads);
    }
    let last: f32 = losses[35..].iter().sum::<f32>() / 5.0;
    assert!(last < losses[0] * 0.8, "loss did not fall: {losses:?}");
    assert!(model.valid().num_params() > 0);
}

#[test]
fn the_content_term_doubles_the_vectors_and_scores_content() {
    let device = Default::default();
    let features = features();
    let model = config(InstructionEncoderConfig::SharedTokens)
        .with_content_match(true)
        .init::<B>(&device)
        .unwrap();
    assert_eq!(model.vector_width(), 16);
    let catalog = model.encode_catalog(&features, 5, &device).unwrap();
    assert_eq!(catalog.dims(), [ITEMS, 16]);
    // The first half is the fused vector the plain model scores.
    let fused = model
        .item_tower()
        .encode_catalog(&features, 5, &device)
        .unwrap();
    catalog
        .clone()
        .slice(s![.., 0..8])
        .into_data()
        .assert_approx_eq::<f32>(&fused.into_data(), Tolerance::absolute(1e-6));

    let mut items = ItemSet::full(ITEMS);
    let batch = model
        .batch_builder()
        .tokens::<B>(
            &[tokenize("crime drama please"), vec![]],
            &[vec![3, 1, 4], vec![2]],
            &mut items,
            &device,
        )
        .unwrap();
    let out = model.encode_query(&batch, catalog.clone()).unwrap();
    assert_eq!(out.query.dims(), [2, 16]);
    assert_eq!(out.per_position.dims(), [2, 3, 16]);
    // A table of the plain width is refused.
    assert!(model
        .encode_query(&batch, catalog.slice(s![.., 0..8]))
        .is_err());

    // Without content there is nothing to match: an ID-only item tower is refused.
    let mut dims = features.dims();
    dims.vocab_size = VOCAB;
    let mut id_only = config(InstructionEncoderConfig::Pretrained { d_input: 3 });
    id_only.item_tower = ItemTowerConfig::new(8, dims, Modalities::id_only());
    let id_only = id_only.with_content_match(true);
    assert!(matches!(
        id_only.init::<B>(&device),
        Err(ModelError::InvalidConfig {
            field: "content_match",
            ..
        })
    ));
}
