//! ItemFeatures: text assembly, normalization, masks and batch errors.

use burn::tensor::{Bool, Int, Tensor};
use instructrec_data::Catalog;
use instructrec_fusion::{
    FusionError, ItemBatch, ItemFeatures, ItemFeaturesConfig, ItemVectors, Modalities,
    NumericNormalization, UnknownItems,
};

use crate::common::{assert_close, catalog, device, features, to_vec, tokenize, B};

fn ints<const D: usize>(t: Tensor<B, D, Int>) -> Vec<i64> {
    t.into_data().convert::<i64>().to_vec::<i64>().unwrap()
}

fn bools<const D: usize>(t: Tensor<B, D, Bool>) -> Vec<bool> {
    t.into_data().to_vec::<bool>().unwrap()
}

#[test]
fn item_text_joins_title_brand_categories_and_description_start() {
    let config = ItemFeaturesConfig::new().with_max_description_chars(20);
    let c = catalog();
    assert_eq!(config.item_text(&c, 0), "Heat\nWarner\ncrime\nthriller");
    assert_eq!(config.item_text(&c, 2), "Casino\ncrime\nGreed, deception,");
    assert_eq!(config.item_text(&c, 3), "");
    assert_eq!(config.item_text(&c, 99), "");
}

#[test]
fn batch_holds_tokens_categories_numeric_and_vectors_with_masks() {
    let f = features();
    let batch: ItemBatch<B> = f.batch(&[0, 3], &device()).unwrap();
    assert_eq!(batch.len(), 2);
    assert_eq!(ints(batch.ids.clone()), vec![0, 3]);
    assert_eq!(bools(batch.id_known.clone()), vec![true, true]);

    let text = batch.text.clone().unwrap();
    assert_eq!(text.ids.dims(), [2, 24]);
    let want = tokenize("Heat\nWarner\ncrime\nthriller");
    let ids = ints(text.ids);
    let padding = bools(text.padding);
    assert_eq!(ids[..4].iter().map(|&i| i as u32).collect::<Vec<_>>(), want);
    assert_eq!(
        &padding[..24],
        &[[false; 4].as_slice(), &[true; 20]].concat()[..]
    );
    assert!(padding[24..].iter().all(|&p| p), "item 3 has no text");

    let categories = batch.categories.clone().unwrap();
    assert_eq!(categories.ids.dims(), [2, 8]);
    assert_eq!(&ints(categories.ids)[..2], &[0, 1]);
    let padding = bools(categories.padding);
    assert_eq!(&padding[..3], &[false, false, true]);
    assert!(padding[8..].iter().all(|&p| p));

    let numeric = batch.numeric.clone().unwrap();
    let years = [1995.0f32, 1995.0, 1979.0];
    let mean = years.iter().sum::<f32>() / 3.0;
    let std = (years.iter().map(|y| (y - mean).powi(2)).sum::<f32>() / 3.0).sqrt();
    let prices = [9.99f32, 4.5, 7.0];
    let pmean = prices.iter().sum::<f32>() / 3.0;
    let pstd = (prices.iter().map(|p| (p - pmean).powi(2)).sum::<f32>() / 3.0).sqrt();
    assert_close(
        &to_vec(numeric.values)[..2],
        &[(1995.0 - mean) / std, (9.99 - pmean) / pstd],
        1e-5,
    );
    assert_eq!(bools(numeric.missing), vec![false, false, true, true]);

    let vectors = batch.vectors.clone().unwrap();
    assert_eq!(&to_vec(vectors.values)[..3], &[1.0, 0.0, 0.5]);
    assert_eq!(bools(vectors.missing), vec![false, true]);
    assert!(batch.text_vectors.is_none());
}

