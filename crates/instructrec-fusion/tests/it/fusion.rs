//! Fusion strategies: shapes, masking, and what each computes.

use burn::tensor::{Bool, Distribution, Tensor, TensorData};
use instructrec_fusion::{
    AttentionFusionConfig, ConcatMlpFusionConfig, Fusion, FusionError, FusionKind, FusionStrategy,
    GatedSumFusionConfig, SumFusion,
};

use crate::common::{assert_close, device, max_abs_diff, to_vec, B};

const N: usize = 4;
const M: usize = 3;
const D: usize = 5;

/// Rows: all present; slot 1 missing; only slot 2 present; all missing.
fn missing() -> Tensor<B, 2, Bool> {
    let flags = [
        [false, false, false],
        [false, true, false],
        [true, true, false],
        [true, true, true],
    ];
    let flat: Vec<bool> = flags.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [N, M]), &device())
}

fn modalities() -> Tensor<B, 3> {
    Tensor::random([N, M, D], Distribution::Normal(0.0, 1.0), &device())
}

/// The same modalities with NaN / huge values written into every missing slot.
fn with_garbage(x: Tensor<B, 3>, value: f32) -> Tensor<B, 3> {
    let mask = missing().reshape([N, M, 1]).expand([N, M, D]);
    x.mask_fill(mask, value)
}

fn all_kinds() -> Vec<FusionKind> {
    vec![
        FusionKind::ConcatMlp { d_hidden: 7 },
        FusionKind::GatedSum,
        FusionKind::Attention { n_heads: 2 },
        FusionKind::Sum,
    ]
}

#[test]
fn every_strategy_ignores_missing_slots_and_stays_finite() {
    for kind in all_kinds() {
        let fusion: Fusion<B> = kind.init(M, D, 0.0, &device()).unwrap();
        let x = modalities();
        let out = fusion.fuse(x.clone(), missing());
        assert_eq!(out.dims(), [N, D], "{kind:?}");
        let clean = to_vec(out);
        assert!(clean.iter().all(|v| v.is_finite()), "{kind:?}: {clean:?}");
        for garbage in [f32::NAN, 1.0e6, -3.0] {
            let dirty = to_vec(fusion.fuse(with_garbage(x.clone(), garbage), missing()));
            assert_eq!(clean, dirty, "{kind:?} with garbage {garbage}");
        }
        // Present slots do matter.
        let changed = to_vec(fusion.fuse(x.clone() + 1.0, missing()));
        assert!(max_abs_diff(&clean[..D], &changed[..D]) > 1e-4, "{kind:?}");
    }
}

#[test]
fn sum_adds_present_slots() {
    let x = modalities();
    let out = to_vec(FusionStrategy::<B>::fuse(&SumFusion, x.clone(), missing()));
    let xs = to_vec(x);
    let at = |n: usize, m: usize| &xs[(n * M + m) * D..(n * M + m + 1) * D];
    let want: Vec<f32> = (0..D).map(|k| at(1, 0)[k] + at(1, 2)[k]).collect();
    assert_close(&out[D..2 * D], &want, 1e-6);
    assert_close(&out[2 * D..3 * D], at(2, 2), 1e-6);
    assert_eq!(&out[3 * D..], &[0.0; D]);
}

#[test]
fn gated_sum_starts_as_the_mean_of_present_slots() {
    let fusion = GatedSumFusionConfig::new(M, D)
        .init::<B>(&device())
        .unwrap();
    let x = modalities();
    let out = to_vec(fusion.fuse(x.clone(), missing()));
    let xs = to_vec(x);
    let at = |n: usize, m: usize, k: usize| xs[(n * M + m) * D + k];
    let row0: Vec<f32> = (0..D)
        .map(|k| (at(0, 0, k) + at(0, 1, k) + at(0, 2, k)) / 3.0)
        .collect();
    let row1: Vec<f32> = (0..D).map(|k| (at(1, 0, k) + at(1, 2, k)) / 2.0).collect();
    assert_close(&out[..D], &row0, 1e-5);
    assert_close(&out[D..2 * D], &row1, 1e-5);
    assert_close(
        &out[2 * D..3 * D],
        &(0..D).map(|k| at(2, 2, k)).collect::<Vec<_>>(),
        1e-5,
    );
    assert_eq!(&out[3 * D..], &[0.0; D]);
}

#[test]
fn attention_weights_cover_present_slots_only() {
    let fusion = AttentionFusionConfig::new(M, D)
        .with_n_heads(3)
        .init::<B>(&device())
        .unwrap();
    let weights = to_vec(fusion.weights(modalities(), missing())); // [N, M, H]
    let w = |n: usize, m: usize, h: usize| weights[(n * M + m) * 3 + h];
    for h in 0..3 {
        let total: f32 = (0..M).map(|m| w(0, m, h)).sum();
        assert!((total - 1.0).abs() < 1e-5);
        assert_eq!(w(1, 1, h), 0.0);
        assert!((w(1, 0, h) + w(1, 2, h) - 1.0).abs() < 1e-5);
        assert!((w(2, 2, h) - 1.0).abs() < 1e-6);
        assert!((0..M).all(|m| w(3, m, h) == 0.0));
    }
}

#[test]
fn concat_mlp_knows_absent_from_zero() {
    let fusion = ConcatMlpFusionConfig::new(M, D, 8)
        .init::<B>(&device())
        .unwrap();
    let zeros = Tensor::<B, 3>::zeros([N, M, D], &device());
    let none_missing =
        Tensor::<B, 2, Bool>::from_data(TensorData::new(vec![false; N * M], [N, M]), &device());
    let present_zero = to_vec(fusion.fuse(zeros.clone(), none_missing));
    let absent = to_vec(fusion.fuse(zeros, missing()));
    // Row 0 is fully present in both; row 3 is "all zero" vs "all absent".
    assert_close(&present_zero[..D], &absent[..D], 1e-6);
    assert!(max_abs_diff(&present_zero[3 * D..], &absent[3 * D..]) > 1e-4);
}

#[test]
fn invalid_strategy_configs_are_errors() {
    let invalid =
        |r: Result<Fusion<B>, FusionError>| matches!(r, Err(FusionError::InvalidConfig { .. }));
    assert!(invalid(FusionKind::Attention { n_heads: 0 }.init(
        M,
        D,
        0.0,
        &device()
    )));
    assert!(invalid(FusionKind::ConcatMlp { d_hidden: 0 }.init(
        M,
        D,
        0.0,
        &device()
    )));
    assert!(invalid(FusionKind::GatedSum.init(0, D, 0.0, &device())));
    assert!(invalid(FusionKind::ConcatMlp { d_hidden: 4 }.init(
        M,
        D,
        1.0,
        &device()
    )));
    assert!(invalid(FusionKind::Attention { n_heads: 1 }.init(
        M,
        0,
        0.0,
        &device()
    )));
}
