//! Document frequencies of words over a corpus, for TF-IDF keywords.

use std::collections::HashMap;

/// Term counts of one document: (term id, count), sorted by term id.
pub(crate) type TermCounts = Vec<(u32, u32)>;

/// Words seen in a corpus with the number of documents each occurs in.
#[derive(Debug, Clone, Default)]
pub(crate) struct TermTable {
    ids: HashMap<String, u32>,
    words: Vec<String>,
    document_frequency: Vec<u32>,
    documents: u32,
}

impl TermTable {
    /// Adds one document (its words, repeats allowed) and returns its term counts.
    pub(crate) fn add_document(&mut self, words: impl IntoIterator<Item = String>) -> TermCounts {
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for word in words {
            let id = match self.ids.get(&word) {
                Some(&id) => id,
                None => {
                    let id = self.words.len() as u32;
                    self.ids.insert(word.clone(), id);
                    self.words.push(word);
                    self.document_frequency.push(0);
                    id
                }
            };
            *counts.entry(id).or_default() += 1;
        }
        for &id in counts.keys() {
            self.document_frequency[id as usize] += 1;
        }
        self.documents += 1;
        let mut counts: TermCounts = counts.into_iter().collect();
        counts.sort_unstable();
        counts
    }

    /// Smoothed inverse document frequency: rare words weigh more, no word weighs zero.
    pub(crate) fn idf(&self, id: u32) -> f32 {
        let df = self.document_frequency[id as usize] as f32;
        ((1.0 + self.documents as f32) / (1.0 + df)).ln() + 1.0
    }

    /// Number of documents containing the word.
    pub(crate) fn document_frequency(&self, id: u32) -> u32 {
        self.document_frequency[id as usize]
    }

    /// The word of an id.
    pub(crate) fn word(&self, id: u32) -> &str {
        &self.words[id as usize]
    }

    /// The `k` terms of highest TF-IDF among `terms` that pass `keep`, best first; ties are
    /// broken by the word so the result never depends on hash order.
    pub(crate) fn top_terms(
        &self,
        terms: impl IntoIterator<Item = (u32, f32)>,
        k: usize,
        mut keep: impl FnMut(u32, &str) -> bool,
    ) -> Vec<&str> {
        let mut scored: Vec<(f32, &str)> = terms
            .into_iter()
            .filter(|&(id, _)| keep(id, self.word(id)))
            .map(|(id, tf)| (tf * self.idf(id), self.word(id)))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        scored.into_iter().take(k).map(|(_, word)| word).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn rare_words_outrank_common_ones() {
        let mut table = TermTable::default();
        let first = table.add_document(doc("space opera space"));
        for other in [
            "space western",
            "space horror",
            "space drama",
            "space race",
            "space camp",
        ] {
            table.add_document(doc(other));
        }
        let space = first[0].0;
        assert_eq!(table.word(space), "space");
        assert_eq!(first, vec![(0, 2), (1, 1)]);
        assert_eq!(table.document_frequency(space), 6);
        assert!(table.idf(1) > table.idf(space));
        let terms = first.iter().map(|&(id, n)| (id, n as f32));
        // "space" occurs twice but everywhere; "opera" once but only here.
        assert_eq!(table.top_terms(terms.clone(), 1, |_, _| true), ["opera"]);
        assert_eq!(table.top_terms(terms, 5, |_, w| w != "opera"), ["space"]);
    }
}
