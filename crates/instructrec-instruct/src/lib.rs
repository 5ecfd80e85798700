//! Instructions for instructrec: the InstructRec instruction format (preference, intention,
//! task form, context), templates kept as data, generators that derive instructions from a
//! dataset, and tokenizers for their text.
//!
//! ```
//! use instructrec_data::{DatasetBuilder, Interaction};
//! use instructrec_instruct::{
//!     DatasetGenerator, GeneratorConfig, InstructionGenerator, InstructionRequest, TaskKind,
//! };
//!
//! let mut builder = DatasetBuilder::new("toy");
//! let user = builder.user("u1");
//! let comedy = builder.catalog.categories.intern("Comedy");
//! for (t, title) in ["Heat (1995)", "Casino (1995)", "Toy Story (1995)"].into_iter().enumerate() {
//!     let item = builder.item(title);
//!     let content = builder.catalog.get_mut(item).unwrap();
//!     content.title = Some(title.to_owned());
//!     content.categories = vec![comedy];
//!     builder.push(Interaction { user, item, rating: 4.0, timestamp: t as i64, review: None });
//! }
//! let dataset = builder.build();
//!
//! let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default())?;
//! // The user's last interaction is the target; the two before it are the history.
//! let request = InstructionRequest::leave_last_out(&dataset, TaskKind::Sequential, user)?;
//! let instruction = generator.generate_seeded(&request, 7)?;
//! assert!(instruction.text.contains("Heat (1995); Casino (1995)"));
//! assert!(!instruction.text.contains("Toy Story"));
//! # Ok::<(), instructrec_instruct::InstructError>(())
//! ```

mod codes;
mod error;
mod generator;
mod instruction;
mod intention;
mod preference;
mod task_form;
mod task_kind;
mod template;
mod text;
mod tokenizer;

pub use codes::{FormKind, IntentionKind, PreferenceKind};
pub use error::{InstructError, Result};
pub use generator::{DatasetGenerator, GeneratorConfig, InstructionGenerator, InstructionRequest};
pub use instruction::{Instruction, InstructionSpec};
pub use intention::Intention;
pub use preference::Preference;
pub use task_form::{ItemRef, TaskForm};
pub use task_kind::TaskKind;
pub use template::{Slot, SlotValues, Template, TemplateKey, TemplateRegistry, TemplateSpec};
pub use tokenizer::{
    EncodedBatch, SubwordModel, TextTokenizer, TokenizerTrainingConfig, TrainingCorpus,
    SPECIAL_TOKENS,
};
