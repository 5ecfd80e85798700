//! Helpers shared by the top-level examples and benchmarks of the instructrec workspace.
//!
//! - [`DatasetArgs`]: the `--format`, `--data` and `--skip-bad-lines` arguments of the examples
//!   that load a dataset file, and the loading itself ([`load_options`] for the flag alone).
//! - [`exit_code`]: an example's `main`, printing `error: <message>` on failure.
//!
//! Every binary linked with this crate allocates through mimalloc. A training step allocates
//! and frees tensors of a few hundred KiB to a few MiB; glibc's malloc serves those from fresh
//! `mmap`s and returns them at once, and the page faults cost the quickstart a quarter of its
//! wall time (sys time 50 s of 174 s; docs/benchmarks.md, section 5).

mod dataset_args;
mod exit_code;

pub use dataset_args::{load_options, DatasetArgs};
pub use exit_code::exit_code;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
