//! Splitting text into lower-case words.

use super::is_stopword;

/// Lower-case words of `text`: runs of letters and digits, with inner apostrophes kept
/// ("don't") and a possessive `'s` dropped ("children's" → "children").
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|raw| raw.trim_matches(|c| c == '\'' || c == '’'))
        .filter(|raw| !raw.is_empty())
        .map(|raw| {
            let word = raw.to_lowercase().replace('’', "'");
            match word.strip_suffix("'s") {
                Some(stem) => stem.to_owned(),
                None => word,
            }
        })
}

/// Whether a word says something on its own: three characters or more, at least one letter,
/// and not a stopword. Years and other numbers are stated separately, not as keywords.
pub(crate) fn is_keyword(word: &str) -> bool {
    word.chars().count() >= 3 && word.chars().any(char::is_alphabetic) && !is_stopword(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lowercases_and_drops_possessives() {
        let got: Vec<String> = words("Children's  ROCK-n-roll, don't (1995)!").collect();
        assert_eq!(got, ["children", "rock", "n", "roll", "don't", "1995"]);
        assert_eq!(
            words("'quoted' ’tis").collect::<Vec<_>>(),
            ["quoted", "tis"]
        );
    }

    #[test]
    fn keywords_are_long_lettered_non_stopwords() {
        assert!(is_keyword("heist"));
        assert!(is_keyword("sci"));
        assert!(!is_keyword("the"));
        assert!(!is_keyword("1995"));
        assert!(!is_keyword("ok"));
    }
}
