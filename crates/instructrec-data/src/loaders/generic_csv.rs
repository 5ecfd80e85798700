//! Any delimited file with a header row, one interaction per row, columns chosen by name.

use std::path::Path;

use super::csv_table::{CsvRow, CsvTable};
use super::options::{LoadOptions, LoadReport};
use crate::{DataError, Dataset, DatasetBuilder, Interaction, Result, Review};

/// Which columns of a delimited file hold what.
///
/// Item content (title, categories) may repeat on every row of the item; a title that differs
/// from the one an earlier row gave the same item is a bad line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// User id column.
    pub user: String,
    /// Item id column.
    pub item: String,
    /// Rating column; without one every rating is 1.0 (implicit feedback).
    pub rating: Option<String>,
    /// Unix-seconds column; without one the line number keeps file order.
    pub timestamp: Option<String>,
    /// Item title column.
    pub title: Option<String>,
    /// Item categories column, several separated by [`CsvOptions::category_separator`].
    pub categories: Option<String>,
    /// Separator between categories in one field.
    pub category_separator: char,
    /// Review text column.
    pub review: Option<String>,
    /// Field delimiter (an ASCII character).
    pub delimiter: u8,
}

impl Default for CsvOptions {
    /// `user_id,item_id,rating,timestamp`, comma-separated.
    fn default() -> Self {
        Self {
            user: "user_id".to_owned(),
            item: "item_id".to_owned(),
            rating: Some("rating".to_owned()),
            timestamp: Some("timestamp".to_owned()),
            title: None,
            categories: None,
            category_separator: '|',
            review: None,
            delimiter: b',',
        }
    }
}

impl CsvOptions {
    /// Checks that column names are non-empty and the delimiter is usable.
    pub fn validate(&self) -> Result<()> {
        let invalid = |name, message: &str| {
            Err(DataError::InvalidParameter {
                name,
                message: message.to_owned(),
            })
        };
        let optional = [
            ("rating", &self.rating),
            ("timestamp", &self.timestamp),
            ("title", &self.title),
            ("categories", &self.categories),
            ("review", &self.review),
        ];
        let names = [("user", Some(&self.user)), ("item", Some(&self.item))]
            .into_iter()
            .chain(optional.map(|(name, column)| (name, column.as_ref())));
        for (name, column) in names {
            if column.is_some_and(|c| c.trim().is_empty()) {
                return invalid(name, "the column name is empty");
            }
        }
        if !self.delimiter.is_ascii() || matches!(self.delimiter, b'"' | b'\n' | b'\r') {
            return invalid(
                "delimiter",
                "must be an ASCII character other than a quote or newline",
            );
        }
        if self.category_separator == char::from(self.delimiter) {
            return invalid("category_separator", "must differ from the field delimiter");
        }
        Ok(())
    }
}

/// Column positions resolved against a file's header.
struct Columns {
    user: usize,
    item: usize,
    rating: Option<usize>,
    timestamp: Option<usize>,
    title: Option<usize>,
    categories: Option<usize>,
    review: Option<usize>,
}

impl Columns {
    fn resolve(table: &CsvTable, options: &CsvOptions) -> Result<Self> {
        let optional = |name: &Option<String>| name.as_deref().map(|n| table.column(n)).transpose();
        Ok(Self {
            user: table.column(&options.user)?,
            item: table.column(&options.item)?,
            rating: optional(&options.rating)?,
            timestamp: optional(&options.timestamp)?,
            title: optional(&options.title)?,
            categories: optional(&options.categories)?,
            review: optional(&options.review)?,
        })
    }
}

/// Loads a delimited file with the columns named in `options.csv`.
pub fn load_csv(path: &Path, options: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    let csv = &options.csv;
    csv.validate()?;
    let mut table = CsvTable::open(path, csv.delimiter)?;
    let columns = Columns::resolve(&table, csv)?;
    let name = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "csv".to_owned());
    let mut builder = DatasetBuilder::new(name);
    let mut report = LoadReport::default();
    table.for_each_row(options, &mut report, |row| {
        add_row(row, &columns, csv, &mut builder)
    })?;
    Ok((builder.build(), report))
}

fn add_row(
    row: &CsvRow<'_>,
    columns: &Columns,
    csv: &CsvOptions,
    builder: &mut DatasetBuilder,
) -> Result<()> {
    let at = &row.at;
    let optional = |column: Option<usize>| column.map(|c| row.get(c)).transpose();
    let user = row.get(columns.user)?;
    let user = at.id(&csv.user, &user)?;
    let item = row.get(columns.item)?;
    let item = at.id(&csv.item, &item)?;
    let rating = match (optional(columns.rating)?, &csv.rating) {
        (Some(raw), Some(name)) => at.number(name, &raw)?,
        _ => 1.0,
    };
    let timestamp = match (optional(columns.timestamp)?, &csv.timestamp) {
        (Some(raw), Some(name)) => at.timestamp(name, &raw)?,
        _ => at.line() as i64,
    };
    let title = optional(columns.title)?;
    let title = title.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if let (Some(title), Some(name)) = (title, &csv.title) {
        let known = builder
            .catalog
            .ids()
            .get(item)
            .and_then(|i| builder.catalog.get(i));
        if let Some(earlier) = known.and_then(|content| content.title.as_deref()) {
            if earlier != title {
                return Err(at.error(
                    name,
                    format!("item `{item}` was titled `{earlier}` on an earlier row"),
                ));
            }
        }
    }
    let categories = optional(columns.categories)?;
    let review = optional(columns.review)?
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
        .map(|text| Review {
            title: String::new(),
            text,
        });

    let item = builder.item(item);
    if let Some(categories) = &categories {
        let names = categories
            .split(csv.category_separator)
            .map(str::trim)
            .filter(|c| !c.is_empty());
        builder.catalog.add_categories(item, names)?;
    }
    if let (Some(title), Some(content)) = (title, builder.catalog.get_mut(item)) {
        content.title = Some(title.to_owned());
    }
    let interaction = Interaction {
        user: builder.user(user),
        item,
        rating,
        timestamp,
        review,
    };
    builder.push(interaction);
    Ok(())
}
