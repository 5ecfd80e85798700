//! The default CPU backends, chosen by measurement (`docs/benchmarks.md`, "Model"): one
//! training step of a SASRec-sized model is faster on `Flex` than on `NdArray`.

/// The CPU backend for inference.
pub type CpuBackend = burn::backend::Flex;

/// The CPU backend for training.
pub type CpuAutodiffBackend = burn::backend::Autodiff<CpuBackend>;