#[test]
fn text_is_cut_and_categories_deduplicated() {
    let mut c = catalog();
    c.get_mut(0).unwrap().categories = vec![1, 1, 0, 2];
    let config = ItemFeaturesConfig::new()
        .with_max_text_tokens(2)
        .with_max_categories(2);
    let f = ItemFeatures::from_catalog(&c, &config, tokenize).unwrap();
    let batch: ItemBatch<B> = f.batch(&[0], &device()).unwrap();
    assert_eq!(
        ints(batch.text.unwrap().ids),
        tokenize("Heat Warner")
            .into_iter()
            .map(i64::from)
            .collect::<Vec<_>>()
    );
    assert_eq!(ints(batch.categories.unwrap().ids), vec![1, 0]);
    let dims = f.dims();
    assert_eq!((dims.max_text_tokens, dims.max_categories), (2, 2));
}

#[test]
fn dims_describe_the_features() {
    let f = features()
        .with_text_vectors(ItemVectors::new(6, 4).unwrap())
        .unwrap();
    let dims = f.dims();
    let max_token = (0..6)
        .flat_map(|i| tokenize(&ItemFeaturesConfig::new().item_text(&catalog(), i)))
        .max()
        .unwrap();
    assert_eq!(dims.num_items, 6);
    assert_eq!(dims.vocab_size, max_token as usize + 1);
    assert_eq!(dims.num_categories, 4);
    assert_eq!(dims.num_numeric, 2);
    assert_eq!(dims.vector_dim, Some(3));
    assert_eq!(dims.text_vector_dim, Some(4));
    let all = Modalities::available(&dims);
    assert!(all.id && all.text && all.categories && all.numeric && all.vector && all.text_vector);
}

#[test]
fn unknown_items_and_text_vectors_are_masked() {
    let mut f = features();
    f.set_known_items(&[true, false, true, true, true, false])
        .unwrap();
    assert!(!f.is_known(1) && f.is_known(0) && !f.is_known(42));
    let mut text_vectors = ItemVectors::new(6, 2).unwrap();
    text_vectors.set(1, &[0.5, -0.5]).unwrap();
    let f = f.with_text_vectors(text_vectors).unwrap();
    let batch: ItemBatch<B> = f.batch(&[1, 5, 0], &device()).unwrap();
    assert_eq!(bools(batch.id_known), vec![false, false, true]);
    let tv = batch.text_vectors.unwrap();
    assert_eq!(bools(tv.missing), vec![false, true, true]);
    assert_eq!(&to_vec(tv.values)[..2], &[0.5, -0.5]);
}

#[test]
fn batch_for_builds_only_the_requested_modalities() {
    let f = features();
    let batch: ItemBatch<B> = f
        .batch_for(&[0], &Modalities::id_only(), &device())
        .unwrap();
    assert!(batch.text.is_none() && batch.categories.is_none() && batch.numeric.is_none());
    assert!(batch.vectors.is_none() && batch.text_vectors.is_none());
    let mut want = Modalities::id_only();
    want.text_vector = true;
    let err = f.batch_for::<B>(&[0], &want, &device()).unwrap_err();
    assert!(err.to_string().contains("text_vector"), "{err}");
}

#[test]
fn bad_batches_are_errors() {
    let f = features();
    assert!(matches!(
        f.batch::<B>(&[], &device()),
        Err(FusionError::EmptyBatch)
    ));
    assert!(matches!(
        f.batch::<B>(&[0, 6], &device()),
        Err(FusionError::UnknownItem {
            item: 6,
            num_items: 6
        })
    ));
}

