//! RecBole atomic files: `<name>.inter`, with optional `<name>.item` and `<name>.user`.
//!
//! Files are tab-separated; the first line types every column as `name:type` with `type` one of
//! `token`, `token_seq` (space-separated tokens), `float` or `float_seq`.
//!
//! - `.inter`: `user_id:token` and `item_id:token` are required; `rating:float` (default 1.0) and
//!   `timestamp:float` (default: the line number, which keeps file order) are read; other columns
//!   are ignored.
//! - `.item`: `item_id:token` is required. `title` or `*_title` gives the title; `genre`, `class`,
//!   `category` or `categories` the categories; `brand` the brand; `description` the description;
//!   `release_year` (or `year`) becomes the numeric field `"year"` when it is a number **and is
//!   appended to the title** ("Toy Story (1995)"), the way MovieLens' own files write titles, so a
//!   movie reads the same whichever format it was loaded from; every other `float` column becomes
//!   a numeric field of its name. When an `.item` file exists it lists the catalog: items it does
//!   not list are kept (cold-start candidates), and an `.inter` line naming an item it does not
//!   list is a bad line.
//! - `.user`: `user_id:token` is required and lists the users the same way (user attributes are
//!   not part of the data model and are not read).

use std::path::{Path, PathBuf};

use super::listing::{listed_id, new_listed_id};
use super::options::{LoadOptions, LoadReport};
use super::source::{LineReader, TextLine};
use crate::{DataError, Dataset, DatasetBuilder, Interaction, Result};

/// Loads RecBole atomic files. `path` is the dataset directory `<dir>` (read as
/// `<dir>/<dir name>.inter` …) or the `.inter` file itself.
pub fn load_recbole(path: &Path, options: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    let files = AtomicFiles::locate(path)?;
    let mut builder = DatasetBuilder::new(files.name.clone());
    let mut report = LoadReport::default();
    let user_file = files.existing("user");
    let item_file = files.existing("item");
    if let Some(user_file) = &user_file {
        read_users(user_file, &mut builder, options, &mut report)?;
    }
    if let Some(item_file) = &item_file {
        read_items(item_file, &mut builder, options, &mut report)?;
    }
    let lists = Listings {
        users: user_file.as_deref(),
        items: item_file.as_deref(),
    };
    read_interactions(
        &files.path("inter"),
        &lists,
        &mut builder,
        options,
        &mut report,
    )?;
    Ok((builder.build(), report))
}

/// The paths of one dataset's atomic files.
struct AtomicFiles {
    dir: PathBuf,
    name: String,
}

impl AtomicFiles {
    fn locate(path: &Path) -> Result<Self> {
        let (dir, name) = if path.is_dir() {
            (path.to_owned(), path.file_name())
        } else if path.extension().is_some_and(|ext| ext == "inter") {
            (
                path.parent().map(Path::to_owned).unwrap_or_default(),
                path.file_stem(),
            )
        } else {
            return Err(DataError::Io {
                path: path.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "expected a RecBole dataset directory or an `.inter` file",
                ),
            });
        };
        let name = name
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self { dir, name })
    }

    fn path(&self, suffix: &str) -> PathBuf {
        self.dir.join(format!("{}.{suffix}", self.name))
    }

    fn existing(&self, suffix: &str) -> Option<PathBuf> {
        Some(self.path(suffix)).filter(|p| p.is_file())
    }
}

/// The side files that list the users and items, when present.
struct Listings<'p> {
    users: Option<&'p Path>,
    items: Option<&'p Path>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldType {
    Token,
    TokenSeq,
    Float,
    FloatSeq,
}

/// The typed header of an atomic file.
struct Header {
    path: PathBuf,
    columns: Vec<(String, FieldType)>,
}

impl Header {
    /// Opens an atomic file and reads its header.
    fn open(path: &Path) -> Result<(LineReader, Self)> {
        let mut reader = LineReader::open(path)?;
        let header = Self::read(&mut reader, path)?;
        Ok((reader, header))
    }

