//! Gradient clipping by the global L2 norm over all parameters (as `clip_grad_norm_` in PyTorch).
//!
//! burn's own `GradientClipping::Norm` clips every parameter tensor on its own, which changes the
//! direction of the update; clipping by the global norm rescales all gradients by one factor. The
//! factor stays a tensor, so clipping adds no device synchronization to a step.

use burn::module::{AutodiffModule, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::Tensor;

/// Rescales `grads` so that their global L2 norm is at most `max_norm`.
pub fn clip_grad_norm<B: AutodiffBackend, M: AutodiffModule<B>>(
    module: &M,
    grads: GradientsParams,
    max_norm: f32,
) -> GradientsParams {
    let mut sum = SquaredNorm::<B> {
        grads: &grads,
        total: None,
    };
    module.visit(&mut sum);
    let Some(total) = sum.total else {
        return grads;
    };
    let scale = (total.sqrt().add_scalar(1e-6).recip() * max_norm).clamp_max(1.0);
    let mut rescale = Rescale::<B> { grads, scale };
    module.visit(&mut rescale);
    rescale.grads
}

/// Sums the squared gradients of every float parameter of a module.
struct SquaredNorm<'a, B: AutodiffBackend> {
    grads: &'a GradientsParams,
    total: Option<Tensor<B::InnerBackend, 1>>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for SquaredNorm<'_, B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if let Some(grad) = self.grads.get::<B::InnerBackend, D>(param.id) {
            let squared = grad.square().sum();
            self.total = Some(match self.total.take() {
                Some(total) => total + squared,
                None => squared,
            });
        }
    }
}

/// Multiplies every float-parameter gradient by one scale factor.
struct Rescale<B: AutodiffBackend> {
    grads: GradientsParams,
    scale: Tensor<B::InnerBackend, 1>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for Rescale<B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if let Some(grad) = self.grads.remove::<B::InnerBackend, D>(param.id) {
            let scale = self.scale.clone().reshape([1; D]);
            self.grads.register(param.id, grad * scale);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, NdArray};
    use burn::module::Module;
    use burn::nn::{Linear, LinearConfig};
    use burn::tensor::backend::Backend;
    use burn::tensor::ElementConversion;

    type B = Autodiff<NdArray>;

    fn scalar(t: Tensor<NdArray, 1>) -> f64 {
        t.into_scalar().elem()
    }

    fn grad_norm(model: &Two<B>, grads: &GradientsParams) -> f64 {
        let mut sum = SquaredNorm::<B> { grads, total: None };
        model.visit(&mut sum);
        scalar(sum.total.unwrap().sqrt())
    }

    #[derive(Module, Debug)]
    struct Two<B: Backend> {
        a: Linear<B>,
        b: Linear<B>,
    }

    fn grads_of(model: &Two<B>) -> GradientsParams {
        let device = Default::default();
        let x = Tensor::<B, 2>::ones([4, 3], &device) * 3.0;
        let loss = model.b.forward(model.a.forward(x)).sum();
        GradientsParams::from_grads(loss.backward(), model)
    }

    #[test]
    fn clips_to_the_global_norm_and_keeps_the_direction() {
        let device = Default::default();
        let model = Two::<B> {
            a: LinearConfig::new(3, 5).init(&device),
            b: LinearConfig::new(5, 2).init(&device),
        };
        let before = grad_norm(&model, &grads_of(&model));
        assert!(before > 1.0, "test needs a large gradient, got {before}");
        let clipped = clip_grad_norm(&model, grads_of(&model), 1.0);
        let after = grad_norm(&model, &clipped);
        assert!((after - 1.0).abs() < 1e-4, "norm after clipping {after}");

        // Every tensor was scaled by the same factor.
        let raw = grads_of(&model);
        let id = model.a.weight.id;
        let g0 = raw.get::<NdArray, 2>(id).unwrap();
        let g1 = clipped.get::<NdArray, 2>(id).unwrap();
        let ratio = scalar(g1.sum().div(g0.sum()));
        assert!((ratio - 1.0 / before).abs() < 1e-4, "ratio {ratio}");

        // Below the threshold nothing changes.
        let loose = clip_grad_norm(&model, grads_of(&model), 1e6);
        assert!((grad_norm(&model, &loose) - before).abs() < 1e-3 * before);
    }
}
