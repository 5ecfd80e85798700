//! The backend-generic part of a recommender, and the dispatcher that picks a backend for a
//! [`Device`] at run time.

use std::path::Path;

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use instructrec_data::Split;
use instructrec_fusion::ItemFeatures;
use instructrec_instruct::TextTokenizer;
use instructrec_model::heads::MatchingHead;
use instructrec_model::{CatalogIndex, InstructRec, InstructRecConfig, Request};
use instructrec_train::{Trainer, TrainerConfig, TrainingData};

use crate::evaluation::{evaluate, EvalInputs};
use crate::{Device, Evaluation, Result, TrainSummary};

/// The CPU training backend.
type CpuTraining = burn::backend::Autodiff<instructrec_model::CpuBackend>;
/// The CUDA training backend.
#[cfg(feature = "cuda")]
type CudaTraining = burn::backend::Autodiff<burn::backend::Cuda>;

/// A model on one backend, its item features, and its cached catalog index for inference.
#[derive(Debug)]
pub(crate) struct Engine<B: AutodiffBackend> {
    device: B::Device,
    model: InstructRec<B>,
    features: ItemFeatures,
    head: MatchingHead,
    index: CatalogIndex<B::InnerBackend, MatchingHead>,
}

impl<B: AutodiffBackend> Engine<B> {
    /// Wraps a model, encoding the catalog once for inference.
    pub fn new(
        model: InstructRec<B>,
        features: ItemFeatures,
        head: MatchingHead,
        device: B::Device,
    ) -> Result<Self> {
        let index = CatalogIndex::new(model.valid(), &features, head.clone(), &device)?;
        Ok(Self {
            device,
            model,
            features,
            head,
            index,
        })
    }

    /// A randomly initialised model of `config`, seeded with `seed`.
    pub fn init(
        config: &InstructRecConfig,
        seed: u64,
        features: ItemFeatures,
        head: MatchingHead,
        device: B::Device,
    ) -> Result<Self> {
        B::seed(&device, seed);
        let model = config.init::<B>(&device)?;
        Self::new(model, features, head, device)
    }

    /// The model saved in `dir`, which must have been saved with `config`.
    pub fn load(
        dir: &Path,
        config: &InstructRecConfig,
        features: ItemFeatures,
        head: MatchingHead,
        device: B::Device,
    ) -> Result<Self> {
        let model = InstructRec::load_expecting(dir, config, &device)?;
        Self::new(model, features, head, device)
    }

    /// Trains on the training part of `split` (from scratch, or resuming the run of
    /// `config.run_dir`), keeps the best model and re-encodes the catalog.
    pub fn fit(
        &mut self,
        split: &Split<'_>,
        tokenizer: &TextTokenizer,
        config: &TrainerConfig,
        resume: bool,
    ) -> Result<TrainSummary> {
        let data = TrainingData::prepare(split, self.features.clone(), tokenizer, &config.data)?;
        let mut trainer = Trainer::new(config.clone())?;
        let model = self.model.clone();
        let outcome = if resume {
            trainer.resume(model, &data, &self.device)?
        } else {
            trainer.fit(model, &data, &self.device)?
        };
        self.index = CatalogIndex::new(
            outcome.model.valid(),
            &self.features,
            self.head.clone(),
            &self.device,
        )?;
        self.model = outcome.model;
        Ok(TrainSummary {
            epochs: outcome.history.len(),
            best_epoch: outcome.best_epoch,
            stop: outcome.stop,
            seconds: outcome.seconds,
            sequences_per_second: outcome.sequences_per_second,
            targets_per_second: outcome.targets_per_second,
            peak_rss_mb: outcome.peak_rss_mb,
            best_validation: outcome.best_metrics,
            history: outcome.history,
        })
    }

    /// Answers requests from the cached catalog index.
    pub fn recommend(
        &self,
        requests: &[Request],
        k: usize,
        explain: bool,
    ) -> Result<Vec<instructrec_model::Recommendation>> {
        Ok(self.index.recommend(requests, k, explain)?)
    }

    /// Evaluates the model on the test stage of `inputs.split`.
    pub fn evaluate(&self, inputs: &EvalInputs<'_>) -> Result<Evaluation> {
        evaluate::<B::InnerBackend>(
            self.index.model(),
            &self.head,
            self.index.catalog(),
            inputs,
            &self.device,
        )
    }

    /// Writes the model's checkpoint to `dir`.
    pub fn save(&self, dir: &Path) -> Result<()> {
        Ok(self.model.save(dir)?)
    }

    /// The item features the model reads.
    pub fn features(&self) -> &ItemFeatures {
        &self.features
    }
}

/// Builds an [`Engine`] on whichever backend the dispatcher picks.
///
/// Rust has no generic closures; this trait is one.
pub(crate) trait MakeEngine {
    /// The engine on backend `B` and `device`.
    fn make<B: AutodiffBackend>(self, device: B::Device) -> Result<Engine<B>>;
}

/// An engine on the backend of its device, boxed: an engine is ~21 KB inline, and with two
/// backends of different sizes the enum would carry the larger one for either.
#[derive(Debug)]
pub(crate) enum AnyEngine {
    /// [`Device::Cpu`].
    Cpu(Box<Engine<CpuTraining>>),
    /// [`Device::Cuda`].
    #[cfg(feature = "cuda")]
    Cuda(Box<Engine<CudaTraining>>),
}

/// Runs `$body` with `$engine` bound to the engine inside an [`AnyEngine`], whatever its backend.
macro_rules! dispatch {
    ($any:expr, $engine:ident => $body:expr) => {
        match $any {
            $crate::engine::AnyEngine::Cpu($engine) => $body,
            #[cfg(feature = "cuda")]
            $crate::engine::AnyEngine::Cuda($engine) => $body,
        }
    };
}
pub(crate) use dispatch;

impl AnyEngine {
    /// Makes the engine on `device`'s backend.
    pub fn open(device: Device, maker: impl MakeEngine) -> Result<Self> {
        match device {
            Device::Cpu => Ok(Self::Cpu(Box::new(maker.make(Default::default())?))),
            Device::Cuda(index) => Self::open_cuda(index, maker),
        }
    }

    #[cfg(feature = "cuda")]
    fn open_cuda(index: usize, maker: impl MakeEngine) -> Result<Self> {
        let device = crate::device::cuda_device(index)?;
        Ok(Self::Cuda(Box::new(maker.make(device)?)))
    }

    #[cfg(not(feature = "cuda"))]
    fn open_cuda(index: usize, _maker: impl MakeEngine) -> Result<Self> {
        Err(crate::CoreError::CudaNotCompiled(index))
    }
}
