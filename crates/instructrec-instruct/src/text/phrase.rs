//! Whole-word, case-insensitive phrase matching, used to keep a target's title out of the
//! intentions that describe it.

/// A text normalized to lower-case alphanumeric words, so "Toy Story (1995)" occurs in
/// "toy story, 1995" but "It" does not occur inside "with". Normalize a text once, then look
/// for any number of phrases in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Phrase {
    /// The words joined and wrapped by single spaces: " toy story 1995 ".
    padded: String,
}

impl Phrase {
    pub(crate) fn new(text: &str) -> Self {
        Self {
            padded: padded_words(text),
        }
    }

    /// Whether the phrase has no word (it then occurs nowhere).
    pub(crate) fn is_empty(&self) -> bool {
        self.padded.len() <= 1
    }

    /// Whether the phrase's words occur in `text` contiguously, as whole words.
    pub(crate) fn occurs_in(&self, text: &Phrase) -> bool {
        !self.is_empty() && text.padded.contains(&self.padded)
    }
}

fn padded_words(text: &str) -> String {
    let mut padded = String::with_capacity(text.len() + 2);
    padded.push(' ');
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        padded.extend(word.chars().flat_map(char::to_lowercase));
        padded.push(' ');
    }
    padded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_whole_words_ignoring_case_and_punctuation() {
        let occurs = |phrase: &str, text: &str| Phrase::new(phrase).occurs_in(&Phrase::new(text));
        assert!(occurs("Toy Story (1995)", "I want TOY STORY, 1995 edition"));
        assert!(!occurs("Toy Story (1995)", "a toy story from 1996"));
        assert!(!occurs("Toy Story (1995)", "toys story 1995"));
        assert!(!occurs("It", "something with wit"));
        assert!(occurs("It", "It follows"));
        assert!(Phrase::new("(!)").is_empty());
        assert!(!occurs("", "anything"));
    }
}