    fn read(reader: &mut LineReader, path: &Path) -> Result<Self> {
        let schema_error = |message: String| DataError::Schema {
            path: path.to_owned(),
            message,
        };
        let line = reader
            .next_line()?
            .ok_or_else(|| schema_error("the file is empty; expected a typed header".into()))?;
        let columns = line
            .text
            .split('\t')
            .map(|column| {
                let (name, kind) = column.trim().split_once(':').ok_or_else(|| {
                    schema_error(format!("header column `{column}` is not `name:type`"))
                })?;
                let kind = match kind {
                    "token" => FieldType::Token,
                    "token_seq" => FieldType::TokenSeq,
                    "float" => FieldType::Float,
                    "float_seq" => FieldType::FloatSeq,
                    other => {
                        return Err(schema_error(format!(
                            "column `{name}` has unknown type `{other}` \
                             (expected token, token_seq, float or float_seq)"
                        )))
                    }
                };
                Ok((name.to_owned(), kind))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            path: path.to_owned(),
            columns,
        })
    }

    fn find(&self, name: &str, kind: FieldType) -> Result<Option<usize>> {
        match self.columns.iter().position(|(n, _)| n == name) {
            Some(i) if self.columns[i].1 != kind => Err(DataError::Schema {
                path: self.path.clone(),
                message: format!(
                    "column `{name}` has type {:?}, expected {kind:?}",
                    self.columns[i].1
                ),
            }),
            found => Ok(found),
        }
    }

    fn require(&self, name: &str, kind: FieldType) -> Result<usize> {
        self.find(name, kind)?.ok_or_else(|| DataError::Schema {
            path: self.path.clone(),
            message: format!("the header has no `{name}` column"),
        })
    }

    /// The fields of a data line, one per header column.
    fn split<'s>(&self, line: &TextLine<'s>) -> Result<Vec<&'s str>> {
        let fields: Vec<&str> = line.text.split('\t').collect();
        if fields.len() == self.columns.len() {
            return Ok(fields);
        }
        let (field, message) = match self.columns.get(fields.len()) {
            Some((missing, _)) => (missing.as_str(), "missing"),
            None => ("(end of line)", "unexpected extra field"),
        };
        Err(line.at.error(
            field,
            format!(
                "{message}: the line has {} tab-separated fields, the header {}",
                fields.len(),
                self.columns.len()
            ),
        ))
    }
}

fn read_users(
    path: &Path,
    builder: &mut DatasetBuilder,
    options: &LoadOptions,
    report: &mut LoadReport,
) -> Result<()> {
    let (mut reader, header) = Header::open(path)?;
    let user_column = header.require("user_id", FieldType::Token)?;
    reader.for_each_line(options, report, |line| {
        let fields = header.split(line)?;
        let raw = fields.get(user_column).copied().unwrap_or_default();
        let user = new_listed_id(builder.users(), raw, "user_id", &line.at)?;
        builder.user(user);
        Ok(())
    })
}

/// What an `.item` column feeds.
enum ItemColumn {
    Title,
    Categories,
    Year,
    Brand,
    Description,
    Numeric,
    Ignored,
}

impl ItemColumn {
    fn of(name: &str, kind: FieldType) -> Self {
        match (name, kind) {
            ("title", _) => Self::Title,
            (n, _) if n.ends_with("_title") => Self::Title,
            ("genre" | "class" | "category" | "categories", _) => Self::Categories,
            ("release_year" | "year", _) => Self::Year,
            ("brand", _) => Self::Brand,
            ("description", _) => Self::Description,
            (_, FieldType::Float) => Self::Numeric,
            _ => Self::Ignored,
        }
    }
}

/// The content of one `.item` line, parsed before anything is added to the catalog.
#[derive(Default)]
struct ItemRow<'s> {
    title: Option<&'s str>,
    categories: Vec<&'s str>,
    year: Option<u16>,
    brand: Option<&'s str>,
    description: Option<&'s str>,
    numeric: Vec<(&'s str, f32)>,
}

