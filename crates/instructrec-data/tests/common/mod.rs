//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

pub mod build;

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use instructrec_data::{shared_path, DataError};

/// A path in the shared data folder; the test fails with instructions when it is missing
/// (CI always has the data, so a silent skip would hide a broken setup).
pub fn shared(relative: &str) -> PathBuf {
    shared_path(relative).unwrap_or_else(|error| panic!("shared test data missing: {error}"))
}

/// Writes a text file into `dir` and returns its path.
pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    write_bytes(dir, name, content.as_bytes())
}

/// Writes raw bytes (e.g. Latin-1 text) into `dir` and returns the path.
pub fn write_bytes(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// The gzip compression of `content`.
pub fn gzip(content: &str) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(content.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

/// Asserts that `error` is a parse error at `file` (file name), `line` and `field`, and returns
/// its message.
pub fn assert_parse_error(error: &DataError, file: &str, line: usize, field: &str) -> String {
    match error {
        DataError::Parse {
            path,
            line: at,
            field: name,
            message,
        } => {
            assert_eq!(
                path.file_name().and_then(|n| n.to_str()),
                Some(file),
                "{error}"
            );
            assert_eq!((*at, name.as_str()), (line, field), "{error}");
            let shown = error.to_string();
            assert!(
                shown.contains(file) && shown.contains(&format!(":{line}:")),
                "{shown}"
            );
            message.clone()
        }
        other => panic!("expected a parse error at {file}:{line} `{field}`, got {other:?}"),
    }
}
