//! ItemTower: shapes, masking, cold start, catalog encoding, gradients and configuration.

use burn::backend::Autodiff;
use burn::module::{AutodiffModule, Module, ModuleVisitor, Param};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Bool, Distribution, ElementConversion, Int, Tensor};
use instructrec_fusion::{
    FusionError, FusionKind, FusionStrategy, ItemBatch, ItemFeatures, ItemTower, ItemTowerConfig,
    ItemVectors, Modalities, ModalityEmbedding,
};

use crate::common::{assert_close, device, features, max_abs_diff, to_vec, B};

type AB = Autodiff<B>;

const D: usize = 8;

fn kinds() -> [FusionKind; 3] {
    [
        FusionKind::ConcatMlp { d_hidden: 16 },
        FusionKind::GatedSum,
        FusionKind::Attention { n_heads: 2 },
    ]
}

/// Features with every modality (text vectors for items 0, 1 and 4).
fn full_features() -> ItemFeatures {
    let mut text_vectors = ItemVectors::new(6, 4).unwrap();
    text_vectors.set(0, &[1.0, 0.0, 0.0, 2.0]).unwrap();
    text_vectors.set(1, &[0.0, 1.0, 0.0, -1.0]).unwrap();
    text_vectors.set(4, &[0.5, 0.5, 1.0, 0.0]).unwrap();
    features().with_text_vectors(text_vectors).unwrap()
}

fn config(features: &ItemFeatures, kind: FusionKind) -> ItemTowerConfig {
    let dims = features.dims();
    ItemTowerConfig::new(D, dims, Modalities::available(&dims))
        .with_fusion(kind)
        .with_dropout(0.0)
}

fn all_items() -> Vec<u32> {
    (0..6).collect()
}

/// Writes random valid ids / NaN into every padded or missing slot of a batch.
fn with_garbage(mut batch: ItemBatch<B>, num_categories: usize, vocab: usize) -> ItemBatch<B> {
    let dev = batch.device();
    let scramble = |ids: Tensor<B, 2, Int>, padding: Tensor<B, 2, Bool>, high: usize| {
        let noise =
            Tensor::<B, 2, Int>::random(ids.dims(), Distribution::Uniform(0.0, high as f64), &dev);
        ids.mask_where(padding, noise)
    };
    if let Some(text) = &mut batch.text {
        text.ids = scramble(text.ids.clone(), text.padding.clone(), vocab);
    }
    if let Some(categories) = &mut batch.categories {
        categories.ids = scramble(
            categories.ids.clone(),
            categories.padding.clone(),
            num_categories,
        );
    }
    if let Some(numeric) = &mut batch.numeric {
        numeric.values = numeric
            .values
            .clone()
            .mask_fill(numeric.missing.clone(), f32::NAN);
    }
    for vectors in [&mut batch.vectors, &mut batch.text_vectors]
        .into_iter()
        .flatten()
    {
        let [n, d] = vectors.values.dims();
        let mask = vectors.missing.clone().reshape([n, 1]).expand([n, d]);
        vectors.values = vectors.values.clone().mask_fill(mask, f32::NAN);
    }
    // Unknown items: point their ID at another item.
    let other_ids = batch.ids.clone().add_scalar(1).remainder_scalar(6);
    batch.ids = batch
        .ids
        .clone()
        .mask_where(batch.id_known.clone().bool_not(), other_ids);
    batch
}

#[test]
fn every_fusion_gives_one_vector_per_item() {
    let f = full_features();
    for kind in kinds() {
        let tower = config(&f, kind).init::<B>(&device()).unwrap();
        assert_eq!(tower.num_modalities(), 6);
        let out = tower.forward(&tower.batch(&f, &[5, 0, 3], &device()).unwrap());
        assert_eq!(out.dims(), [3, D], "{kind:?}");
        assert!(to_vec(out).iter().all(|v| v.is_finite()), "{kind:?}");
    }
}

