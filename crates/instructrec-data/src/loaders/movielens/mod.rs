//! MovieLens in its own distribution formats, detected from the files in the directory:
//!
//! | variant | ratings | movies | encoding |
//! |---|---|---|---|
//! | ML-100K | `u.data` (tab-separated) | `u.item` (`|`-separated, 19 genre flags) | Latin-1 |
//! | ML-1M / ML-10M | `ratings.dat` (`::`) | `movies.dat` (`::`, genres `a|b`) | Latin-1 |
//! | ml-latest(-small), ML-20M, ML-25M | `ratings.csv` | `movies.csv` (quoted titles) | UTF-8 |
//!
//! Titles are kept as MovieLens writes them ("Toy Story (1995)"); the year at the end of the
//! title becomes the numeric field `"year"`. The movies file lists the catalog: movies nobody
//! rated are kept, and a rating of a movie it does not list is a bad line. User files
//! (`u.user`, `users.dat`) and tags are not read.

mod ml100k;
mod ml1m;
mod ml_latest;

use std::path::Path;

use super::fields::LineAt;
use super::listing::{listed_id, new_listed_id};
use super::options::{LoadOptions, LoadReport};
use super::source::LineReader;
use crate::{DataError, Dataset, DatasetBuilder, Interaction, Result};

/// Loads a MovieLens directory, detecting the variant from its files.
pub fn load_movielens(dir: &Path, options: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "movielens".to_owned());
    let mut builder = DatasetBuilder::new(name);
    let mut report = LoadReport::default();
    if dir.join("u.data").is_file() {
        ml100k::read(dir, &mut builder, options, &mut report)?;
    } else if dir.join("ratings.dat").is_file() {
        ml1m::read(dir, &mut builder, options, &mut report)?;
    } else if dir.join("ratings.csv").is_file() {
        ml_latest::read(dir, &mut builder, options, &mut report)?;
    } else {
        return Err(DataError::Schema {
            path: dir.to_owned(),
            message: "not a MovieLens directory: found none of u.data (ML-100K), \
                      ratings.dat (ML-1M) or ratings.csv (ml-latest)"
                .to_owned(),
        });
    }
    Ok((builder.build(), report))
}

/// The fields of one movie line, as written in the movies file.
struct MovieLine<'s> {
    id: &'s str,
    title: &'s str,
    genres: Vec<&'s str>,
}

impl MovieLine<'_> {
    /// Adds the movie to the catalog; a movie listed twice is an error.
    fn add_to(&self, builder: &mut DatasetBuilder, at: &LineAt<'_>, id_field: &str) -> Result<()> {
        let id = new_listed_id(builder.catalog.ids(), self.id, id_field, at)?;
        let item = builder.item(id);
        let title = self.title.trim();
        if let Some(year) = year_from_title(title) {
            builder.catalog.set_numeric(item, "year", f32::from(year))?;
        }
        builder
            .catalog
            .add_categories(item, self.genres.iter().copied())?;
        if let Some(content) = builder.catalog.get_mut(item) {
            content.title = Some(title.to_owned()).filter(|t| !t.is_empty());
        }
        Ok(())
    }
}

/// A ratings file: its own names for the fields `user, movie, rating, timestamp`, and the
/// movies file that lists the movies it may rate.
struct RatingsFile<'p> {
    names: [&'static str; 4],
    movies: &'p Path,
}

impl RatingsFile<'_> {
    /// Validates one line's `[user, movie, rating, timestamp]` and adds it.
    fn add(&self, builder: &mut DatasetBuilder, at: &LineAt<'_>, fields: [&str; 4]) -> Result<()> {
        let [user_field, movie_field, rating_field, time_field] = self.names;
        let [user, movie, rating, timestamp] = fields;
        let user = at.id(user_field, user)?;
        let movie = at.id(movie_field, movie)?;
        let rating = at.number(rating_field, rating)?;
        let timestamp = at.timestamp(time_field, timestamp)?;
        let item = listed_id(builder.catalog.ids(), movie, self.movies, movie_field, at)?;
        let user = builder.user(user);
        builder.push(Interaction {
            user,
            item,
            rating,
            timestamp,
            review: None,
        });
        Ok(())
    }

    /// Reads `path`, whose lines are the four fields joined by `separator`.
    fn read_lines(
        &self,
        path: &Path,
        separator: &str,
        builder: &mut DatasetBuilder,
        options: &LoadOptions,
        report: &mut LoadReport,
    ) -> Result<()> {
        LineReader::open(path)?.for_each_line(options, report, |line| {
            let fields = line.at.columns(line.text.split(separator), self.names)?;
            self.add(builder, &line.at, fields)
        })
    }
}

/// The release year MovieLens appends to titles: "Heat (1995)" → 1995.
fn year_from_title(title: &str) -> Option<u16> {
    let inner = title.trim_end().strip_suffix(')')?;
    let (_, year) = inner.rsplit_once('(')?;
    (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
        .then(|| year.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::year_from_title;

    #[test]
    fn year_is_read_from_the_end_of_the_title() {
        assert_eq!(year_from_title("Heat (1995)"), Some(1995));
        assert_eq!(
            year_from_title("City of Lost Children, The (1995) "),
            Some(1995)
        );
        assert_eq!(year_from_title("Babylon 5"), None);
        assert_eq!(year_from_title("Big Bang Theory (2006–2007)"), None);
        assert_eq!(year_from_title("1984 (Nineteen Eighty-Four)"), None);
    }
}
