//! The in-memory dataset: a catalog of items, users, and time-ordered interactions.
//!
//! Interactions are stored column-wise (one contiguous array per field) and sorted by user, then
//! time, so a user's history is a slice and the whole Amazon Games file fits in a few megabytes.

use serde::{Deserialize, Serialize};

use crate::{DataError, Interner, Result};

/// Dense item index (`0..catalog.len()`).
pub type ItemIdx = u32;
/// Dense user index (`0..dataset.num_users()`).
pub type UserIdx = u32;

/// Content of one catalog item. Every field but the id may be missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Title ("Heat (1995)").
    pub title: Option<String>,
    /// Free-text description.
    pub description: Option<String>,
    /// Category / genre indices into [`Catalog::categories`].
    pub categories: Vec<u32>,
    /// Brand, studio or store.
    pub brand: Option<String>,
    /// Values of [`Catalog::numeric_fields`] in that order; `None` where unknown.
    pub numeric: Vec<Option<f32>>,
    /// Optional precomputed vector (e.g. an image embedding) of length [`Catalog::vector_dim`].
    pub vector: Option<Vec<f32>>,
}

/// All items with their content and the vocabularies their fields use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    ids: Interner,
    items: Vec<Item>,
    /// Category vocabulary (`Item::categories` index into it).
    pub categories: Interner,
    /// Names of the numeric attributes (`Item::numeric` follows this order).
    pub numeric_fields: Vec<String>,
    /// Length of `Item::vector` where present.
    pub vector_dim: Option<usize>,
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// The dense index of a raw item id, adding an item without content when new.
    pub fn intern(&mut self, raw_id: &str) -> ItemIdx {
        let idx = self.ids.intern(raw_id);
        if idx as usize == self.items.len() {
            self.items.push(Item {
                numeric: vec![None; self.numeric_fields.len()],
                ..Item::default()
            });
        }
        idx
    }

    /// Index of a numeric field, registering it when new (existing items get `None` for it).
    pub fn numeric_field(&mut self, name: &str) -> usize {
        if let Some(i) = self.numeric_fields.iter().position(|f| f == name) {
            return i;
        }
        self.numeric_fields.push(name.to_owned());
        for item in &mut self.items {
            item.numeric.push(None);
        }
        self.numeric_fields.len() - 1
    }

    /// Sets an item's precomputed vector, checking its length against the catalog's.
    pub fn set_vector(&mut self, item: ItemIdx, vector: Vec<f32>) -> Result<()> {
        if let Some(dim) = self.vector_dim.filter(|&dim| dim != vector.len()) {
            return Err(DataError::InvalidParameter {
                name: "vector",
                message: format!(
                    "item `{}` has a vector of length {}, others have {dim}",
                    self.raw_id(item).unwrap_or("?"),
                    vector.len()
                ),
            });
        }
        let dim = vector.len();
        // The item is checked before the dimension is recorded, so a failed call changes nothing.
        self.existing_mut(item)?.vector = Some(vector);
        self.vector_dim = Some(dim);
        Ok(())
    }

    /// Sets an item's value of the numeric attribute `field`, registering the field when new.
    pub fn set_numeric(&mut self, item: ItemIdx, field: &str, value: f32) -> Result<()> {
        self.existing_mut(item)?;
        let field = self.numeric_field(field);
        let numeric = &mut self.existing_mut(item)?.numeric;
        // `Item::numeric` is public, so an edited item may be short; grow it instead of failing.
        if numeric.len() <= field {
            numeric.resize(field + 1, None);
        }
        numeric[field] = Some(value);
        Ok(())
    }

    /// Adds categories (by name) to an item, skipping those it already has.
    pub fn add_categories<'n>(
        &mut self,
        item: ItemIdx,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<()> {
        self.existing_mut(item)?;
        for name in names {
            let category = self.categories.intern(name);
            let categories = &mut self.existing_mut(item)?.categories;
            if !categories.contains(&category) {
                categories.push(category);
            }
        }
        Ok(())
    }

    fn existing_mut(&mut self, item: ItemIdx) -> Result<&mut Item> {
        self.items
            .get_mut(item as usize)
            .ok_or_else(|| DataError::UnknownId {
                kind: "item",
                id: format!("#{item}"),
            })
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the catalog has no item.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The item at a dense index.
    pub fn get(&self, idx: ItemIdx) -> Option<&Item> {
        self.items.get(idx as usize)
    }

    /// Mutable access to the item at a dense index.
    pub fn get_mut(&mut self, idx: ItemIdx) -> Option<&mut Item> {
        self.items.get_mut(idx as usize)
    }

    /// All items in index order.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Dense index of a raw id.
    pub fn lookup(&self, raw_id: &str) -> Result<ItemIdx> {
        self.ids.get(raw_id).ok_or_else(|| DataError::UnknownId {
            kind: "item",
            id: raw_id.to_owned(),
        })
    }

    /// Raw id of a dense index.
    pub fn raw_id(&self, idx: ItemIdx) -> Option<&str> {
        self.ids.name(idx)
    }

    /// The raw-id mapping.
    pub fn ids(&self) -> &Interner {
        &self.ids
    }

    /// A display name: the title, else the raw id.
    pub fn display_name(&self, idx: ItemIdx) -> String {
        match self.get(idx) {
            Some(Item {
                title: Some(title), ..
            }) => title.clone(),
            _ => self.raw_id(idx).unwrap_or("<unknown item>").to_owned(),
        }
    }

    /// Names of an item's categories.
    pub fn category_names(&self, idx: ItemIdx) -> Vec<&str> {
        self.get(idx)
            .map(|item| {
                item.categories
                    .iter()
                    .filter_map(|&c| self.categories.name(c))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Rebuilds lookup tables after deserialization.
    pub fn rebuild_index(&mut self) {
        self.ids.rebuild_index();
        self.categories.rebuild_index();
    }
}

/// A review a user wrote with an interaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Review headline.
    pub title: String,
    /// Review body.
    pub text: String,
}

/// One interaction as handed to [`DatasetBuilder::push`].
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    /// Dense user index.
    pub user: UserIdx,
    /// Dense item index.
    pub item: ItemIdx,
    /// Rating (1.0 for implicit feedback).
    pub rating: f32,
    /// Unix seconds, or the line number for formats without time (keeps file order).
    pub timestamp: i64,
    /// Review written with the interaction.
    pub review: Option<Review>,
}

/// A borrowed view of one stored interaction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InteractionRef<'a> {
    /// Dense user index.
    pub user: UserIdx,
    /// Dense item index.
    pub item: ItemIdx,
    /// Rating.
    pub rating: f32,
    /// Timestamp.
    pub timestamp: i64,
    /// Review, if one was written.
    pub review: Option<&'a Review>,
}

