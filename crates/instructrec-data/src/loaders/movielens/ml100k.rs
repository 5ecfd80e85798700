//! ML-100K: `u.data` (`user item rating timestamp`, tab-separated) and `u.item`
//! (`id|title|release date|video release date|IMDb URL|` then 19 `0`/`1` genre flags).

use std::path::Path;

use super::{MovieLine, RatingsFile};
use crate::loaders::options::{LoadOptions, LoadReport};
use crate::loaders::source::LineReader;
use crate::{DatasetBuilder, Result};

/// The genres of the 19 flags, in `u.genre` order.
const GENRES: [&str; 19] = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

const HEAD_FIELDS: [&str; 5] = [
    "movie_id",
    "movie_title",
    "release_date",
    "video_release_date",
    "imdb_url",
];

/// The `u.item` fields: the head, then one flag per genre (evaluated at compile time).
const ITEM_FIELDS: [&str; 24] = {
    let mut fields = [""; 24];
    let mut i = 0;
    while i < fields.len() {
        fields[i] = if i < HEAD_FIELDS.len() {
            HEAD_FIELDS[i]
        } else {
            GENRES[i - HEAD_FIELDS.len()]
        };
        i += 1;
    }
    fields
};

pub(super) fn read(
    dir: &Path,
    builder: &mut DatasetBuilder,
    options: &LoadOptions,
    report: &mut LoadReport,
) -> Result<()> {
    let movies = dir.join("u.item");
    LineReader::open(&movies)?.for_each_line(options, report, |line| {
        let fields = line.at.columns(line.text.split('|'), ITEM_FIELDS)?;
        let [id, title, _release, _video_release, _url, flags @ ..] = fields;
        let mut genres = Vec::new();
        for (flag, genre) in flags.iter().zip(GENRES) {
            match flag.trim() {
                "1" => genres.push(genre),
                "0" => {}
                other => {
                    return Err(line
                        .at
                        .error(genre, format!("genre flag `{other}` is neither 0 nor 1")))
                }
            }
        }
        let movie = MovieLine { id, title, genres };
        movie.add_to(builder, &line.at, "movie_id")
    })?;
    let ratings = RatingsFile {
        names: ["user_id", "item_id", "rating", "timestamp"],
        movies: &movies,
    };
    ratings.read_lines(&dir.join("u.data"), "\t", builder, options, report)
}
