//! Modality encoders against hand-computed results.

use burn::tensor::{Bool, Distribution, Int, Tensor, TensorData};
use instructrec_fusion::{
    BagEncoderConfig, BagSource, ItemBatch, Modalities, ModalityEncoder, NumericEncoderConfig,
    PaddedIds, VectorEncoderConfig, VectorSource,
};

use crate::common::{assert_close, device, features, to_vec, B};

fn bools<const D: usize>(t: Tensor<B, D, Bool>) -> Vec<bool> {
    t.into_data().to_vec::<bool>().unwrap()
}

#[test]
fn bag_is_the_masked_mean_even_when_pooled_in_chunks() {
    // 150 rows x 64 ids x 512 wide exceeds one chunk: the pooling runs in several.
    let (n, len, d, vocab) = (150, 64, 512, 300);
    let dev = device();
    let bag = BagEncoderConfig::new(vocab, d, d, BagSource::Text)
        .init::<B>(&dev)
        .unwrap();
    assert!(bag.projection.is_none());
    let ids = Tensor::<B, 2, Int>::random([n, len], Distribution::Uniform(0.0, vocab as f64), &dev);
    let mut padding: Vec<bool> = (0..n * len).map(|k| (k * 7919) % 3 == 0).collect();
    padding[..len].iter_mut().for_each(|p| *p = true); // row 0: padding only
    let input = PaddedIds {
        ids: ids.clone(),
        padding: Tensor::from_data(TensorData::new(padding.clone(), [n, len]), &dev),
    };
    let out = bag.pool(&input);
    assert_eq!(out.values.dims(), [n, d]);
    let missing = bools(out.missing);
    assert!(missing[0] && !missing[1..].iter().any(|&m| m));

    let table = to_vec(bag.embedding.weight.val());
    let ids: Vec<i64> = ids.into_data().convert::<i64>().to_vec().unwrap();
    let values = to_vec(out.values);
    for row in [0, 1, 70, 149] {
        let mut want = vec![0.0f32; d];
        let present: Vec<usize> = (0..len).filter(|&k| !padding[row * len + k]).collect();
        for &k in &present {
            let id = ids[row * len + k] as usize;
            for (w, t) in want.iter_mut().zip(&table[id * d..(id + 1) * d]) {
                *w += t / present.len() as f32;
            }
        }
        assert_close(&values[row * d..(row + 1) * d], &want, 1e-4);
    }
}

#[test]
fn numeric_uses_values_when_known_and_learned_indicators_when_not() {
    let dev = device();
    let f = features();
    let batch: ItemBatch<B> = f.batch(&[0, 1, 3], &dev).unwrap();
    let encoder = NumericEncoderConfig::new(2, 3).init::<B>(&dev).unwrap();
    let out = encoder.encode(&batch);
    assert_eq!(bools(out.missing), vec![false, false, true]);

    let w = to_vec(encoder.linear.weight.val()); // [4, 3]: value rows, then indicator rows
    let bias = to_vec(encoder.linear.bias.as_ref().unwrap().val());
    let numeric = batch.numeric.unwrap();
    let x = to_vec(numeric.values);
    let miss = bools(numeric.missing);
    let values = to_vec(out.values);
    for item in 0..3 {
        let mut want = bias.clone();
        for field in 0..2 {
            let (row, scale) = if miss[item * 2 + field] {
                (2 + field, 1.0)
            } else {
                (field, x[item * 2 + field])
            };
            for (o, want) in want.iter_mut().enumerate() {
                *want += scale * w[row * 3 + o];
            }
        }
        assert_close(&values[item * 3..item * 3 + 3], &want, 1e-5);
    }
}

#[test]
fn encoders_mark_everything_missing_when_the_batch_lacks_their_modality() {
    let dev = device();
    let f = features();
    let batch: ItemBatch<B> = f.batch_for(&[0, 2], &Modalities::id_only(), &dev).unwrap();
    let encoders: Vec<Box<dyn ModalityEncoder<B>>> = vec![
        Box::new(
            BagEncoderConfig::new(10, 4, 4, BagSource::Text)
                .init(&dev)
                .unwrap(),
        ),
        Box::new(
            BagEncoderConfig::new(10, 4, 4, BagSource::Categories)
                .init(&dev)
                .unwrap(),
        ),
        Box::new(NumericEncoderConfig::new(2, 4).init(&dev).unwrap()),
        Box::new(
            VectorEncoderConfig::new(3, 4, VectorSource::Vector)
                .init(&dev)
                .unwrap(),
        ),
        Box::new(
            VectorEncoderConfig::new(3, 4, VectorSource::TextVector)
                .init(&dev)
                .unwrap(),
        ),
    ];
    for encoder in encoders {
        let out = encoder.encode(&batch);
        assert_eq!(out.values.dims(), [2, 4]);
        assert_eq!(bools(out.missing), vec![true, true]);
    }
}

#[test]
fn vector_encoder_projects_present_vectors() {
    let dev = device();
    let f = features();
    let batch: ItemBatch<B> = f.batch(&[2, 1], &dev).unwrap();
    let encoder = VectorEncoderConfig::new(3, 2, VectorSource::Vector)
        .init::<B>(&dev)
        .unwrap();
    let out = encoder.encode(&batch);
    assert_eq!(bools(out.missing), vec![false, true]);
    let w = to_vec(encoder.projection.weight.val()); // [3, 2]
    let b = to_vec(encoder.projection.bias.as_ref().unwrap().val());
    let v = [0.0f32, 1.0, -0.5]; // item 2's vector
    let want: Vec<f32> = (0..2)
        .map(|o| b[o] + (0..3).map(|i| v[i] * w[i * 2 + o]).sum::<f32>())
        .collect();
    assert_close(&to_vec(out.values)[..2], &want, 1e-5);
}
