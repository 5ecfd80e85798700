//! An instruction: what it says on each axis, and its rendered natural-language text.

use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::{
    InstructError, Intention, Preference, Result, Slot, SlotValues, TaskForm, TaskKind, Template,
    TemplateKey, TemplateRegistry,
};

/// Separates history titles in the `{history}` slot.
const HISTORY_SEPARATOR: &str = "; ";

/// The content of an instruction before it is worded by a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructionSpec {
    /// The evaluation task it belongs to.
    pub kind: TaskKind,
    /// P axis.
    pub preference: Preference,
    /// I axis.
    pub intention: Intention,
    /// T axis, with the items it shows.
    pub form: TaskForm,
    /// Optional situation ("It is Friday night.").
    pub context: Option<String>,
}

/// A rendered instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instruction {
    /// The evaluation task it belongs to.
    pub kind: TaskKind,
    /// P axis.
    pub preference: Preference,
    /// I axis.
    pub intention: Intention,
    /// T axis, with the items it shows.
    pub form: TaskForm,
    /// Optional situation.
    pub context: Option<String>,
    /// Id of the template that worded it.
    pub template_id: String,
    /// The natural-language instruction.
    pub text: String,
}

impl InstructionSpec {
    /// The template combination that can word this instruction.
    pub fn key(&self) -> TemplateKey {
        TemplateKey {
            preference: self.preference.kind(),
            intention: self.intention.kind(),
            form: self.form.kind(),
            with_context: self.context.is_some(),
        }
    }

    /// Checks the parts fit together: the task accepts these axes, nothing stated is empty, and
    /// the form's items make a question.
    pub fn validate(&self) -> Result<()> {
        let key = self.key();
        if !self.kind.accepts(key.preference, key.intention, key.form) {
            return Err(InstructError::InvalidInstruction(format!(
                "task `{}` is not asked as {}-{}-{}",
                self.kind, key.preference, key.intention, key.form
            )));
        }
        let empty = |part: &str| {
            Err(InstructError::InvalidInstruction(format!(
                "the {part} is empty"
            )))
        };
        match &self.preference {
            Preference::Implicit { history } if history.is_empty() => return empty("history"),
            Preference::Explicit { statement } if statement.trim().is_empty() => {
                return empty("preference statement")
            }
            _ => {}
        }
        if self
            .intention
            .text()
            .is_some_and(|text| text.trim().is_empty())
        {
            return empty("intention");
        }
        if self
            .context
            .as_deref()
            .is_some_and(|text| text.trim().is_empty())
        {
            return empty("context");
        }
        self.form.validate()
    }

    /// The slot values this instruction fills.
    pub fn slot_values(&self) -> SlotValues {
        let mut values = SlotValues::new();
        match &self.preference {
            Preference::None => {}
            Preference::Implicit { history } => {
                values.set(Slot::History, history.join(HISTORY_SEPARATOR))
            }
            Preference::Explicit { statement } => values.set(Slot::Preference, statement.as_str()),
        }
        if let Some(text) = self.intention.text() {
            values.set(Slot::Intention, text);
        }
        match &self.form {
            TaskForm::Pointwise { item } => values.set(Slot::Item, item.name.as_str()),
            TaskForm::Pairwise { first, second } => {
                values.set(Slot::First, first.name.as_str());
                values.set(Slot::Second, second.name.as_str());
            }
            TaskForm::Matching => {}
            TaskForm::Reranking { candidates } => {
                let numbered: Vec<String> = candidates
                    .iter()
                    .enumerate()
                    .map(|(i, item)| format!("{}) {}", i + 1, item.name))
                    .collect();
                values.set(Slot::Candidates, numbered.join("; "));
            }
        }
        if let Some(context) = &self.context {
            values.set(Slot::Context, context.as_str());
        }
        values
    }

    /// Words the instruction with a template drawn from `registry` for its combination.
    pub fn render(self, registry: &TemplateRegistry, rng: &mut dyn RngCore) -> Result<Instruction> {
        self.validate()?;
        let template = registry.choose(self.key(), rng)?;
        self.fill(template)
    }

    /// Words the instruction with a given template, which must serve its combination.
    pub fn render_with(self, template: &Template) -> Result<Instruction> {
        self.validate()?;
        if template.key() != self.key() {
            return Err(InstructError::InvalidInstruction(format!(
                "template `{}` serves {}, the instruction is {}",
                template.id(),
                template.key(),
                self.key()
            )));
        }
        self.fill(template)
    }

    /// Renders a validated spec with a template of its combination.
    fn fill(self, template: &Template) -> Result<Instruction> {
        let text = template.render(&self.slot_values())?;
        Ok(Instruction {
            kind: self.kind,
            preference: self.preference,
            intention: self.intention,
            form: self.form,
            context: self.context,
            template_id: template.id().to_owned(),
            text,
        })
    }
}