#[test]
fn bad_inputs_are_errors() {
    let mut f = features();
    assert!(matches!(
        f.set_known_items(&[true; 5]),
        Err(FusionError::Length {
            expected: 6,
            found: 5,
            ..
        })
    ));
    let wrong_count = ItemVectors::from_dense(vec![vec![1.0]; 5]).unwrap();
    assert!(f.clone().with_text_vectors(wrong_count.clone()).is_err());
    assert!(f.with_vectors(wrong_count).is_err());

    let mut c = catalog();
    c.get_mut(1).unwrap().numeric[0] = Some(f32::NAN);
    let err = ItemFeatures::from_catalog(&c, &ItemFeaturesConfig::new(), tokenize).unwrap_err();
    assert!(matches!(err, FusionError::NonFinite { .. }), "{err}");

    let zero_token = |_: &str| vec![5, 0];
    let err =
        ItemFeatures::from_catalog(&catalog(), &ItemFeaturesConfig::new(), zero_token).unwrap_err();
    assert!(
        matches!(err, FusionError::ReservedToken { item: 0 }),
        "{err}"
    );

    let mut c = catalog();
    c.get_mut(1).unwrap().categories = vec![17];
    let err = ItemFeatures::from_catalog(&c, &ItemFeaturesConfig::new(), tokenize).unwrap_err();
    assert!(matches!(
        err,
        FusionError::UnknownCategory {
            item: 1,
            category: 17,
            ..
        }
    ));

    let mut c = catalog();
    c.get_mut(1).unwrap().numeric.pop();
    let err = ItemFeatures::from_catalog(&c, &ItemFeaturesConfig::new(), tokenize).unwrap_err();
    assert!(matches!(err, FusionError::Length { .. }), "{err}");

    let config = ItemFeaturesConfig::new().with_max_text_tokens(0);
    assert!(matches!(
        ItemFeatures::from_catalog(&catalog(), &config, tokenize),
        Err(FusionError::InvalidConfig {
            name: "max_text_tokens",
            ..
        })
    ));
}

#[test]
fn new_items_reuse_the_training_statistics() {
    let train = features();
    let mut bigger = catalog();
    let idx = bigger.intern("new");
    bigger.get_mut(idx).unwrap().numeric = vec![Some(2100.0), Some(1000.0)];
    let config = ItemFeaturesConfig::new().with_numeric_clip(None);
    let reused = ItemFeatures::from_catalog_with_normalizer(
        &bigger,
        &config,
        train.normalizer().clone(),
        tokenize,
    )
    .unwrap();
    let refit = ItemFeatures::from_catalog(&bigger, &config, tokenize).unwrap();
    let numeric = |f: &ItemFeatures| {
        to_vec(
            f.batch::<B>(&[0], &device())
                .unwrap()
                .numeric
                .unwrap()
                .values,
        )
    };
    assert_close(&numeric(&reused), &numeric(&train), 1e-6);
    assert!((numeric(&refit)[0] - numeric(&train)[0]).abs() > 0.1);

    let mut other = Catalog::new();
    other.intern("x");
    let err = ItemFeatures::from_catalog_with_normalizer(
        &other,
        &config,
        train.normalizer().clone(),
        tokenize,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        FusionError::InvalidConfig {
            name: "normalizer",
            ..
        }
    ));
}

#[test]
fn robust_normalization_and_clipping_apply() {
    let config = ItemFeaturesConfig::new()
        .with_normalization(NumericNormalization::Robust)
        .with_numeric_clip(Some(0.5));
    let f = ItemFeatures::from_catalog(&catalog(), &config, tokenize).unwrap();
    let values = to_vec(
        f.batch::<B>(&[0, 4], &device())
            .unwrap()
            .numeric
            .unwrap()
            .values,
    );
    assert!(values.iter().all(|v| v.abs() <= 0.5), "{values:?}");
    assert_eq!(f.normalizer().method(), NumericNormalization::Robust);
}

#[test]
fn vectors_load_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("images.txt");
    std::fs::write(&path, "item1 1 2\nitem3\t3 4\nother 0 0\n").unwrap();
    let vectors = ItemVectors::load(&path, &catalog(), UnknownItems::Skip).unwrap();
    let f = features().with_vectors(vectors).unwrap();
    assert_eq!(f.dims().vector_dim, Some(2));
    let batch = f
        .batch::<B>(&[1, 3, 0], &device())
        .unwrap()
        .vectors
        .unwrap();
    assert_eq!(bools(batch.missing), vec![false, false, true]);
    assert_eq!(&to_vec(batch.values)[..4], &[1.0, 2.0, 3.0, 4.0]);

    let err = ItemVectors::load(&path, &catalog(), UnknownItems::Error).unwrap_err();
    assert!(matches!(err, FusionError::Parse { line: 3, .. }), "{err}");
    assert!(err.to_string().contains("images.txt:3"), "{err}");
}
