//! One instruction template: a text with `{slot}` placeholders, checked when it is built.

use serde::{Deserialize, Serialize};

use crate::{
    FormKind, InstructError, IntentionKind, PreferenceKind, Result, Slot, SlotValues, TemplateKey,
};

/// A template as written in a template file (JSON), before it is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSpec {
    /// Unique id, reported with every instruction rendered from this template.
    pub id: String,
    /// The P code the template serves.
    pub preference: PreferenceKind,
    /// The I code the template serves.
    pub intention: IntentionKind,
    /// The T code the template serves.
    pub form: FormKind,
    /// The slot names the text uses (`"history"`, `"candidates"`, …), as declared by the author.
    pub slots: Vec<String>,
    /// The text; `{name}` is a slot, `{{` and `}}` are literal braces.
    pub text: String,
}

/// A checked template: its slots are known, declared, used, and match its P/I/T codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    spec: TemplateSpec,
    key: TemplateKey,
    slots: Vec<Slot>,
    /// The text cut at the slots once, so rendering is a concatenation.
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Slot(Slot),
}

impl Template {
    /// Checks a spec: the text parses, every declared slot is used and every used slot declared,
    /// and the slots are exactly those its P/I/T codes need (plus an optional `{context}`).
    pub fn new(spec: TemplateSpec) -> Result<Self> {
        let invalid = |message: String| InstructError::InvalidTemplate {
            template: spec.id.clone(),
            message,
        };
        if spec.id.trim().is_empty() {
            return Err(invalid("the id is empty".into()));
        }
        let segments = parse(&spec.text).map_err(invalid)?;

        let mut declared = Vec::with_capacity(spec.slots.len());
        for name in &spec.slots {
            let slot = Slot::from_name(name)
                .ok_or_else(|| invalid(format!("declares unknown slot `{name}`")))?;
            if declared.contains(&slot) {
                return Err(invalid(format!("declares slot {slot} twice")));
            }
            declared.push(slot);
        }
        let used = |slot: Slot| segments.contains(&Segment::Slot(slot));
        if let Some(unused) = declared.iter().find(|&&slot| !used(slot)) {
            return Err(invalid(format!(
                "declared slot {unused} does not appear in the text"
            )));
        }
        if let Some(undeclared) = Slot::ALL
            .into_iter()
            .find(|&s| used(s) && !declared.contains(&s))
        {
            return Err(invalid(format!(
                "the text uses slot {undeclared}, which is not declared"
            )));
        }

        declared.sort();
        let key = TemplateKey {
            preference: spec.preference,
            intention: spec.intention,
            form: spec.form,
            with_context: declared.contains(&Slot::Context),
        };
        let required = key.required_slots();
        if declared != required {
            return Err(invalid(format!(
                "a {key} template needs slots {}, but declares {}",
                list(&required),
                list(&declared)
            )));
        }
        Ok(Self {
            spec,
            key,
            slots: declared,
            segments,
        })
    }

    /// The template's id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The combination it serves.
    pub fn key(&self) -> TemplateKey {
        self.key
    }

    /// Its slots, in [`Slot::ALL`] order.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The text as written.
    pub fn text(&self) -> &str {
        &self.spec.text
    }

    /// The spec it was built from (e.g. to save it to a file).
    pub fn spec(&self) -> &TemplateSpec {
        &self.spec
    }

    /// Fills every slot with its value; a declared slot without a value is an error.
    ///
    /// Values are inserted verbatim, never re-read as template text, so a title containing
    /// braces cannot inject a slot.
    pub fn render(&self, values: &SlotValues) -> Result<String> {
        let mut text = String::with_capacity(self.spec.text.len() + 128);
        for segment in &self.segments {
            match segment {
                Segment::Literal(literal) => text.push_str(literal),
                Segment::Slot(slot) => {
                    let value = values
                        .get(*slot)
                        .ok_or_else(|| InstructError::MissingSlot {
                            template: self.spec.id.clone(),
                            slot: *slot,
                        })?;
                    text.push_str(value);
                }
            }
        }
        Ok(text)
    }
}