impl ItemRow<'_> {
    /// "Toy Story" from 1995 reads "Toy Story (1995)"; a title that already ends with its year
    /// is left alone.
    fn display_title(&self) -> Option<String> {
        let title = self.title?;
        match self.year {
            Some(year) if !title.ends_with(&format!("({year})")) => {
                Some(format!("{title} ({year})"))
            }
            _ => Some(title.to_owned()),
        }
    }
}

fn read_items(
    path: &Path,
    builder: &mut DatasetBuilder,
    options: &LoadOptions,
    report: &mut LoadReport,
) -> Result<()> {
    let (mut reader, header) = Header::open(path)?;
    let id_column = header.require("item_id", FieldType::Token)?;
    let roles: Vec<(usize, &str, ItemColumn)> = header
        .columns
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != id_column)
        .map(|(i, (name, kind))| (i, name.as_str(), ItemColumn::of(name, *kind)))
        .collect();
    reader.for_each_line(options, report, |line| {
        let fields = header.split(line)?;
        let raw = fields.get(id_column).copied().unwrap_or_default();
        let id = new_listed_id(builder.catalog.ids(), raw, "item_id", &line.at)?;
        let mut row = ItemRow::default();
        for (column, name, role) in &roles {
            let value = fields.get(*column).map_or("", |v| v.trim());
            if value.is_empty() {
                continue;
            }
            match role {
                ItemColumn::Title => row.title = Some(value),
                ItemColumn::Categories => row.categories.extend(value.split_whitespace()),
                // `release_year` is a token: "unknown" is a legal value, just not a year.
                ItemColumn::Year => row.year = value.parse().ok(),
                ItemColumn::Brand => row.brand = Some(value),
                ItemColumn::Description => row.description = Some(value),
                ItemColumn::Numeric => row.numeric.push((name, line.at.number(name, value)?)),
                ItemColumn::Ignored => {}
            }
        }
        let item = builder.item(id);
        let catalog = &mut builder.catalog;
        catalog.add_categories(item, row.categories.iter().copied())?;
        if let Some(year) = row.year {
            catalog.set_numeric(item, "year", f32::from(year))?;
        }
        for &(field, value) in &row.numeric {
            catalog.set_numeric(item, field, value)?;
        }
        let title = row.display_title();
        if let Some(content) = catalog.get_mut(item) {
            content.title = title;
            content.brand = row.brand.map(str::to_owned);
            content.description = row.description.map(str::to_owned);
        }
        Ok(())
    })
}

fn read_interactions(
    path: &Path,
    lists: &Listings<'_>,
    builder: &mut DatasetBuilder,
    options: &LoadOptions,
    report: &mut LoadReport,
) -> Result<()> {
    let (mut reader, header) = Header::open(path)?;
    let user_column = header.require("user_id", FieldType::Token)?;
    let item_column = header.require("item_id", FieldType::Token)?;
    let rating_column = header.find("rating", FieldType::Float)?;
    let time_column = header.find("timestamp", FieldType::Float)?;
    reader.for_each_line(options, report, |line| {
        let at = &line.at;
        let fields = header.split(line)?;
        let field = |column: usize| fields.get(column).copied().unwrap_or_default();
        let user = at.id("user_id", field(user_column))?;
        let item = at.id("item_id", field(item_column))?;
        let rating = match rating_column {
            Some(column) => at.number("rating", field(column))?,
            None => 1.0,
        };
        let timestamp = match time_column {
            Some(column) => at.timestamp("timestamp", field(column))?,
            None => at.line() as i64,
        };
        // Listed ids are resolved before anything is interned, so a bad line leaves no trace.
        let listed_user = match lists.users {
            Some(list) => Some(listed_id(builder.users(), user, list, "user_id", at)?),
            None => None,
        };
        let item = match lists.items {
            Some(list) => listed_id(builder.catalog.ids(), item, list, "item_id", at)?,
            None => builder.item(item),
        };
        let user = listed_user.unwrap_or_else(|| builder.user(user));
        builder.push(Interaction {
            user,
            item,
            rating,
            timestamp,
            review: None,
        });
        Ok(())
    })
}