#[test]
fn padding_and_missing_slots_never_change_a_result() {
    let mut f = full_features();
    f.set_known_items(&[true, false, true, false, true, false])
        .unwrap();
    for kind in kinds() {
        let tower = config(&f, kind).init::<B>(&device()).unwrap();
        let batch = tower.batch(&f, &all_items(), &device()).unwrap();
        let clean = to_vec(tower.forward(&batch));
        let dims = f.dims();
        let dirty = with_garbage(batch.clone(), dims.num_categories, dims.vocab_size);
        assert_eq!(clean, to_vec(tower.forward(&dirty)), "{kind:?}");
    }
}

#[test]
fn cold_items_get_distinct_vectors_from_content() {
    let mut f = full_features();
    f.set_known_items(&[false; 6]).unwrap();
    for kind in kinds() {
        let tower = config(&f, kind).init::<B>(&device()).unwrap();
        let out = to_vec(tower.forward(&tower.batch(&f, &all_items(), &device()).unwrap()));
        // Items 0..=5 except 3 (no content at all) differ pairwise.
        let content = [0usize, 1, 2, 4, 5];
        for (a, &i) in content.iter().enumerate() {
            for &j in &content[a + 1..] {
                let diff = max_abs_diff(&out[i * D..(i + 1) * D], &out[j * D..(j + 1) * D]);
                assert!(diff > 1e-5, "{kind:?}: items {i} and {j} collide");
            }
        }
    }
}

#[test]
fn id_only_tower_is_an_embedding_lookup() {
    let mut f = features();
    f.set_known_items(&[true, true, false, true, true, true])
        .unwrap();
    let dims = f.dims();
    let tower = ItemTowerConfig::new(D, dims, Modalities::id_only())
        .init::<B>(&device())
        .unwrap();
    assert!(tower.token_embedding().is_none());
    let table = to_vec(tower.id_embedding().unwrap().weight.val());
    let out = to_vec(tower.forward(&tower.batch(&f, &[4, 2, 0], &device()).unwrap()));
    assert_eq!(&out[..D], &table[4 * D..5 * D]);
    assert_eq!(&out[D..2 * D], &[0.0; D], "an unknown item has no vector");
    assert_eq!(&out[2 * D..], &table[..D]);
}

#[test]
fn encode_catalog_equals_forward_over_all_items() {
    let f = full_features();
    for kind in kinds() {
        let tower = config(&f, kind).init::<B>(&device()).unwrap();
        let full = to_vec(tower.forward(&tower.batch(&f, &all_items(), &device()).unwrap()));
        for batch_size in [1, 4, 1000] {
            let cached = tower.encode_catalog(&f, batch_size, &device()).unwrap();
            assert_eq!(cached.dims(), [6, D]);
            assert_close(&to_vec(cached), &full, 1e-6);
        }
        assert!(matches!(
            tower.encode_catalog(&f, 0, &device()),
            Err(FusionError::InvalidConfig { .. })
        ));
    }
}

/// Sums |gradient| per parameter, keyed by its path in the module tree.
struct GradNorms<'a, Bk: AutodiffBackend> {
    grads: &'a Bk::Gradients,
    path: Vec<String>,
    norms: Vec<(String, f32)>,
}

impl<Bk: AutodiffBackend> ModuleVisitor<Bk> for GradNorms<'_, Bk> {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_owned());
    }

    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }

    fn visit_float<const N: usize>(&mut self, param: &Param<Tensor<Bk, N>>) {
        let norm = param
            .grad(self.grads)
            .map_or(0.0, |g| g.abs().sum().into_scalar().elem::<f32>());
        self.norms.push((self.path.join("."), norm));
    }
}

