//! The text a tokenizer is trained on.

use instructrec_data::Dataset;

/// Texts to train a tokenizer on, one document each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrainingCorpus {
    texts: Vec<String>,
}

impl TrainingCorpus {
    /// An empty corpus.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every text of a dataset: item titles, category names, brands, descriptions, and review
    /// titles and bodies.
    pub fn from_dataset(dataset: &Dataset) -> Self {
        let catalog = &dataset.catalog;
        let items = catalog.items().iter().flat_map(|item| {
            [&item.title, &item.brand, &item.description]
                .into_iter()
                .flatten()
                .cloned()
        });
        let categories = catalog.categories.names().iter().cloned();
        let reviews = dataset
            .interactions()
            .filter_map(|interaction| interaction.review)
            .flat_map(|review| [review.title.clone(), review.text.clone()]);
        let mut corpus = Self::new();
        corpus.extend(items.chain(categories).chain(reviews));
        corpus
    }

    /// Adds texts (e.g. rendered instructions); blank ones are skipped.
    pub fn extend<S: Into<String>>(&mut self, texts: impl IntoIterator<Item = S>) {
        self.texts.extend(
            texts
                .into_iter()
                .map(Into::into)
                .filter(|text| !text.trim().is_empty()),
        );
    }

    /// The texts.
    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}
