//! What the generators know about each item, computed once per dataset.

use std::collections::HashSet;

use instructrec_data::{Catalog, Item};

use crate::text::{is_keyword, words, Phrase, TermCounts, TermTable};

/// Articles that catalogs move to the end of a title ("Usual Suspects, The").
const TRAILING_ARTICLES: &[&str] = &[
    "the", "a", "an", "la", "le", "les", "il", "el", "die", "der", "das",
];

/// The salient attributes of one item, ready for intentions.
#[derive(Debug, Clone, Default)]
pub(crate) struct ItemProfile {
    /// Distinct keyword words of the title, most distinctive (rarest across titles) first.
    pub(crate) title_words: Vec<String>,
    /// Every word of the title, stopwords and numbers included.
    pub(crate) title_vocabulary: HashSet<String>,
    /// Forms of the title an intention must not contain (full, without trailing
    /// parentheses, with a trailing article moved to the front).
    title_phrases: Vec<Phrase>,
    /// Top TF-IDF words of the description that are not title words.
    pub(crate) description_keywords: Vec<String>,
    /// Category indices, without uninformative ones ("unknown").
    pub(crate) categories: Vec<u32>,
    /// Release or publication year.
    pub(crate) year: Option<i32>,
    /// Brand, studio or store.
    pub(crate) brand: Option<String>,
    /// Price, where the catalog has one.
    pub(crate) price: Option<f32>,
}

impl ItemProfile {
    /// Whether `text` contains the item's title (any of its forms) as whole words.
    pub(crate) fn reveals_title(&self, text: &str) -> bool {
        let text = Phrase::new(text);
        self.title_phrases
            .iter()
            .any(|phrase| phrase.occurs_in(&text))
    }
}

/// Profiles of every catalog item, in index order. Word rarity is measured over all titles and
/// all descriptions of the catalog.
pub(crate) fn build_profiles(
    catalog: &Catalog,
    description_keywords: usize,
    is_ignored_category: impl Fn(&str) -> bool,
) -> Vec<ItemProfile> {
    let mut titles = TermTable::default();
    let mut descriptions = TermTable::default();
    let counted: Vec<(TermCounts, TermCounts)> = catalog
        .items()
        .iter()
        .map(|item| {
            let title = item.title.as_deref().unwrap_or_default();
            let description = item.description.as_deref().unwrap_or_default();
            (
                titles.add_document(words(title).filter(|w| is_keyword(w))),
                descriptions.add_document(words(description)),
            )
        })
        .collect();

    let year_field = numeric_field(catalog, |name| name.contains("year"));
    let price_field = numeric_field(catalog, |name| name == "price");
    catalog
        .items()
        .iter()
        .zip(counted)
        .map(|(item, (title_terms, description_terms))| {
            let title = item.title.as_deref().unwrap_or_default();
            let title_vocabulary: HashSet<String> = words(title).collect();
            // Rarest first: a word that few titles share says most about this one.
            let title_words = titles
                .top_terms(
                    title_terms.iter().map(|&(id, _)| (id, 1.0)),
                    usize::MAX,
                    |_, _| true,
                )
                .into_iter()
                .map(str::to_owned)
                .collect();
            let description_keywords = descriptions
                .top_terms(
                    description_terms.iter().map(|&(id, n)| (id, n as f32)),
                    description_keywords,
                    |_, word| is_keyword(word) && !title_vocabulary.contains(word),
                )
                .into_iter()
                .map(str::to_owned)
                .collect();
            ItemProfile {
                title_words,
                title_phrases: title_phrases(title),
                title_vocabulary,
                description_keywords,
                categories: item
                    .categories
                    .iter()
                    .copied()
                    .filter(|&c| {
                        catalog
                            .categories
                            .name(c)
                            .is_some_and(|name| !is_ignored_category(name))
                    })
                    .collect(),
                year: year_field
                    .and_then(|field| numeric(item, field))
                    .map(|year| year.round() as i32)
                    .filter(|year| (1000..=3000).contains(year))
                    .or_else(|| year_in_title(title)),
                brand: item
                    .brand
                    .as_deref()
                    .map(str::trim)
                    .filter(|brand| !brand.is_empty())
                    .map(str::to_owned),
                price: price_field
                    .and_then(|field| numeric(item, field))
                    .filter(|price| *price > 0.0),
            }
        })
        .collect()
}

fn numeric_field(catalog: &Catalog, matches: impl Fn(&str) -> bool) -> Option<usize> {
    catalog
        .numeric_fields
        .iter()
        .position(|name| matches(&name.to_lowercase()))
}

fn numeric(item: &Item, field: usize) -> Option<f32> {
    item.numeric
        .get(field)
        .copied()
        .flatten()
        .filter(|v| v.is_finite())
}

/// A trailing "(1995)" as in MovieLens titles.
fn year_in_title(title: &str) -> Option<i32> {
    let inner = title.trim_end().strip_suffix(')')?.rsplit_once('(')?.1;
    let year: i32 = inner.trim().parse().ok()?;
    (1000..=3000).contains(&year).then_some(year)
}

/// The title and the shorter forms a reader would still recognise it by: "Seven (Se7en) (1995)"
/// also forbids "Seven (Se7en)" and "Seven"; "Usual Suspects, The (1995)" also forbids
/// "Usual Suspects, The" and "The Usual Suspects".
fn title_phrases(title: &str) -> Vec<Phrase> {
    let mut forms = vec![title.trim().to_owned()];
    let mut core = title.trim();
    while let Some(stripped) = core
        .strip_suffix(')')
        .and_then(|rest| rest.rsplit_once('('))
        .map(|(before, _)| before.trim_end())
        .filter(|before| !before.is_empty())
    {
        forms.push(stripped.to_owned());
        core = stripped;
    }
    if let Some((body, article)) = core.rsplit_once(", ") {
        if TRAILING_ARTICLES.contains(&article.trim().to_lowercase().as_str()) {
            forms.push(format!("{} {}", article.trim(), body));
        }
    }
    forms
        .iter()
        .map(|form| Phrase::new(form))
        .filter(|phrase| !phrase.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_forms_cover_parentheses_and_moved_articles() {
        let forms = title_phrases("Usual Suspects, The (1995)");
        assert_eq!(forms.len(), 3);
        let profile = ItemProfile {
            title_phrases: forms,
            ..ItemProfile::default()
        };
        assert!(profile.reveals_title("the usual suspects please"));
        assert!(profile.reveals_title("Usual Suspects, The"));
        assert!(!profile.reveals_title("usual crime suspects"));
        let seven = ItemProfile {
            title_phrases: title_phrases("Seven (Se7en) (1995)"),
            ..ItemProfile::default()
        };
        assert!(seven.reveals_title("seven deadly sins"));
        assert!(title_phrases("(1995)").len() == 1);
    }

    #[test]
    fn year_is_read_from_a_trailing_parenthesis() {
        assert_eq!(year_in_title("Heat (1995)"), Some(1995));
        assert_eq!(year_in_title("Seven (Se7en) (1995)"), Some(1995));
        assert_eq!(year_in_title("Se7en (Seven)"), None);
        assert_eq!(year_in_title("Heat"), None);
    }
}
