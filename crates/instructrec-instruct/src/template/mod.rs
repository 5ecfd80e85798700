//! Instruction templates: texts with `{slot}` placeholders, kept as data and chosen at random
//! among paraphrases.

mod key;
mod registry;
mod slot;
#[allow(clippy::module_inception)]
mod template;

pub use key::TemplateKey;
pub use registry::TemplateRegistry;
pub use slot::{Slot, SlotValues};
pub use template::{Template, TemplateSpec};