const NO_REVIEW: u32 = u32::MAX;

/// A loaded dataset. Interactions are sorted by user, then timestamp (ties keep input order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Name (file stem or generator name).
    pub name: String,
    /// The items.
    pub catalog: Catalog,
    users: Interner,
    user_offsets: Vec<u32>,
    users_col: Vec<UserIdx>,
    items_col: Vec<ItemIdx>,
    ratings: Vec<f32>,
    timestamps: Vec<i64>,
    review_idx: Vec<u32>,
    reviews: Vec<Review>,
}

impl Dataset {
    /// Number of users (including users left without interactions by filtering).
    pub fn num_users(&self) -> usize {
        self.users.len()
    }

    /// Number of items in the catalog.
    pub fn num_items(&self) -> usize {
        self.catalog.len()
    }

    /// Number of interactions.
    pub fn num_interactions(&self) -> usize {
        self.items_col.len()
    }

    /// Number of interactions that carry a review.
    pub fn num_reviews(&self) -> usize {
        self.reviews.len()
    }

    /// The raw-id mapping of users.
    pub fn users(&self) -> &Interner {
        &self.users
    }

    /// Dense index of a raw user id.
    pub fn lookup_user(&self, raw_id: &str) -> Result<UserIdx> {
        self.users.get(raw_id).ok_or_else(|| DataError::UnknownId {
            kind: "user",
            id: raw_id.to_owned(),
        })
    }

    fn range(&self, user: UserIdx) -> std::ops::Range<usize> {
        let u = user as usize;
        if u + 1 >= self.user_offsets.len() {
            return 0..0;
        }
        self.user_offsets[u] as usize..self.user_offsets[u + 1] as usize
    }

    /// The user's items in time order (empty for an unknown user).
    pub fn sequence(&self, user: UserIdx) -> &[ItemIdx] {
        &self.items_col[self.range(user)]
    }

    /// The user's ratings, aligned with [`Dataset::sequence`].
    pub fn ratings(&self, user: UserIdx) -> &[f32] {
        &self.ratings[self.range(user)]
    }

    /// The user's timestamps, aligned with [`Dataset::sequence`].
    pub fn timestamps(&self, user: UserIdx) -> &[i64] {
        &self.timestamps[self.range(user)]
    }

    /// The user's interactions in time order.
    pub fn interactions_of(&self, user: UserIdx) -> impl Iterator<Item = InteractionRef<'_>> + '_ {
        self.range(user).map(move |i| self.interaction(i))
    }

    /// Every interaction, grouped by user and in time order within a user.
    pub fn interactions(&self) -> impl Iterator<Item = InteractionRef<'_>> + '_ {
        (0..self.items_col.len()).map(move |i| self.interaction(i))
    }

