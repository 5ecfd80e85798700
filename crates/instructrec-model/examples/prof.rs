use burn::backend::{Autodiff, Flex};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use burn::tensor::Distribution;
use instructrec_model::query::{QueryTowerConfig, QueryTowerInput, SequenceLayout};
use std::time::Instant;
type A = Autodiff<Flex>;
fn t<F: FnMut() -> R, R>(name: &str, n: usize, mut f: F) {
    f();
    let s = Instant::now();
    for _ in 0..n {
        std::hint::black_box(f());
    }
    println!(
        "{name}: {:.1} ms",
        s.elapsed().as_secs_f64() * 1000.0 / n as f64
    );
}
fn main() {
    let d = Default::default();
    let b = 128;
    let tower = QueryTowerConfig::new(64)
        .with_d_ff(256)
        .with_dropout(0.2)
        .with_max_history(50)
        .with_max_instruction_tokens(8)
        .init::<A>(&d)
        .unwrap();
    let table = Tensor::<A, 2>::random([1683, 64], Distribution::Default, &d).require_grad();
    let rows = Tensor::<A, 1, Int>::from_data(
        TensorData::new(
            (0..b * 50).map(|i| (i % 1683) as i64).collect::<Vec<_>>(),
            [b * 50],
        ),
        &d,
    );
    let layout = SequenceLayout::new(vec![0; b], vec![50; b]).unwrap();
    let labels = Tensor::<A, 2, Int>::from_data(
        TensorData::new(
            (0..b * 51)
                .map(|i| (i * 7 % 1683) as i64)
                .collect::<Vec<_>>(),
            [b * 51, 1],
        ),
        &d,
    );
    let run = |tower_on: bool, loss_on: bool, backward: bool| {
        let hist = table.clone().select(0, rows.clone()).reshape([b, 50, 64]);
        let q = if tower_on {
            let out = tower
                .forward(QueryTowerInput {
                    instruction: Tensor::zeros([b, 1, 64], &d),
                    history: hist,
                    layout: layout.clone(),
                    with_attention: false,
                })
                .unwrap();
            Tensor::cat(vec![out.per_position.reshape([b * 50, 64]), out.query], 0)
        } else {
            Tensor::cat(
                vec![hist.reshape([b * 50, 64]), Tensor::zeros([b, 64], &d)],
                0,
            )
        };
        let loss = if loss_on {
            let logits = q.matmul(table.clone().transpose());
            log_softmax(logits, 1)
                .gather(1, labels.clone())
                .mean()
                .neg()
        } else {
            q.sum()
        };
        if backward {
            let g = loss.backward();
            std::hint::black_box(g);
        } else {
            let _ = loss.into_data();
        }
    };
    let r = Tensor::<A, 2>::random([6656, 256], Distribution::Default, &d);
    t("bernoulli 6656x256", 5, || {
        r.random_like(Distribution::Bernoulli(0.8)).into_data()
    });
    t("uniform 6656x256", 5, || {
        r.random_like(Distribution::Default).into_data()
    });
    t("mul 6656x256", 5, || (r.clone() * r.clone()).into_data());
    t("host mask 6656x256", 5, || {
        use rand::{RngCore, SeedableRng};
        let seed = r
            .clone()
            .slice(s![0..1, 0..1])
            .random_like(Distribution::Default)
            .into_scalar()
            .to_bits() as u64;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
        let n = 6656 * 256;
        let thr = (0.2f64 * u32::MAX as f64) as u32;
        let v: Vec<bool> = (0..n).map(|_| rng.next_u32() < thr).collect();
        let m = Tensor::<A, 2, Bool>::from_data(TensorData::new(v, [6656, 256]), &d);
        (r.clone().mask_fill(m, 0.0) * 1.25).into_data()
    });
    t("tower fwd", 3, || run(true, false, false));
    t("tower fwd+bwd", 3, || run(true, false, true));
    t("loss fwd (no tower)", 3, || run(false, true, false));
    t("loss fwd+bwd (no tower)", 3, || run(false, true, true));
    t("all fwd+bwd", 3, || run(true, true, true));
}
