//! Dense ids for string ids read from files.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Maps raw (string) ids to dense `u32` indices `0..len` and back.
///
/// The mapping is kept with the dataset so every recommendation can be reported with the id the
/// user's own files use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interner {
    names: Vec<String>,
    #[serde(skip)]
    index: HashMap<String, u32>,
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Self {
        Self::default()
    }

    /// The dense index of `name`, adding it when new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len()).expect("more than u32::MAX distinct ids");
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), id);
        id
    }

    /// The dense index of `name`, if known.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// The raw id of a dense index, if in range.
    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    /// Number of distinct ids.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no id was interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Raw ids in index order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Rebuilds the lookup table after deserialization (it is not stored).
    pub fn rebuild_index(&mut self) {
        self.index = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32))
            .collect();
    }

    /// Builds an interner from names in index order; duplicate names are an error.
    pub fn from_names(names: Vec<String>) -> Result<Self, String> {
        let mut interner = Self {
            names,
            index: HashMap::new(),
        };
        interner.rebuild_index();
        if interner.index.len() != interner.names.len() {
            return Err("duplicate id in interner names".to_owned());
        }
        Ok(interner)
    }
}
