//! Opening input files (plain or gzip) and reading them line by line.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::fields::LineAt;
use super::options::{LoadOptions, LoadReport};
use crate::{DataError, Result};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BUFFER_BYTES: usize = 1 << 16;

/// Opens a file for buffered reading, decompressing it when it starts with the gzip magic bytes
/// (whatever its extension says).
pub(crate) fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let io_error = |source| DataError::Io {
        path: path.to_owned(),
        source,
    };
    let mut reader = BufReader::with_capacity(BUFFER_BYTES, File::open(path).map_err(io_error)?);
    let is_gzip = reader
        .fill_buf()
        .map_err(io_error)?
        .starts_with(&GZIP_MAGIC);
    Ok(if is_gzip {
        Box::new(BufReader::with_capacity(
            BUFFER_BYTES,
            MultiGzDecoder::new(reader),
        ))
    } else {
        Box::new(reader)
    })
}

/// Decodes text as UTF-8, or as Latin-1 when it is not valid UTF-8.
///
/// Older MovieLens files are Latin-1; a Latin-1 text that happens to be valid UTF-8 is
/// vanishingly rare, and Latin-1 decoding never fails, so no input is rejected for its encoding.
pub(crate) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// One line of text and where it comes from.
pub(crate) struct TextLine<'a> {
    /// The line without its line terminator.
    pub text: &'a str,
    /// File and 1-based line number, for errors.
    pub at: LineAt<'a>,
}

/// Reads a text file line by line, reusing one buffer.
pub(crate) struct LineReader {
    path: PathBuf,
    reader: Box<dyn BufRead>,
    bytes: Vec<u8>,
    latin1: String,
    line: usize,
}

impl LineReader {
    /// Opens `path` (plain or gzip).
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self {
            path: path.to_owned(),
            reader: open(path)?,
            bytes: Vec::new(),
            latin1: String::new(),
            line: 0,
        })
    }

    /// The next line, or `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<TextLine<'_>>> {
        self.bytes.clear();
        self.line += 1;
        let read = self
            .reader
            .read_until(b'\n', &mut self.bytes)
            .map_err(|source| DataError::Read {
                path: self.path.clone(),
                line: self.line,
                source,
            })?;
        if read == 0 {
            return Ok(None);
        }
        let mut content = self.bytes.as_slice();
        content = content.strip_suffix(b"\n").unwrap_or(content);
        content = content.strip_suffix(b"\r").unwrap_or(content);
        if self.line == 1 {
            content = content
                .strip_prefix("\u{feff}".as_bytes())
                .unwrap_or(content);
        }
        let text = match decode(content) {
            Cow::Borrowed(text) => text,
            Cow::Owned(text) => {
                self.latin1 = text;
                self.latin1.as_str()
            }
        };
        Ok(Some(TextLine {
            text,
            at: LineAt::new(&self.path, self.line),
        }))
    }

    /// Feeds every non-blank remaining line to `parse`, settling each outcome in `report` under
    /// the options' bad-line policy.
    ///
    /// `parse` must leave no trace when it fails (validate everything before adding anything),
    /// so that a skipped line is dropped whole.
    pub fn for_each_line(
        &mut self,
        options: &LoadOptions,
        report: &mut LoadReport,
        mut parse: impl FnMut(&TextLine<'_>) -> Result<()>,
    ) -> Result<()> {
        while let Some(line) = self.next_line()? {
            if line.text.trim().is_empty() {
                continue;
            }
            report.settle_line(options, parse(&line))?;
        }
        Ok(())
    }
}
