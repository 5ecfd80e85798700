//! What [`Recommender::recommend`](crate::Recommender::recommend) answers: items by raw id and
//! title, and why.

use std::fmt;

use serde::Serialize;

/// One recommended item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecommendedItem {
    /// The item's id as the dataset's files spell it.
    pub id: String,
    /// The item's title (its raw id when it has none).
    pub title: String,
    /// The model's score (higher is better; comparable within one answer).
    pub score: f32,
}

/// A history item and the attention the query paid to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttendedItem {
    /// Raw id.
    pub id: String,
    /// Title (raw id when it has none).
    pub title: String,
    /// Attention weight of the query token on this item (last layer, mean over heads).
    pub weight: f32,
}

/// A word of the instruction and the attention the query paid to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttendedWord {
    /// The word (its sub-word pieces joined back).
    pub word: String,
    /// Summed attention weight of its pieces.
    pub weight: f32,
}

/// Why the model answered as it did: where the query token looked in the last layer.
///
/// The weights of history items and instruction words share one softmax with the query token
/// itself, so they are comparable across the two lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The history items the model read (at most its history window), highest weight first.
    pub history: Vec<AttendedItem>,
    /// The instruction's words (special tokens left out), highest weight first.
    pub instruction: Vec<AttendedWord>,
}

impl Explanation {
    /// Most history items and words [`Display`](fmt::Display) names.
    pub const SHOWN: usize = 3;
    /// Weights below this are left out of [`Display`](fmt::Display) (the strongest entry of each
    /// list is always shown).
    pub const MIN_SHOWN_WEIGHT: f32 = 0.01;

    /// The first entries of a list sorted by weight that [`Display`](fmt::Display) shows.
    fn shown<T>(entries: &[T], weight: impl Fn(&T) -> f32) -> impl Iterator<Item = &T> {
        entries
            .iter()
            .take(Self::SHOWN)
            .enumerate()
            .filter(move |(rank, entry)| *rank == 0 || weight(entry) >= Self::MIN_SHOWN_WEIGHT)
            .map(|(_, entry)| entry)
    }
}

impl fmt::Display for Explanation {
    /// "because you chose A (0.31), B (0.22) and asked for "scary" (0.12), "night" (0.08)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = Self::shown(&self.history, |item| item.weight)
            .map(|item| format!("{} ({:.2})", item.title, item.weight))
            .collect();
        let words: Vec<String> = Self::shown(&self.instruction, |word| word.weight)
            .map(|word| format!("\"{}\" ({:.2})", word.word, word.weight))
            .collect();
        match (items.is_empty(), words.is_empty()) {
            (false, false) => write!(
                f,
                "because you chose {} and asked for {}",
                items.join(", "),
                words.join(", ")
            ),
            (false, true) => write!(f, "because you chose {}", items.join(", ")),
            (true, false) => write!(f, "because you asked for {}", words.join(", ")),
            (true, true) => f.write_str("no history and no instruction words to point at"),
        }
    }
}

/// The answer to one request: the best items first, and an explanation when asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// Best first; items of the given history are never recommended.
    pub items: Vec<RecommendedItem>,
    /// Present for [`Recommender::explain`](crate::Recommender::explain).
    pub explanation: Option<Explanation>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanations_name_the_strongest_items_and_words() {
        let item = |title: &str, weight| AttendedItem {
            id: title.to_lowercase(),
            title: title.to_owned(),
            weight,
        };
        let word = |word: &str, weight| AttendedWord {
            word: word.to_owned(),
            weight,
        };
        let mut explanation = Explanation {
            history: vec![
                item("Heat", 0.5),
                item("Casino", 0.25),
                item("Fargo", 0.001),
            ],
            instruction: vec![word("crime", 0.125)],
        };
        assert_eq!(
            explanation.to_string(),
            "because you chose Heat (0.50), Casino (0.25) and asked for \"crime\" (0.12)"
        );
        explanation.history.truncate(1);
        explanation.history[0].weight = 0.001;
        explanation.instruction[0].weight = 0.0;
        assert_eq!(
            explanation.to_string(),
            "because you chose Heat (0.00) and asked for \"crime\" (0.00)"
        );
        explanation.history.clear();
        explanation.instruction[0].weight = 0.125;
        assert_eq!(
            explanation.to_string(),
            "because you asked for \"crime\" (0.12)"
        );
        explanation.instruction.clear();
        assert!(explanation.to_string().starts_with("no history"));
    }
}