#[test]
fn gradients_reach_every_modality_and_the_fusion() {
    let f = full_features();
    let dev = device();
    for kind in kinds() {
        let tower = config(&f, kind).init::<AB>(&dev).unwrap();
        let out = tower.forward(&tower.batch(&f, &all_items(), &dev).unwrap());
        let target = Tensor::<AB, 2>::random(out.dims(), Distribution::Normal(0.0, 1.0), &dev);
        let grads = (out * target).sum().backward();
        let mut visitor = GradNorms::<AB> {
            grads: &grads,
            path: Vec::new(),
            norms: Vec::new(),
        };
        tower.visit(&mut visitor);
        let names: Vec<&str> = visitor.norms.iter().map(|(n, _)| n.as_str()).collect();
        for prefix in [
            "id",
            "text",
            "categories",
            "numeric",
            "vector",
            "text_vector",
            "fusion",
        ] {
            assert!(
                names.iter().any(|n| n.starts_with(&format!("{prefix}."))),
                "{kind:?}: no parameter under {prefix}: {names:?}"
            );
        }
        for (name, norm) in &visitor.norms {
            assert!(*norm > 0.0, "{kind:?}: no gradient reaches {name}");
        }
    }
}

#[test]
fn id_dropout_masks_ids_in_training_only() {
    let f = full_features();
    let cfg = config(&f, FusionKind::GatedSum).with_id_dropout(1.0);
    let tower = cfg.init::<AB>(&device()).unwrap();
    let mut cold = f.clone();
    cold.set_known_items(&[false; 6]).unwrap();
    let items = all_items();
    let known_out = to_vec(tower.forward(&tower.batch(&f, &items, &device()).unwrap()));
    let cold_out = to_vec(tower.forward(&tower.batch(&cold, &items, &device()).unwrap()));
    assert_eq!(known_out, cold_out, "training: every ID is dropped");

    let inference = tower.valid();
    let known_out = to_vec(inference.forward(&inference.batch(&f, &items, &device()).unwrap()));
    let cold_out = to_vec(inference.forward(&inference.batch(&cold, &items, &device()).unwrap()));
    assert!(
        max_abs_diff(&known_out, &cold_out) > 1e-5,
        "inference keeps IDs"
    );
}

#[test]
fn token_embedding_is_shared_and_sized_by_d_token() {
    let f = features();
    let dims = f.dims();
    let mut dims_big_vocab = dims;
    dims_big_vocab.vocab_size = 5000;
    let tower = ItemTowerConfig::new(D, dims_big_vocab, Modalities::available(&dims))
        .with_d_token(Some(12))
        .init::<B>(&device())
        .unwrap();
    assert_eq!(tower.token_embedding().unwrap().weight.dims(), [5000, 12]);
    let out = tower.forward(&tower.batch(&f, &[0, 1], &device()).unwrap());
    assert_eq!(out.dims(), [2, D]);
}

#[test]
fn invalid_tower_configs_are_errors() {
    let f = features();
    let dims = f.dims();
    let all = Modalities::available(&dims);
    let mut no_numeric = dims;
    no_numeric.num_numeric = 0;
    let none = Modalities {
        id: false,
        ..Modalities::id_only()
    };
    let cases = [
        ("d_model", ItemTowerConfig::new(0, dims, all)),
        ("modalities", ItemTowerConfig::new(D, dims, none)),
        ("modalities", ItemTowerConfig::new(D, no_numeric, all)),
        (
            "id_dropout",
            ItemTowerConfig::new(D, dims, Modalities::id_only()).with_id_dropout(0.5),
        ),
        (
            "id_dropout",
            ItemTowerConfig::new(D, dims, all).with_id_dropout(1.5),
        ),
        (
            "dropout",
            ItemTowerConfig::new(D, dims, all).with_dropout(1.0),
        ),
        (
            "d_token",
            ItemTowerConfig::new(D, dims, all).with_d_token(Some(0)),
        ),
        (
            "n_heads",
            ItemTowerConfig::new(D, dims, all).with_fusion(FusionKind::Attention { n_heads: 0 }),
        ),
    ];
    for (name, cfg) in cases {
        match cfg.init::<B>(&device()) {
            Err(FusionError::InvalidConfig { name: got, .. }) => assert_eq!(got, name),
            other => panic!("{name}: expected an invalid config, got {other:?}"),
        }
    }
}

#[test]
fn features_that_do_not_fit_the_tower_are_rejected() {
    let f = features();
    let tower = config(&f, FusionKind::GatedSum)
        .init::<B>(&device())
        .unwrap();
    let other = features()
        .with_vectors(ItemVectors::new(6, 7).unwrap())
        .unwrap();
    for result in [
        tower.batch(&other, &[0], &device()).map(|_| ()),
        tower.encode_catalog(&other, 8, &device()).map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(FusionError::Incompatible(_))),
            "{result:?}"
        );
    }
}

