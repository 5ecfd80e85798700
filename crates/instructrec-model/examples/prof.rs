use std::time::Instant;
use burn::backend::Flex;
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::nn::{LinearConfig};
use instructrec_model::query::{QueryTowerConfig, QueryTowerInput, SequenceLayout};
type B = Flex;
fn t<F: FnMut() -> R, R>(name: &str, n: usize, mut f: F) {
    f();
    let s = Instant::now();
    for _ in 0..n { std::hint::black_box(f()); }
    println!("{name}: {:.3} ms", s.elapsed().as_secs_f64() * 1000.0 / n as f64);
}
fn main() {
    let d = Default::default();
    let b = 256; let l = 59;
    let tower = QueryTowerConfig::new(64).with_d_ff(256).with_max_history(50).with_max_instruction_tokens(8).init::<B>(&d).unwrap();
    let ins = Tensor::<B,3>::random([b,8,64], Distribution::Default, &d);
    let his = Tensor::<B,3>::random([b,50,64], Distribution::Default, &d);
    let layout = SequenceLayout::new(vec![8; b], vec![50; b]).unwrap();
    t("tower b256", 5, || tower.forward(QueryTowerInput{instruction: ins.clone(), history: his.clone(), layout: layout.clone(), with_attention: false}).unwrap().query.into_data());
    let sq = Tensor::<B,2>::random([1024,1024], Distribution::Default, &d);
    t("matmul 1024^2 (2.1 GFLOP)", 5, || sq.clone().matmul(sq.clone()).into_data());
    let a = Tensor::<B,2>::random([15104,64], Distribution::Default, &d);
    let w = Tensor::<B,2>::random([64,256], Distribution::Default, &d);
    t("matmul 15104x64x256 (0.5 GFLOP)", 10, || a.clone().matmul(w.clone()).into_data());
    let at = Tensor::<B,2>::random([15104,256], Distribution::Default, &d);
    t("add bias 15104x256", 10, || (at.clone() + w.clone().slice(s![0..1, ..])).into_data());
    t("layout tensors", 5, || layout.tensors::<B>(8, 50, &d).attention_mask.into_data());
    let x = Tensor::<B,3>::random([b,l,64], Distribution::Default, &d);
    let lin = LinearConfig::new(64,64).init::<B>(&d);
    t("linear 3d", 10, || lin.forward(x.clone()).into_data());
    t("linear 2d", 10, || lin.forward(x.clone().reshape([b*l,64])).into_data());
    let lin2 = LinearConfig::new(64,256).init::<B>(&d);
    t("linear ff 3d", 10, || lin2.forward(x.clone()).into_data());
    let q = Tensor::<B,4>::random([b,2,l,32], Distribution::Default, &d);
    t("attn scores", 10, || q.clone().matmul(q.clone().swap_dims(2,3)).into_data());
    let s = Tensor::<B,4>::random([b,2,l,l], Distribution::Default, &d);
    t("softmax", 10, || burn::tensor::activation::softmax(s.clone(), 3).into_data());
    let m = Tensor::<B,3,Bool>::from_data(TensorData::new(vec![false; b*l*l], [b,l,l]), &d);
    t("mask_fill", 10, || s.clone().mask_fill(m.clone().reshape([b,1,l,l]), -1e4).into_data());
    t("layernorm", 10, || burn::nn::LayerNormConfig::new(64).init::<B>(&d).forward(x.clone()).into_data());
    t("gelu", 10, || burn::tensor::activation::gelu(x.clone().repeat_dim(2, 4)).into_data());
    let big = Tensor::<B,2>::random([b*l,256], Distribution::Default, &d);
    t("gelu 2d", 10, || burn::tensor::activation::gelu(big.clone()).into_data());
    t("relu 2d", 10, || burn::tensor::activation::relu(big.clone()).into_data());
    let x2 = x.clone().reshape([b*l,64]);
    t("linear ff 2d", 10, || lin2.forward(x2.clone()).into_data());
    t("matmul ff 2d", 10, || x2.clone().matmul(lin2.weight.val()).into_data());
    t("swap+reshape", 10, || q.clone().swap_dims(1,2).reshape([b,l,64]).into_data());
}
