//! Helpers shared by the top-level examples and benchmarks of the instructrec workspace.
//!
//! - [`DatasetArgs`]: the `--format`, `--data` and `--skip-bad-lines` arguments of the examples
//!   that load a dataset file, and the loading itself ([`load_options`] for the flag alone).
//! - [`exit_code`]: an example's `main`, printing `error: <message>` on failure.

mod dataset_args;
mod exit_code;

pub use dataset_args::{load_options, DatasetArgs};
pub use exit_code::exit_code;