#[test]
fn extra_modalities_plug_in_through_fuse_modalities() {
    let f = features();
    let dims = f.dims();
    let tower = ItemTowerConfig::new(D, dims, Modalities::available(&dims))
        .with_extra_modalities(1)
        .with_dropout(0.0)
        .init::<B>(&device())
        .unwrap();
    assert_eq!(
        tower.modality_names(),
        ["id", "text", "categories", "numeric", "vector", "extra_0"]
    );
    let batch = tower.batch(&f, &[0, 2], &device()).unwrap();
    let own = ModalityEmbedding::<B> {
        values: Tensor::random([2, D], Distribution::Normal(0.0, 1.0), &device()),
        missing: Tensor::from_data([false, true], &device()),
    };
    let mut slots = tower.encode_modalities(&batch);
    slots.push(own.clone());
    let with_own = to_vec(tower.fuse_modalities(slots).unwrap());
    let without = to_vec(tower.forward(&batch));
    assert!(max_abs_diff(&with_own[..D], &without[..D]) > 1e-5);
    assert_eq!(
        &with_own[D..],
        &without[D..],
        "a missing extra slot is ignored"
    );

    assert!(tower
        .fuse_modalities(tower.encode_modalities(&batch))
        .is_err());
    let mut wrong_width = tower.encode_modalities(&batch);
    wrong_width.push(ModalityEmbedding::absent(2, D + 1, &device()));
    assert!(matches!(
        tower.fuse_modalities(wrong_width),
        Err(FusionError::Incompatible(_))
    ));
}

/// A user-written strategy: the mean of the present modalities.
#[derive(Module, Debug, Clone)]
struct MeanFusion;

impl<Bk: Backend> FusionStrategy<Bk> for MeanFusion {
    fn fuse(&self, modalities: Tensor<Bk, 3>, missing: Tensor<Bk, 2, Bool>) -> Tensor<Bk, 2> {
        let [n, m, d] = modalities.dims();
        let present = missing.bool_not().float().reshape([n, m, 1]);
        let count = present.clone().sum_dim(1).clamp_min(1.0);
        let x = modalities.mask_fill(present.clone().equal_elem(0.0).expand([n, m, d]), 0.0);
        (x.sum_dim(1) / count).reshape([n, d])
    }
}

#[test]
fn a_custom_fusion_plugs_in_without_forking() {
    let mut f = features();
    f.set_known_items(&[true, true, true, false, true, true])
        .unwrap();
    let cfg = config(&f, FusionKind::Sum).with_id_dropout(0.2);
    let tower: ItemTower<AB, MeanFusion> = cfg.init_with_fusion(MeanFusion, &device()).unwrap();
    let batch = tower.batch(&f, &[0, 3], &device()).unwrap();
    assert_eq!(tower.forward(&batch).dims(), [2, D]);
    let inference: ItemTower<B, MeanFusion> = tower.valid();
    let out = to_vec(inference.encode_catalog(&f, 2, &device()).unwrap());
    assert_eq!(
        &out[3 * D..4 * D],
        &[0.0; D],
        "item 3 has no content and a masked ID"
    );
    assert!(out[..3 * D].iter().any(|&v| v != 0.0));
}

#[test]
fn tower_config_round_trips_through_json() {
    use burn::config::Config;
    let f = full_features();
    let cfg = config(&f, FusionKind::ConcatMlp { d_hidden: 32 })
        .with_id_dropout(0.25)
        .with_d_token(Some(16));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tower.json");
    cfg.save(&path).unwrap();
    let loaded = ItemTowerConfig::load(&path).unwrap();
    assert_eq!(loaded.dims, cfg.dims);
    assert_eq!(loaded.modalities, cfg.modalities);
    assert_eq!(loaded.fusion, cfg.fusion);
    assert_eq!((loaded.id_dropout, loaded.d_token), (0.25, Some(16)));
}
