//! Parsing of single fields, with errors that name the file, the line and the field.

use std::path::Path;

use crate::{DataError, Result};

/// A position in an input file: the file and the 1-based line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineAt<'a> {
    path: &'a Path,
    line: usize,
}

impl<'a> LineAt<'a> {
    pub fn new(path: &'a Path, line: usize) -> Self {
        Self { path, line }
    }

    /// The 1-based line number.
    pub fn line(&self) -> usize {
        self.line
    }

    /// A parse error at this line for `field`.
    pub fn error(&self, field: &str, message: impl Into<String>) -> DataError {
        DataError::Parse {
            path: self.path.to_owned(),
            line: self.line,
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// A raw user or item id: surrounding whitespace removed, must not be empty.
    pub fn id<'s>(&self, field: &str, raw: &'s str) -> Result<&'s str> {
        match raw.trim() {
            "" => Err(self.error(field, "empty id")),
            id => Ok(id),
        }
    }

    /// A finite number (ratings, prices and other numeric attributes).
    pub fn number(&self, field: &str, raw: &str) -> Result<f32> {
        let raw = raw.trim();
        match raw.parse::<f32>() {
            Ok(value) if value.is_finite() => Ok(value),
            Ok(_) => Err(self.error(field, format!("`{raw}` is not a finite number"))),
            Err(_) => Err(self.error(field, format!("`{raw}` is not a number"))),
        }
    }

    /// A Unix time in seconds, written as an integer or a decimal (fractions are truncated).
    pub fn timestamp(&self, field: &str, raw: &str) -> Result<i64> {
        let raw = raw.trim();
        if let Ok(seconds) = raw.parse::<i64>() {
            return Ok(seconds);
        }
        match raw.parse::<f64>() {
            // The bound check keeps the cast exact instead of saturating.
            Ok(seconds) if seconds.is_finite() && seconds.abs() < 9.0e18 => Ok(seconds as i64),
            _ => Err(self.error(field, format!("`{raw}` is not a Unix time in seconds"))),
        }
    }

    /// Exactly `names.len()` fields from `parts`, erring on the first missing one or on extras.
    pub fn columns<'s, const N: usize>(
        &self,
        mut parts: impl Iterator<Item = &'s str>,
        names: [&str; N],
    ) -> Result<[&'s str; N]> {
        let mut fields = [""; N];
        for (i, (slot, name)) in fields.iter_mut().zip(names).enumerate() {
            *slot = parts.next().ok_or_else(|| {
                self.error(name, format!("missing (the line has {i} of {N} fields)"))
            })?;
        }
        match (parts.next(), names.last()) {
            (Some(extra), Some(last)) => Err(self.error(
                last,
                format!("followed by an unexpected extra field `{extra}` (expected {N} fields)"),
            )),
            _ => Ok(fields),
        }
    }
}
