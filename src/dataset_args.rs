//! The command-line arguments that name a dataset file and load it.

use std::path::PathBuf;

use clap::Args;
use instructrec_data::{load, Dataset, Format, LoadOptions, LoadReport, Result};

/// `--format`, `--data` and `--skip-bad-lines`: the dataset an example trains or evaluates on.
///
/// Flatten it into an example's arguments with `#[command(flatten)]`.
#[derive(Debug, Clone, Args)]
pub struct DatasetArgs {
    /// recbole, movielens, amazon2023, amazon2018, sasrec or csv.
    #[arg(long)]
    pub format: Format,
    /// The dataset's file or directory.
    #[arg(long)]
    pub data: PathBuf,
    /// Skip and count malformed lines instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_lines: bool,
}

impl DatasetArgs {
    /// Loads the dataset, with the report of what the loader read and skipped.
    pub fn load(&self) -> Result<(Dataset, LoadReport)> {
        load(self.format, &self.data, &load_options(self.skip_bad_lines))
    }
}

/// The default load options, skipping and counting malformed lines instead of failing at the
/// first when `skip_bad_lines` (the `--skip-bad-lines` flag) is set.
pub fn load_options(skip_bad_lines: bool) -> LoadOptions {
    if skip_bad_lines {
        LoadOptions::skipping_bad_lines()
    } else {
        LoadOptions::default()
    }
}
