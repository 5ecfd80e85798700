//! Loaders for the common recommendation dataset formats.
//!
//! Every loader takes a path and [`LoadOptions`] and returns the [`Dataset`](crate::Dataset)
//! with a [`LoadReport`]. A malformed line is an error naming the file, the 1-based line and the
//! field ([`DataError::Parse`](crate::DataError::Parse)); with [`BadLinePolicy::Skip`] such lines
//! are dropped whole, counted and the first errors kept in the report. Files may be
//! gzip-compressed (detected from their first bytes); text that is not UTF-8 is read as Latin-1.

mod amazon;
mod amazon2018;
mod amazon2023;
mod csv_table;
mod fields;
mod format;
mod generic_csv;
mod json_record;
mod listing;
mod movielens;
mod options;
mod recbole;
mod sasrec;
mod source;

pub use amazon2018::load_amazon2018;
pub use amazon2023::load_amazon2023;
pub use format::{load, Format};
pub use generic_csv::{load_csv, CsvOptions};
pub use movielens::load_movielens;
pub use options::{BadLinePolicy, LoadOptions, LoadReport};
pub use recbole::load_recbole;
pub use sasrec::load_sasrec;
