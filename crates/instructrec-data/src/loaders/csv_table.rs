//! Delimited files with a header row and quoted fields, read through the `csv` crate.

use std::borrow::Cow;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use csv::ByteRecord;

use super::fields::LineAt;
use super::options::{LoadOptions, LoadReport};
use super::source::{decode, open};
use crate::{DataError, Result};

/// A delimited file whose first row names the columns.
pub(crate) struct CsvTable {
    path: PathBuf,
    reader: csv::Reader<Box<dyn BufRead>>,
    header: Vec<String>,
}

impl CsvTable {
    /// Opens `path` (plain or gzip) and reads its header row.
    pub fn open(path: &Path, delimiter: u8) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(open(path)?);
        let header: Vec<String> = reader
            .byte_headers()
            .map_err(|error| csv_error(path, 1, error))?
            .iter()
            .map(|name| decode(name).trim().to_owned())
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(DataError::Schema {
                path: path.to_owned(),
                message: "the file is empty or its first line names no column".to_owned(),
            });
        }
        Ok(Self {
            path: path.to_owned(),
            reader,
            header,
        })
    }

    /// The position of the column called `name`.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|column| column == name)
            .ok_or_else(|| DataError::Schema {
                path: self.path.clone(),
                message: format!(
                    "no column `{name}` in the header (columns: {})",
                    self.header.join(", ")
                ),
            })
    }

    /// The positions of the columns called `names`.
    pub fn columns<const N: usize>(&self, names: [&str; N]) -> Result<[usize; N]> {
        let mut found = [0; N];
        for (slot, name) in found.iter_mut().zip(names) {
            *slot = self.column(name)?;
        }
        Ok(found)
    }

    /// Feeds every non-blank row to `parse`, settling each outcome in `report` under the options'
    /// bad-line policy. `parse` must leave no trace when it fails.
    pub fn for_each_row(
        &mut self,
        options: &LoadOptions,
        report: &mut LoadReport,
        mut parse: impl FnMut(&CsvRow<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut record = ByteRecord::new();
        let mut last_line = 1;
        loop {
            match self.reader.read_byte_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(error) => return Err(csv_error(&self.path, last_line + 1, error)),
            }
            last_line = record
                .position()
                .map_or(last_line + 1, |p| p.line() as usize);
            if record.iter().all(|field| field.trim_ascii().is_empty()) {
                continue;
            }
            let row = CsvRow {
                record: &record,
                header: &self.header,
                at: LineAt::new(&self.path, last_line),
            };
            report.settle_line(options, parse(&row))?;
        }
    }
}

/// One data row of a [`CsvTable`].
pub(crate) struct CsvRow<'a> {
    record: &'a ByteRecord,
    header: &'a [String],
    /// File and line of the row, for errors.
    pub at: LineAt<'a>,
}

impl CsvRow<'_> {
    /// The text of the field in `column` (a position from [`CsvTable::column`]).
    pub fn get(&self, column: usize) -> Result<Cow<'_, str>> {
        let name = self.header.get(column).map_or("?", String::as_str);
        self.record.get(column).map(decode).ok_or_else(|| {
            self.at.error(
                name,
                format!(
                    "missing (the row has {} fields, the header {})",
                    self.record.len(),
                    self.header.len()
                ),
            )
        })
    }
}

fn csv_error(path: &Path, fallback_line: usize, error: csv::Error) -> DataError {
    let line = error
        .position()
        .map_or(fallback_line, |p| p.line() as usize);
    let message = error.to_string();
    match error.into_kind() {
        csv::ErrorKind::Io(source) => DataError::Read {
            path: path.to_owned(),
            line,
            source,
        },
        _ => DataError::Parse {
            path: path.to_owned(),
            line,
            field: "(row)".to_owned(),
            message,
        },
    }
}
