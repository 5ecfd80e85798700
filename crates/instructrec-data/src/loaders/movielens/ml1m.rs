//! ML-1M (and ML-10M): `ratings.dat` (`UserID::MovieID::Rating::Timestamp`) and `movies.dat`
//! (`MovieID::Title::Genres` with genres separated by `|`).

use std::path::Path;

use super::{MovieLine, RatingsFile};
use crate::loaders::options::{LoadOptions, LoadReport};
use crate::loaders::source::LineReader;
use crate::{DatasetBuilder, Result};

const MOVIE_FIELDS: [&str; 3] = ["MovieID", "Title", "Genres"];

pub(super) fn read(
    dir: &Path,
    builder: &mut DatasetBuilder,
    options: &LoadOptions,
    report: &mut LoadReport,
) -> Result<()> {
    let movies = dir.join("movies.dat");
    LineReader::open(&movies)?.for_each_line(options, report, |line| {
        let [id, title, genres] = line.at.columns(line.text.split("::"), MOVIE_FIELDS)?;
        let movie = MovieLine {
            id,
            title,
            genres: split_genres(genres),
        };
        movie.add_to(builder, &line.at, "MovieID")
    })?;
    let ratings = RatingsFile {
        names: ["UserID", "MovieID", "Rating", "Timestamp"],
        movies: &movies,
    };
    ratings.read_lines(&dir.join("ratings.dat"), "::", builder, options, report)
}

/// Genres written `a|b`; ml-latest writes "(no genres listed)" for none.
pub(super) fn split_genres(genres: &str) -> Vec<&str> {
    genres
        .split('|')
        .map(str::trim)
        .filter(|g| !g.is_empty() && *g != "(no genres listed)")
        .collect()
}
