//! The supported input formats, by name.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use super::options::{LoadOptions, LoadReport};
use super::{
    load_amazon2018, load_amazon2023, load_csv, load_movielens, load_recbole, load_sasrec,
};
use crate::{DataError, Dataset, Result};

/// An input format; parses from and displays as its lower-case name (`"recbole"`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// RecBole atomic files ([`load_recbole`]).
    RecBole,
    /// MovieLens 100K / 1M / latest in their own layouts ([`load_movielens`]).
    MovieLens,
    /// Amazon Reviews 2023 JSON lines ([`load_amazon2023`]).
    Amazon2023,
    /// Amazon Review Data 2018 JSON lines ([`load_amazon2018`]).
    Amazon2018,
    /// SASRec `user item` lines ([`load_sasrec`]).
    SasRec,
    /// A delimited file with the columns of [`LoadOptions::csv`] ([`load_csv`]).
    Csv,
}

impl Format {
    /// Every format, in display order.
    pub const ALL: [Format; 6] = [
        Format::RecBole,
        Format::MovieLens,
        Format::Amazon2023,
        Format::Amazon2018,
        Format::SasRec,
        Format::Csv,
    ];

    /// The name `FromStr` accepts and `Display` writes.
    pub fn name(self) -> &'static str {
        match self {
            Format::RecBole => "recbole",
            Format::MovieLens => "movielens",
            Format::Amazon2023 => "amazon2023",
            Format::Amazon2018 => "amazon2018",
            Format::SasRec => "sasrec",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = DataError;

    /// Case-insensitive.
    fn from_str(name: &str) -> Result<Self> {
        Format::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| DataError::InvalidParameter {
                name: "format",
                message: format!(
                    "unknown format `{name}` (expected one of {})",
                    Format::ALL.map(Format::name).join(", ")
                ),
            })
    }
}

/// Loads `path` in `format`.
pub fn load(format: Format, path: &Path, options: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    match format {
        Format::RecBole => load_recbole(path, options),
        Format::MovieLens => load_movielens(path, options),
        Format::Amazon2023 => load_amazon2023(path, options),
        Format::Amazon2018 => load_amazon2018(path, options),
        Format::SasRec => load_sasrec(path, options),
        Format::Csv => load_csv(path, options),
    }
}