fn list(slots: &[Slot]) -> String {
    if slots.is_empty() {
        return "none".into();
    }
    slots
        .iter()
        .map(Slot::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Cuts a template text into literals and slots; any brace that is neither `{{`, `}}` nor a
/// known `{slot}` is an error, so no placeholder can survive rendering unnoticed.
fn parse(text: &str) -> std::result::Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|&(_, next)| next) == Some('{') => {
                chars.next();
                literal.push('{');
            }
            '{' => {
                let rest = &text[start + 1..];
                let end = rest
                    .find(['}', '{'])
                    .filter(|&end| rest[end..].starts_with('}'))
                    .ok_or_else(|| {
                        format!("unclosed `{{` at byte {start} (write `{{{{` for a literal brace)")
                    })?;
                let name = &rest[..end];
                let slot = Slot::from_name(name)
                    .ok_or_else(|| format!("the text uses unknown slot `{{{name}}}`"))?;
                if !literal.is_empty() {
                    segments.push(Segment::Literal(std::mem::take(&mut literal)));
                }
                segments.push(Segment::Slot(slot));
                // Skip the name and the closing brace.
                for _ in 0..=name.chars().count() {
                    chars.next();
                }
            }
            '}' if chars.peek().map(|&(_, next)| next) == Some('}') => {
                chars.next();
                literal.push('}');
            }
            '}' => {
                return Err(format!(
                    "unmatched `}}` at byte {start} (write `}}}}` for a literal brace)"
                ))
            }
            _ => literal.push(c),
        }
    }
    if !literal.is_empty() {
        segments.push(Segment::Literal(literal));
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(slots: &[&str], text: &str) -> TemplateSpec {
        TemplateSpec {
            id: "t".into(),
            preference: PreferenceKind::Implicit,
            intention: IntentionKind::None,
            form: FormKind::Reranking,
            slots: slots.iter().map(|s| s.to_string()).collect(),
            text: text.into(),
        }
    }

    fn error_of(spec: TemplateSpec) -> String {
        Template::new(spec).unwrap_err().to_string()
    }

    #[test]
    fn renders_slots_and_escaped_braces() {
        let template = Template::new(spec(
            &["history", "candidates"],
            "{{note}} After {history}, rank: {candidates}.",
        ))
        .unwrap();
        let values = SlotValues::new()
            .with(Slot::History, "Heat {1995}")
            .with(Slot::Candidates, "1) Casino");
        assert_eq!(
            template.render(&values).unwrap(),
            "{note} After Heat {1995}, rank: 1) Casino."
        );
        assert_eq!(template.slots(), &[Slot::History, Slot::Candidates]);
        assert!(!template.key().with_context);
    }

    #[test]
    fn missing_value_is_an_error_naming_the_slot() {
        let template =
            Template::new(spec(&["history", "candidates"], "{history} {candidates}")).unwrap();
        let err = template
            .render(&SlotValues::new().with(Slot::History, "Heat"))
            .unwrap_err();
        assert!(matches!(
            err,
            InstructError::MissingSlot {
                slot: Slot::Candidates,
                ..
            }
        ));
        assert!(err.to_string().contains("{candidates}"), "{err}");
    }

    #[test]
    fn malformed_texts_and_declarations_are_rejected() {
        let cases = [
            (spec(&["history"], "{history} {candidates}"), "not declared"),
            (
                spec(&["history", "candidates"], "{history}"),
                "does not appear",
            ),
            (
                spec(&["history", "candidates"], "{history} {title} {candidates}"),
                "unknown slot `{title}`",
            ),
            (
                spec(&["history", "candidates"], "{history {candidates}"),
                "unclosed",
            ),
            (
                spec(&["history", "candidates"], "{history} } {candidates}"),
                "unmatched",
            ),
            (
                spec(
                    &["history", "candidates", "title"],
                    "{history} {candidates}",
                ),
                "unknown slot `title`",
            ),
            (
                spec(
                    &["history", "history", "candidates"],
                    "{history} {candidates}",
                ),
                "twice",
            ),
            (
                spec(&["candidates"], "{candidates}"),
                "needs slots {history}, {candidates}",
            ),
            (
                spec(
                    &["history", "candidates", "item"],
                    "{history} {item} {candidates}",
                ),
                "needs slots",
            ),
            (
                spec(&["history", "candidates"], "{history} {candidates"),
                "unclosed",
            ),
        ];
        for (bad, expected) in cases {
            let text = bad.text.clone();
            let err = error_of(bad);
            assert!(
                err.contains(expected),
                "`{text}`: `{err}` lacks `{expected}`"
            );
            assert!(err.starts_with("template `t`"), "{err}");
        }
        let mut nameless = spec(&["history", "candidates"], "{history} {candidates}");
        nameless.id = " ".into();
        assert!(error_of(nameless).contains("id is empty"));
    }

    #[test]
    fn a_context_slot_makes_a_context_template() {
        let template = Template::new(spec(
            &["context", "history", "candidates"],
            "{context} {history} {candidates}",
        ))
        .unwrap();
        assert!(template.key().with_context);
        assert_eq!(template.key().to_string(), "P1-I0-T3 with context");
    }
}
