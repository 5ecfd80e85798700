mod common;

use common::{assert_parse_error, write, write_bytes};
use instructrec_data::loaders::load_movielens;
use instructrec_data::{DataError, Dataset, LoadOptions};

fn flags(genres: &[usize]) -> String {
    (0..19)
        .map(|g| if genres.contains(&g) { "1" } else { "0" })
        .collect::<Vec<_>>()
        .join("|")
}

/// ML-100K as distributed: `u.item` is Latin-1 and has 19 genre flags.
fn ml100k(u_data: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut u_item = Vec::new();
    let lines = [
        format!("1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|{}\n", flags(&[3, 4, 5])),
        format!("2|GoldenEye (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?GoldenEye%20(1995)|{}\n", flags(&[1, 2, 16])),
        format!("267|unknown||||{}\n", flags(&[0])),
    ];
    for line in &lines {
        u_item.extend_from_slice(line.as_bytes());
    }
    u_item.extend_from_slice(b"543|Mis\xe9rables, Les (1995)|01-Jan-1995||http://us.imdb.com/|");
    u_item.extend_from_slice(flags(&[8, 12]).as_bytes());
    u_item.push(b'\n');
    write_bytes(dir.path(), "u.item", &u_item);
    write(dir.path(), "u.data", u_data);
    dir
}

fn titles_of(dataset: &Dataset, user: &str) -> Vec<String> {
    let user = dataset.lookup_user(user).unwrap();
    dataset
        .sequence(user)
        .iter()
        .map(|&i| dataset.catalog.display_name(i))
        .collect()
}

