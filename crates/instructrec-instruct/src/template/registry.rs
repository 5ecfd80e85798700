//! The set of templates to choose from: the built-in ones plus any a user adds.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rand::{Rng, RngCore};
use serde::Deserialize;

use crate::{InstructError, Result, Template, TemplateKey, TemplateSpec};

/// The built-in templates, kept as data so they can be read, reviewed and extended like a user's.
const BUILTIN_TEMPLATES: &str = include_str!("builtin_templates.json");

/// The layout of a template file: `{"templates": [{"id": …, "preference": "P1", …}, …]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    templates: Vec<TemplateSpec>,
}

/// Templates indexed by id and by the combination they serve.
#[derive(Debug, Clone, Default)]
pub struct TemplateRegistry {
    templates: Vec<Template>,
    by_id: HashMap<String, usize>,
    by_key: BTreeMap<TemplateKey, Vec<usize>>,
}

impl TemplateRegistry {
    /// A registry without templates.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in templates (several paraphrases for every combination the tasks use, each
    /// also with a `{context}` variant).
    pub fn builtin() -> Self {
        let mut registry = Self::new();
        registry
            .add_json(BUILTIN_TEMPLATES)
            .expect("the built-in templates are valid (checked by the crate's tests)");
        registry
    }

    /// Adds one template; an id already present is an error.
    pub fn add(&mut self, template: Template) -> Result<()> {
        if self.by_id.contains_key(template.id()) {
            return Err(InstructError::DuplicateTemplate(template.id().to_owned()));
        }
        let index = self.templates.len();
        self.by_id.insert(template.id().to_owned(), index);
        self.by_key.entry(template.key()).or_default().push(index);
        self.templates.push(template);
        Ok(())
    }

    /// Checks and adds every template of a JSON document in the template-file layout. Nothing is
    /// added unless all of them are valid and new. Returns how many were added.
    pub fn add_json(&mut self, json: &str) -> Result<usize> {
        let file: TemplateFile =
            serde_json::from_str(json).map_err(|err| InstructError::TemplateSyntax {
                line: err.line(),
                column: err.column(),
                message: err.to_string(),
            })?;
        let templates = file
            .templates
            .into_iter()
            .map(Template::new)
            .collect::<Result<Vec<_>>>()?;
        let mut staged = self.clone();
        for template in templates {
            staged.add(template)?;
        }
        let added = staged.len() - self.len();
        *self = staged;
        Ok(added)
    }

    /// [`TemplateRegistry::add_json`] on a file; errors name the file (and the template).
    pub fn add_file(&mut self, path: impl AsRef<Path>) -> Result<usize> {
        let path = path.as_ref();
        let in_file = |error: InstructError| InstructError::TemplateFile {
            path: path.to_owned(),
            error: Box::new(error),
        };
        let json = std::fs::read_to_string(path).map_err(|source| {
            in_file(InstructError::Io {
                path: path.to_owned(),
                source,
            })
        })?;
        self.add_json(&json).map_err(in_file)
    }

    /// The template with this id.
    pub fn get(&self, id: &str) -> Result<&Template> {
        self.by_id
            .get(id)
            .map(|&index| &self.templates[index])
            .ok_or_else(|| InstructError::UnknownTemplate(id.to_owned()))
    }

    /// The templates serving `key`, in the order they were added.
    pub fn templates_for(&self, key: TemplateKey) -> impl Iterator<Item = &Template> + '_ {
        self.by_key
            .get(&key)
            .into_iter()
            .flatten()
            .map(|&index| &self.templates[index])
    }

    /// One template serving `key`, drawn uniformly with `rng` (paraphrase variety).
    pub fn choose(&self, key: TemplateKey, rng: &mut dyn RngCore) -> Result<&Template> {
        let choices = self
            .by_key
            .get(&key)
            .ok_or(InstructError::NoTemplate { key })?;
        Ok(&self.templates[choices[rng.random_range(0..choices.len())]])
    }

    /// How many templates serve each combination.
    pub fn counts(&self) -> BTreeMap<TemplateKey, usize> {
        self.by_key
            .iter()
            .map(|(&key, indices)| (key, indices.len()))
            .collect()
    }

    /// Every template, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &Template> + '_ {
        self.templates.iter()
    }

    /// Number of templates.
    pub fn len(&self) -> usize {
        self.templates.len()
    }

    /// Whether the registry has no template.
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }
}
