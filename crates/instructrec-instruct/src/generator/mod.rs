//! Instruction generators: turn a user's history, ratings and reviews plus a target item into
//! instructions for each task.

mod config;
mod dataset_generator;
mod explicit;
mod implicit;
mod item_profile;
mod needs;
mod request;
mod review_index;
mod specific;
mod vague;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

pub use config::GeneratorConfig;
pub use dataset_generator::DatasetGenerator;
pub use request::InstructionRequest;

use crate::{Instruction, Result};

/// Something that writes an instruction for a request: the built-in [`DatasetGenerator`], or
/// a user's own (e.g. instructions written by a teacher model and read from a file).
pub trait InstructionGenerator {
    /// The instruction for `request`, drawing every random choice from `rng`.
    fn generate(&self, request: &InstructionRequest, rng: &mut dyn RngCore) -> Result<Instruction>;

    /// [`generate`](Self::generate) with a generator seeded by `seed`: the same seed gives the
    /// same instruction, so evaluation sets can be rebuilt and reported with their seed.
    fn generate_seeded(&self, request: &InstructionRequest, seed: u64) -> Result<Instruction> {
        let mut rng = StdRng::seed_from_u64(seed);
        self.generate(request, &mut rng)
    }
}
