//! One JSON object per line, with typed field access whose errors name the field.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::fields::LineAt;
use super::source::TextLine;
use crate::Result;

/// How a JSON timestamp counts time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeUnit {
    Seconds,
    Milliseconds,
}

/// A parsed JSON line.
pub(crate) struct JsonRecord<'a> {
    fields: Map<String, Value>,
    /// File and line, for errors.
    pub at: LineAt<'a>,
}

impl<'a> JsonRecord<'a> {
    /// Parses a line holding one JSON object.
    pub fn parse(line: &TextLine<'a>) -> Result<Self> {
        let fields = serde_json::from_str(line.text).map_err(|error| {
            line.at
                .error("(json)", format!("not a JSON object: {error}"))
        })?;
        Ok(Self {
            fields,
            at: line.at,
        })
    }

    /// The value of `key`; `null` counts as absent.
    fn get(&self, key: &str) -> Option<&Value> {
        self.fields.get(key).filter(|value| !value.is_null())
    }

    fn wrong_type(&self, key: &str, expected: &str, value: &Value) -> crate::DataError {
        self.at
            .error(key, format!("expected {expected}, found `{value}`"))
    }

    /// A required id, written as a string or an integer.
    pub fn id(&self, key: &str) -> Result<Cow<'_, str>> {
        match self.get(key) {
            None => Err(self.at.error(key, "missing")),
            Some(Value::String(id)) => self.at.id(key, id).map(Cow::Borrowed),
            Some(Value::Number(id)) if id.is_u64() || id.is_i64() => Ok(Cow::Owned(id.to_string())),
            Some(other) => Err(self.wrong_type(key, "an id", other)),
        }
    }

    /// An optional text; empty text counts as absent.
    pub fn text(&self, key: &str) -> Result<Option<&str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.trim()).filter(|t| !t.is_empty())),
            Some(other) => Err(self.wrong_type(key, "a string", other)),
        }
    }

    /// A list of texts (a lone string counts as a list of one); absent means empty.
    pub fn texts(&self, key: &str) -> Result<Vec<&str>> {
        let values = match self.get(key) {
            None => return Ok(Vec::new()),
            Some(Value::Array(values)) => values.as_slice(),
            Some(single @ Value::String(_)) => std::slice::from_ref(single),
            Some(other) => return Err(self.wrong_type(key, "a list of strings", other)),
        };
        values
            .iter()
            .filter_map(|value| match value {
                Value::Null => None,
                Value::String(text) => Some(text.trim()).filter(|t| !t.is_empty()).map(Ok),
                other => Some(Err(self.wrong_type(key, "a list of strings", other))),
            })
            .collect()
    }

    /// A required finite number.
    pub fn number(&self, key: &str) -> Result<f32> {
        match self.get(key) {
            None => Err(self.at.error(key, "missing")),
            Some(Value::Number(number)) => self.at.number(key, &number.to_string()),
            Some(other) => Err(self.wrong_type(key, "a number", other)),
        }
    }

    /// A required timestamp, converted to Unix seconds.
    pub fn timestamp(&self, key: &str, unit: TimeUnit) -> Result<i64> {
        let value = match self.get(key) {
            None => return Err(self.at.error(key, "missing")),
            Some(Value::Number(number)) => number.to_string(),
            Some(other) => return Err(self.wrong_type(key, "a Unix time", other)),
        };
        let time = self.at.timestamp(key, &value)?;
        Ok(match unit {
            TimeUnit::Seconds => time,
            TimeUnit::Milliseconds => time.div_euclid(1000),
        })
    }

    /// An optional price: a number, or a string such as "$12.99", "$1,299.00" or "$5.99 - $9.99"
    /// (a range gives its lower bound). Absent or empty means unknown.
    pub fn price(&self, key: &str) -> Result<Option<f32>> {
        let text = match self.get(key) {
            None => return Ok(None),
            Some(Value::Number(number)) => number.to_string(),
            Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
            Some(Value::String(text)) => text.clone(),
            Some(other) => return Err(self.wrong_type(key, "a price", other)),
        };
        parse_price(&text)
            .map(Some)
            .ok_or_else(|| self.at.error(key, format!("`{text}` is not a price")))
    }
}

fn parse_price(text: &str) -> Option<f32> {
    let lower = text.split(" - ").next()?;
    let digits: String = lower
        .trim()
        .trim_start_matches(['$', '€', '£'])
        .chars()
        .filter(|&c| c != ',')
        .collect();
    digits
        .parse::<f32>()
        .ok()
        .filter(|price| price.is_finite() && *price >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::parse_price;

    #[test]
    fn prices_are_read_from_the_usual_amazon_spellings() {
        assert_eq!(parse_price("$12.99"), Some(12.99));
        assert_eq!(parse_price("$1,299.00"), Some(1299.0));
        assert_eq!(parse_price("$5.99 - $9.99"), Some(5.99));
        assert_eq!(parse_price("24.5"), Some(24.5));
        assert_eq!(parse_price("-3"), None);
        assert_eq!(parse_price(".a-box-inner{background-color:#fff}"), None);
        assert_eq!(parse_price("NaN"), None);
    }
}
