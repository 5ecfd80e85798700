//! The Amazon review dumps (2018 and 2023 releases): a reviews file and an item metadata file,
//! one JSON object per line, plain or gzip. The releases differ only in field names, which an
//! [`AmazonSchema`] gives.
//!
//! Files: `path` is the reviews file, or a directory holding exactly one reviews file. The reviews
//! file is `reviews.jsonl` or `<Category>.json[l]` (optionally `.gz`); its metadata file is the
//! sibling `meta.jsonl` or `meta_<Category>.json[l]` (a 5-core `<Category>_5.json` pairs with
//! `meta_<Category>.json`). Without a metadata file the items have no content.
//!
//! The metadata is read first, so every product it lists is in the catalog, including products
//! nobody reviewed (cold-start candidates). A product listed twice in the metadata is a bad line.
//! Reviewed products missing from the metadata are kept without content (the official dumps
//! have such gaps). Review title and text become the interaction's [`Review`].

use std::path::{Path, PathBuf};

use super::json_record::{JsonRecord, TimeUnit};
use super::listing::new_listed_id;
use super::options::{LoadOptions, LoadReport};
use super::source::LineReader;
use crate::{DataError, Dataset, DatasetBuilder, Interaction, Result, Review};

/// The field names of one Amazon release.
pub(crate) struct AmazonSchema {
    pub review_user: &'static str,
    pub review_item: &'static str,
    pub review_rating: &'static str,
    pub review_time: &'static str,
    pub review_time_unit: TimeUnit,
    pub review_title: &'static str,
    pub review_text: &'static str,
    pub meta_item: &'static str,
    pub meta_title: &'static str,
    pub meta_brand: &'static str,
    /// Fields whose texts all become categories, in this order.
    pub meta_categories: &'static [&'static str],
    pub meta_description: &'static str,
    pub meta_features: &'static str,
    pub meta_price: &'static str,
}

/// Loads an Amazon reviews dump laid out as the module docs describe.
pub(crate) fn load_amazon(
    path: &Path,
    options: &LoadOptions,
    schema: &AmazonSchema,
) -> Result<(Dataset, LoadReport)> {
    let files = AmazonFiles::locate(path)?;
    let mut builder = DatasetBuilder::new(files.name);
    let mut report = LoadReport::default();
    if let Some(meta) = &files.meta {
        LineReader::open(meta)?.for_each_line(options, &mut report, |line| {
            add_product(&JsonRecord::parse(line)?, schema, &mut builder)
        })?;
    }
    LineReader::open(&files.reviews)?.for_each_line(options, &mut report, |line| {
        add_review(&JsonRecord::parse(line)?, schema, &mut builder)
    })?;
    Ok((builder.build(), report))
}

fn add_product(
    record: &JsonRecord<'_>,
    schema: &AmazonSchema,
    builder: &mut DatasetBuilder,
) -> Result<()> {
    let raw_id = record.id(schema.meta_item)?;
    let id = new_listed_id(builder.catalog.ids(), &raw_id, schema.meta_item, &record.at)?;
    let title = record.text(schema.meta_title)?;
    let brand = record.text(schema.meta_brand)?;
    let mut categories = Vec::new();
    for field in schema.meta_categories {
        categories.extend(record.texts(field)?);
    }
    let mut description = record.texts(schema.meta_description)?;
    description.extend(record.texts(schema.meta_features)?);
    let price = record.price(schema.meta_price)?;

    let item = builder.item(id);
    let catalog = &mut builder.catalog;
    catalog.add_categories(item, categories)?;
    if let Some(price) = price {
        catalog.set_numeric(item, "price", price)?;
    }
    if let Some(content) = catalog.get_mut(item) {
        content.title = title.map(str::to_owned);
        content.brand = brand.map(str::to_owned);
        content.description = Some(description.join("\n")).filter(|d| !d.is_empty());
    }
    Ok(())
}

fn add_review(
    record: &JsonRecord<'_>,
    schema: &AmazonSchema,
    builder: &mut DatasetBuilder,
) -> Result<()> {
    let user = record.id(schema.review_user)?;
    let item = record.id(schema.review_item)?;
    let rating = record.number(schema.review_rating)?;
    let timestamp = record.timestamp(schema.review_time, schema.review_time_unit)?;
    let title = record.text(schema.review_title)?.unwrap_or_default();
    let text = record.text(schema.review_text)?.unwrap_or_default();
    let review = (!title.is_empty() || !text.is_empty()).then(|| Review {
        title: title.to_owned(),
        text: text.to_owned(),
    });
    let interaction = Interaction {
        user: builder.user(&user),
        item: builder.item(&item),
        rating,
        timestamp,
        review,
    };
    builder.push(interaction);
    Ok(())
}

/// The reviews and metadata files of one dump.
struct AmazonFiles {
    name: String,
    reviews: PathBuf,
    meta: Option<PathBuf>,
}

const JSON_SUFFIXES: [&str; 4] = [".jsonl.gz", ".json.gz", ".jsonl", ".json"];

/// The name without its JSON suffix, for JSON-lines files.
fn json_base(file_name: &str) -> Option<&str> {
    JSON_SUFFIXES
        .iter()
        .find_map(|suffix| file_name.strip_suffix(suffix))
}

fn is_meta(base: &str) -> bool {
    base == "meta" || base.starts_with("meta_")
}

impl AmazonFiles {
    fn locate(path: &Path) -> Result<Self> {
        let not_found = |message: String| DataError::Schema {
            path: path.to_owned(),
            message,
        };
        let (dir, reviews) = if path.is_dir() {
            let candidates: Vec<PathBuf> = json_files(path)?
                .into_iter()
                .filter(|(_, base)| !is_meta(base))
                .map(|(file, _)| file)
                .collect();
            let [reviews] = <[PathBuf; 1]>::try_from(candidates).map_err(|found| {
                not_found(format!(
                    "expected exactly one reviews file (*.json[l][.gz] not named meta*), found {}; \
                     pass the reviews file itself",
                    found.len()
                ))
            })?;
            (path.to_owned(), reviews)
        } else {
            // A bare file name has the empty path as parent, which `read_dir` rejects.
            let dir = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
                _ => PathBuf::from("."),
            };
            (dir, path.to_owned())
        };
        let base = reviews
            .file_name()
            .and_then(|n| json_base(&n.to_string_lossy()).map(str::to_owned))
            .ok_or_else(|| {
                not_found("the reviews file must end in .json[l] or .json[l].gz".into())
            })?;
        // A directory names the dataset; a reviews file given directly names it itself.
        let name = match path.file_name() {
            Some(dir_name) if path.is_dir() => dir_name.to_string_lossy().into_owned(),
            _ => base.clone(),
        };
        let category = base.strip_suffix("_5").unwrap_or(&base);
        let wanted_meta = match category {
            "reviews" => "meta".to_owned(),
            category => format!("meta_{category}"),
        };
        let meta = json_files(&dir)?
            .into_iter()
            .find(|(_, base)| *base == wanted_meta)
            .map(|(file, _)| file);
        Ok(Self {
            name,
            reviews,
            meta,
        })
    }
}

/// The JSON-lines files of a directory with their base names, sorted by name.
fn json_files(dir: &Path) -> Result<Vec<(PathBuf, String)>> {
    let io_error = |source| DataError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let path = entry.map_err(io_error)?.path();
        let base = path
            .file_name()
            .and_then(|n| json_base(&n.to_string_lossy()).map(str::to_owned));
        if let Some(base) = base.filter(|_| path.is_file()) {
            files.push((path, base));
        }
    }
    files.sort();
    Ok(files)
}
