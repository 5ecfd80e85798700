//! The error type of the instruct crate.

use std::path::PathBuf;

use instructrec_data::{ItemIdx, UserIdx};

use crate::{Slot, TemplateKey};

/// Everything that can go wrong while building, wording or tokenizing instructions.
#[derive(Debug, thiserror::Error)]
pub enum InstructError {
    /// A template is malformed (bad braces, unknown or undeclared slots, slots that do not
    /// match its P/I/T codes).
    #[error("template `{template}`: {message}")]
    InvalidTemplate {
        /// The template's id.
        template: String,
        /// What is wrong with it.
        message: String,
    },
    /// A template was rendered without a value for one of its slots.
    #[error("template `{template}`: no value for slot {slot}")]
    MissingSlot {
        /// The template's id.
        template: String,
        /// The slot left empty.
        slot: Slot,
    },
    /// No template has this id.
    #[error("unknown template id `{0}`")]
    UnknownTemplate(String),
    /// A template id is registered twice.
    #[error("duplicate template id `{0}`")]
    DuplicateTemplate(String),
    /// No registered template serves this combination.
    #[error("no template for {key}")]
    NoTemplate {
        /// The combination asked for.
        key: TemplateKey,
    },
    /// A template document is not valid JSON in the template-file layout.
    #[error("line {line}, column {column}: {message}")]
    TemplateSyntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// An error inside a template file, with the file's path.
    #[error("{}: {error}", path.display())]
    TemplateFile {
        /// The file.
        path: PathBuf,
        /// What went wrong in it.
        error: Box<InstructError>,
    },
    /// No task has this key.
    #[error("unknown task `{0}` (expected one of sequential, product_search, personalized_search, vague_intent, explicit_preference, pointwise)")]
    UnknownTask(String),
    /// An item index outside the catalog.
    #[error("unknown item index {0}")]
    UnknownItem(ItemIdx),
    /// A user index outside the dataset.
    #[error("unknown user index {0}")]
    UnknownUser(UserIdx),
    /// The task needs the user's history, but the user has none before the target.
    #[error("user {user} has no history before the target")]
    EmptyHistory {
        /// The user.
        user: UserIdx,
    },
    /// The data lacks what an axis of the instruction is made from (e.g. a vague intention
    /// for an item without categories).
    #[error("cannot state the {what} for item {item}: {reason}")]
    Unavailable {
        /// Which part could not be made ("vague intention", "explicit preference", …).
        what: &'static str,
        /// The target item.
        item: ItemIdx,
        /// Why.
        reason: String,
    },
    /// The parts of an instruction do not fit together (e.g. a task with the wrong axes).
    #[error("invalid instruction: {0}")]
    InvalidInstruction(String),
    /// A configuration value is out of range.
    #[error("invalid configuration `{name}`: {message}")]
    InvalidConfig {
        /// The field.
        name: &'static str,
        /// Why the value is rejected.
        message: String,
    },
    /// The `tokenizers` library failed.
    #[error("tokenizer: {context}: {message}")]
    Tokenizer {
        /// What was being done.
        context: String,
        /// The library's message.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = InstructError> = std::result::Result<T, E>;
