//! Plain-text helpers the generators share: words, stopwords, TF-IDF and phrase matching.

mod listing;
mod phrase;
mod stopwords;
mod term_table;
mod words;

pub(crate) use listing::natural_list;
pub(crate) use phrase::Phrase;
pub(crate) use stopwords::is_stopword;
pub(crate) use term_table::{TermCounts, TermTable};
pub(crate) use words::{is_keyword, words};
