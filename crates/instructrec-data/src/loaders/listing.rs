//! Ids listed in a side file (items in `.item` or `movies.dat`, users in `.user`).
//!
//! Where a dataset ships such a list, it is the universe: an id listed twice, or an interaction
//! naming an id the list lacks, is a bad line rather than something to paper over.

use std::path::Path;

use super::fields::LineAt;
use crate::{Interner, Result};

/// A listed id that must be new: listing the same id twice is an error.
pub(crate) fn new_listed_id<'s>(
    ids: &Interner,
    raw: &'s str,
    field: &str,
    at: &LineAt<'_>,
) -> Result<&'s str> {
    let id = at.id(field, raw)?;
    match ids.get(id) {
        Some(_) => Err(at.error(field, format!("`{id}` is listed twice"))),
        None => Ok(id),
    }
}

/// The dense index of an id that `list` must have listed.
pub(crate) fn listed_id(
    ids: &Interner,
    id: &str,
    list: &Path,
    field: &str,
    at: &LineAt<'_>,
) -> Result<u32> {
    ids.get(id)
        .ok_or_else(|| at.error(field, format!("`{id}` is not listed in {}", list.display())))
}
