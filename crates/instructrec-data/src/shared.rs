//! Finding the read-only shared data folder (datasets, pretrained models) outside the repository.

use std::io;
use std::path::{Path, PathBuf};

use crate::{DataError, Result};

/// The environment variable that names the shared folder.
pub const SHARED_ENV: &str = "INSTRUCTREC_SHARED";

/// The shared folder: `$INSTRUCTREC_SHARED` when set, else the first `shared` folder holding a
/// `data` folder found next to the current directory or one of its ancestors — so
/// `<workspace>/../shared` is found from the workspace root and from a crate directory (where
/// `cargo test` runs).
pub fn shared_dir() -> Option<PathBuf> {
    match std::env::var_os(SHARED_ENV) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => std::env::current_dir()
            .ok()
            .and_then(|dir| find_shared_from(&dir)),
    }
}

/// The first `<ancestor>/shared` with a `data` child, for `start` and its ancestors.
///
/// A sibling `shared` of an ancestor is the child of the next ancestor up, so walking up covers
/// both the "child" and the "sibling" layouts.
fn find_shared_from(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join("shared"))
        .find(|shared| shared.join("data").is_dir())
}

/// A path inside the shared folder that must exist, or an error that says how to provide it.
pub fn shared_path(relative: impl AsRef<Path>) -> Result<PathBuf> {
    let relative = relative.as_ref();
    let missing = |path: PathBuf, why: &str| DataError::Io {
        path,
        source: io::Error::new(
            io::ErrorKind::NotFound,
            format!("{why}; set {SHARED_ENV} to the shared folder (the one holding data/)"),
        ),
    };
    let dir = shared_dir().ok_or_else(|| {
        missing(
            relative.to_owned(),
            "no shared folder found above the current directory",
        )
    })?;
    let path = dir.join(relative);
    if path.exists() {
        Ok(path)
    } else {
        Err(missing(path, "not found in the shared folder"))
    }
}

#[cfg(test)]
mod tests {
    use super::find_shared_from;

    #[test]
    fn shared_is_found_as_a_sibling_of_the_workspace_and_from_crate_directories() {
        let root = tempfile::tempdir().unwrap();
        let shared = root.path().join("shared");
        std::fs::create_dir_all(shared.join("data")).unwrap();
        let crate_dir = root.path().join("main").join("crates").join("some-crate");
        std::fs::create_dir_all(&crate_dir).unwrap();
        assert_eq!(
            find_shared_from(&root.path().join("main")),
            Some(shared.clone())
        );
        assert_eq!(find_shared_from(&crate_dir), Some(shared));
    }

    #[test]
    fn a_shared_folder_without_data_is_not_taken() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("shared")).unwrap();
        let found = find_shared_from(root.path());
        assert!(found.is_none_or(|dir| !dir.starts_with(root.path())));
    }
}
