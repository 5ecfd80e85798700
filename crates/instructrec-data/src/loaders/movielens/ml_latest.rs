//! ml-latest (and ML-20M / ML-25M): `ratings.csv` (`userId,movieId,rating,timestamp`) and
//! `movies.csv` (`movieId,title,genres`, titles quoted when they hold commas).

use std::path::Path;

use super::ml1m::split_genres;
use super::{MovieLine, RatingsFile};
use crate::loaders::csv_table::CsvTable;
use crate::loaders::options::{LoadOptions, LoadReport};
use crate::{DatasetBuilder, Result};

pub(super) fn read(
    dir: &Path,
    builder: &mut DatasetBuilder,
    options: &LoadOptions,
    report: &mut LoadReport,
) -> Result<()> {
    let movies_path = dir.join("movies.csv");
    let mut movies = CsvTable::open(&movies_path, b',')?;
    let [id, title, genres] = movies.columns(["movieId", "title", "genres"])?;
    movies.for_each_row(options, report, |row| {
        let (id, title, genres) = (row.get(id)?, row.get(title)?, row.get(genres)?);
        let movie = MovieLine {
            id: &id,
            title: &title,
            genres: split_genres(&genres),
        };
        movie.add_to(builder, &row.at, "movieId")
    })?;
    let ratings_file = RatingsFile {
        names: ["userId", "movieId", "rating", "timestamp"],
        movies: &movies_path,
    };
    let mut ratings = CsvTable::open(&dir.join("ratings.csv"), b',')?;
    let columns = ratings.columns(ratings_file.names)?;
    ratings.for_each_row(options, report, |row| {
        let [user, movie, rating, timestamp] = columns.map(|column| row.get(column));
        let fields = [user?, movie?, rating?, timestamp?];
        ratings_file.add(
            builder,
            &row.at,
            fields.each_ref().map(|field| field.as_ref()),
        )
    })
}
