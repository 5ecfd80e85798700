//! What a loader does with bad lines, and what it reports back.

use std::fmt;

use super::generic_csv::CsvOptions;
use crate::{DataError, Result};

/// What a loader does when a line cannot be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BadLinePolicy {
    /// Stop at the first bad line and return its error.
    #[default]
    Fail,
    /// Drop the line, count it in [`LoadReport::skipped`] and go on.
    Skip,
}

/// Options shared by every loader.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadOptions {
    /// What to do with a line that cannot be parsed. Errors that concern a whole file (missing
    /// file, bad header, truncated archive) always fail.
    pub bad_lines: BadLinePolicy,
    /// How many of the skipped lines' errors [`LoadReport::errors`] keeps (the first ones).
    pub max_kept_errors: usize,
    /// Column names for [`Format::Csv`](super::Format::Csv).
    pub csv: CsvOptions,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            bad_lines: BadLinePolicy::Fail,
            max_kept_errors: 5,
            csv: CsvOptions::default(),
        }
    }
}

impl LoadOptions {
    /// Default options, but skipping bad lines instead of failing.
    pub fn skipping_bad_lines() -> Self {
        Self {
            bad_lines: BadLinePolicy::Skip,
            ..Self::default()
        }
    }
}

/// What a loader read, and what it dropped under [`BadLinePolicy::Skip`].
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Data lines read over all files (headers and blank lines not counted).
    pub lines_read: usize,
    /// Lines dropped because they could not be parsed.
    pub skipped: usize,
    /// The errors of the first skipped lines (at most [`LoadOptions::max_kept_errors`]).
    pub errors: Vec<DataError>,
}

impl LoadReport {
    /// Counts one data line and settles the outcome of parsing it under the options' policy:
    /// an error is returned under [`BadLinePolicy::Fail`], counted and kept under `Skip`.
    pub(crate) fn settle_line(&mut self, options: &LoadOptions, outcome: Result<()>) -> Result<()> {
        self.lines_read += 1;
        match (outcome, options.bad_lines) {
            (Ok(()), _) => Ok(()),
            (Err(error), BadLinePolicy::Fail) => Err(error),
            (Err(error), BadLinePolicy::Skip) => {
                self.skipped += 1;
                if self.errors.len() < options.max_kept_errors {
                    self.errors.push(error);
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "read {} lines", self.lines_read)?;
        if self.skipped == 0 {
            return Ok(());
        }
        write!(f, ", skipped {} bad lines", self.skipped)?;
        for (i, error) in self.errors.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            write!(f, "{error}")?;
        }
        if self.errors.len() < self.skipped {
            f.write_str("; …")?;
        }
        Ok(())
    }
}