    fn interaction(&self, i: usize) -> InteractionRef<'_> {
        let r = self.review_idx[i];
        InteractionRef {
            user: self.users_col[i],
            item: self.items_col[i],
            rating: self.ratings[i],
            timestamp: self.timestamps[i],
            review: (r != NO_REVIEW).then(|| &self.reviews[r as usize]),
        }
    }

    /// Number of interactions per item.
    pub fn item_counts(&self) -> Vec<u32> {
        let mut counts = vec![0u32; self.catalog.len()];
        for &i in &self.items_col {
            counts[i as usize] += 1;
        }
        counts
    }

    /// Rebuilds lookup tables after deserialization.
    pub fn rebuild_index(&mut self) {
        self.users.rebuild_index();
        self.catalog.rebuild_index();
    }

    /// A new dataset with only the interactions for which `keep` is true, same ids and catalog.
    ///
    /// `keep` sees every interaction once, in [`Dataset::interactions`] order.
    pub fn retain(&self, mut keep: impl FnMut(InteractionRef<'_>) -> bool) -> Dataset {
        let mut builder =
            DatasetBuilder::with_parts(self.name.clone(), self.catalog.clone(), self.users.clone());
        for interaction in self.interactions() {
            if keep(interaction) {
                builder.push(Interaction {
                    user: interaction.user,
                    item: interaction.item,
                    rating: interaction.rating,
                    timestamp: interaction.timestamp,
                    review: interaction.review.cloned(),
                });
            }
        }
        builder.build()
    }
}

/// Collects items, users and interactions in any order and sorts them into a [`Dataset`].
#[derive(Debug, Default)]
pub struct DatasetBuilder {
    name: String,
    /// The catalog being built; loaders fill item content through it.
    pub catalog: Catalog,
    users: Interner,
    pending: Vec<(UserIdx, ItemIdx, f32, i64, u32)>,
    reviews: Vec<Review>,
}

impl DatasetBuilder {
    /// An empty builder for a dataset called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// A builder that starts from an existing catalog and user mapping.
    pub fn with_parts(name: impl Into<String>, catalog: Catalog, users: Interner) -> Self {
        Self {
            name: name.into(),
            catalog,
            users,
            ..Self::default()
        }
    }

    /// The raw-id mapping of the users added so far.
    pub fn users(&self) -> &Interner {
        &self.users
    }

    /// Dense index of a raw user id, adding it when new.
    pub fn user(&mut self, raw_id: &str) -> UserIdx {
        self.users.intern(raw_id)
    }

    /// Dense index of a raw item id, adding it when new.
    pub fn item(&mut self, raw_id: &str) -> ItemIdx {
        self.catalog.intern(raw_id)
    }

    /// Adds an interaction; its user and item must have been interned through this builder.
    pub fn push(&mut self, interaction: Interaction) {
        let review = match interaction.review {
            Some(review) => {
                self.reviews.push(review);
                (self.reviews.len() - 1) as u32
            }
            None => NO_REVIEW,
        };
        self.pending.push((
            interaction.user,
            interaction.item,
            interaction.rating,
            interaction.timestamp,
            review,
        ));
    }

    /// Number of interactions added so far.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether no interaction was added.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Sorts interactions by user, then time (stable: ties keep insertion order).
    pub fn build(mut self) -> Dataset {
        self.pending.sort_by_key(|&(u, _, _, t, _)| (u, t));
        let n = self.pending.len();
        let mut user_offsets = vec![0u32; self.users.len() + 1];
        for &(u, ..) in &self.pending {
            user_offsets[u as usize + 1] += 1;
        }
        for u in 0..self.users.len() {
            user_offsets[u + 1] += user_offsets[u];
        }
        let mut dataset = Dataset {
            name: self.name,
            catalog: self.catalog,
            users: self.users,
            user_offsets,
            users_col: Vec::with_capacity(n),
            items_col: Vec::with_capacity(n),
            ratings: Vec::with_capacity(n),
            timestamps: Vec::with_capacity(n),
            review_idx: Vec::with_capacity(n),
            reviews: Vec::new(),
        };
        // Reviews are renumbered in interaction order so a filtered dataset keeps no orphans.
        for (u, i, r, t, rev) in self.pending {
            dataset.users_col.push(u);
            dataset.items_col.push(i);
            dataset.ratings.push(r);
            dataset.timestamps.push(t);
            if rev == NO_REVIEW {
                dataset.review_idx.push(NO_REVIEW);
            } else {
                dataset.review_idx.push(dataset.reviews.len() as u32);
                dataset
                    .reviews
                    .push(std::mem::take(&mut self.reviews[rev as usize]));
            }
        }
        dataset
    }
}