#[test]
fn ml100k_reads_latin1_titles_genre_flags_and_years() {
    let dir = ml100k("196\t1\t3\t881250949\n196\t543\t5\t881250000\n22\t2\t1\t878887116\n");
    let (dataset, report) = load_movielens(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(
        (
            dataset.num_users(),
            dataset.num_items(),
            dataset.num_interactions()
        ),
        (2, 4, 3)
    );
    assert_eq!(report.lines_read, 7);
    assert_eq!(
        titles_of(&dataset, "196"),
        ["Misérables, Les (1995)", "Toy Story (1995)"]
    );
    let catalog = &dataset.catalog;
    let toy_story = catalog.lookup("1").unwrap();
    assert_eq!(
        catalog.category_names(toy_story),
        ["Animation", "Children's", "Comedy"]
    );
    assert_eq!(catalog.numeric_fields, ["year"]);
    assert_eq!(catalog.get(toy_story).unwrap().numeric, [Some(1995.0)]);
    let unknown = catalog.get(catalog.lookup("267").unwrap()).unwrap();
    assert_eq!(unknown.numeric, [None]);
}

#[test]
fn ml100k_bad_lines_name_the_field() {
    for (line, field) in [
        ("196\t1\t3\n", "timestamp"),
        ("196\t1\tthree\t881250949\n", "rating"),
        ("196\t1\tinf\t881250949\n", "rating"),
        ("196\t999\t3\t881250949\n", "item_id"),
    ] {
        let dir = ml100k(&format!("196\t1\t3\t881250949\n{line}"));
        let error = load_movielens(dir.path(), &LoadOptions::default()).unwrap_err();
        assert_parse_error(&error, "u.data", 2, field);
    }
    let dir = ml100k("");
    let u_item = std::fs::read(dir.path().join("u.item")).unwrap();
    let broken = String::from_utf8_lossy(&u_item).replacen("|0|0|0|1|1|1|", "|0|0|0|1|x|1|", 1);
    write(dir.path(), "u.item", &broken);
    let error = load_movielens(dir.path(), &LoadOptions::default()).unwrap_err();
    let message = assert_parse_error(&error, "u.item", 1, "Children's");
    assert!(message.contains("`x`"), "{message}");
}

#[test]
fn ml1m_splits_on_double_colons_and_pipes() {
    let dir = tempfile::tempdir().unwrap();
    write_bytes(
        dir.path(),
        "movies.dat",
        b"1::Toy Story (1995)::Animation|Children's|Comedy\n\
          2::Jumanji (1995)::Adventure|Children's|Fantasy\n\
          73::Mis\xe9rables, Les (1995)::Drama|Musical\n",
    );
    write(
        dir.path(),
        "ratings.dat",
        "1::2::3::978300760\n1::1::5::978300000\n2::73::4::978300100\n",
    );
    let (dataset, _) = load_movielens(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(
        titles_of(&dataset, "1"),
        ["Toy Story (1995)", "Jumanji (1995)"]
    );
    assert_eq!(titles_of(&dataset, "2"), ["Misérables, Les (1995)"]);
    let jumanji = dataset.catalog.lookup("2").unwrap();
    assert_eq!(
        dataset.catalog.category_names(jumanji),
        ["Adventure", "Children's", "Fantasy"]
    );

    write(dir.path(), "ratings.dat", "1::2::3::978300760::extra\n");
    let error = load_movielens(dir.path(), &LoadOptions::default()).unwrap_err();
    assert_parse_error(&error, "ratings.dat", 1, "Timestamp");
}

#[test]
fn ml_latest_reads_quoted_titles_with_commas_and_half_stars() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "movies.csv",
        "movieId,title,genres\n\
         1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n\
         11,\"American President, The (1995)\",Comedy|Drama|Romance\n\
         176601,Black Mirror,(no genres listed)\n",
    );
    write(
        dir.path(),
        "ratings.csv",
        "userId,movieId,rating,timestamp\n1,11,4.5,964982703\n1,1,4.0,964981247\n2,176601,3.5,1000\n",
    );
    let (dataset, report) = load_movielens(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(report.lines_read, 6);
    assert_eq!(
        titles_of(&dataset, "1"),
        ["Toy Story (1995)", "American President, The (1995)"]
    );
    let user = dataset.lookup_user("1").unwrap();
    assert_eq!(dataset.ratings(user), [4.0, 4.5]);
    let mirror = dataset.catalog.lookup("176601").unwrap();
    assert!(dataset.catalog.category_names(mirror).is_empty());
    assert_eq!(dataset.catalog.get(mirror).unwrap().numeric, [None]);

    write(
        dir.path(),
        "ratings.csv",
        "userId,movieId,rating,timestamp\n1,11,NaN,964982703\n",
    );
    let error = load_movielens(dir.path(), &LoadOptions::default()).unwrap_err();
    assert_parse_error(&error, "ratings.csv", 2, "rating");

    write(
        dir.path(),
        "ratings.csv",
        "userId,movieId,timestamp\n1,11,964982703\n",
    );
    let error = load_movielens(dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(&error, DataError::Schema { message, .. } if message.contains("`rating`")),
        "{error}"
    );
}

#[test]
fn ml_latest_skip_mode_counts_short_rows_and_unknown_movies() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "movies.csv",
        "movieId,title,genres\n1,Heat (1995),Crime\n",
    );
    write(
        dir.path(),
        "ratings.csv",
        "userId,movieId,rating,timestamp\n1,1,4,10\n1,1\n2,404,3,11\n3,1,5,12\n",
    );
    let (dataset, report) = load_movielens(dir.path(), &LoadOptions::skipping_bad_lines()).unwrap();
    assert_eq!(dataset.num_interactions(), 2);
    assert_eq!(report.skipped, 2);
    assert_parse_error(&report.errors[0], "ratings.csv", 3, "rating");
    assert_parse_error(&report.errors[1], "ratings.csv", 4, "movieId");
}

#[test]
fn a_directory_without_movielens_files_says_what_it_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let error = load_movielens(dir.path(), &LoadOptions::default()).unwrap_err();
    let shown = error.to_string();
    assert!(
        shown.contains("u.data") && shown.contains("ratings.dat"),
        "{shown}"
    );
}
