mod common;

use common::{assert_parse_error, shared, write};
use instructrec_data::loaders::load_recbole;
use instructrec_data::{DataError, LoadOptions};

#[test]
fn ml100k_has_the_reference_figures_and_movie_content() {
    let (dataset, report) = load_recbole(&shared("data/ml-100k"), &LoadOptions::default()).unwrap();
    assert_eq!(dataset.name, "ml-100k");
    assert_eq!(dataset.num_users(), 943);
    assert_eq!(dataset.num_items(), 1682);
    assert_eq!(dataset.num_interactions(), 100_000);
    assert_eq!(report.skipped, 0);
    assert_eq!(report.lines_read, 100_000 + 1682 + 943);

    let catalog = &dataset.catalog;
    let toy_story = catalog.lookup("1").unwrap();
    assert_eq!(catalog.display_name(toy_story), "Toy Story (1995)");
    assert_eq!(
        catalog.category_names(toy_story),
        ["Animation", "Children's", "Comedy"]
    );
    let year = catalog
        .numeric_fields
        .iter()
        .position(|f| f == "year")
        .unwrap();
    assert_eq!(catalog.get(toy_story).unwrap().numeric[year], Some(1995.0));
    // Item 1412's year column reads "V" and its title already carries "(1995)".
    let land = catalog.get(catalog.lookup("1412").unwrap()).unwrap();
    assert_eq!(land.numeric[year], None);
    assert!(land.title.as_deref().unwrap().ends_with("Giving (1995)"));

    // User 196 rated item 242 with 3 at 881250949 (the first line of the file).
    let user = dataset.lookup_user("196").unwrap();
    let item = catalog.lookup("242").unwrap();
    let rated = dataset
        .interactions_of(user)
        .find(|i| i.item == item)
        .unwrap();
    assert_eq!((rated.rating, rated.timestamp), (3.0, 881_250_949));
    let times = dataset.timestamps(user);
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

const INTER: &str = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n\
                     u1\ti1\t4\t100\n\
                     u1\ti2\t5\t50\n\
                     u2\ti1\t3\t70\n";
const ITEM: &str =
    "item_id:token\tmovie_title:token_seq\trelease_year:token\tgenre:token_seq\tprice:float\n\
                    i1\tHeat\t1995\tCrime Thriller\t9.5\n\
                    i2\tCasino\tunknown\tCrime Drama\t\n\
                    i3\tNever Rated\t2001\tDrama\t3\n";

fn dataset_dir(inter: &str, item: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("tiny").tempdir().unwrap();
    let name = dir.path().file_name().unwrap().to_str().unwrap().to_owned();
    write(dir.path(), &format!("{name}.inter"), inter);
    if let Some(item) = item {
        write(dir.path(), &format!("{name}.item"), item);
    }
    dir
}

fn inter_name(dir: &tempfile::TempDir) -> String {
    format!(
        "{}.inter",
        dir.path().file_name().unwrap().to_str().unwrap()
    )
}

#[test]
fn item_file_gives_titles_years_categories_numeric_fields_and_cold_items() {
    let dir = dataset_dir(INTER, Some(ITEM));
    let (dataset, _) = load_recbole(dir.path(), &LoadOptions::default()).unwrap();
    let catalog = &dataset.catalog;
    assert_eq!(dataset.num_items(), 3, "the unrated item stays a candidate");
    let heat = catalog.lookup("i1").unwrap();
    let casino = catalog.lookup("i2").unwrap();
    assert_eq!(catalog.display_name(heat), "Heat (1995)");
    assert_eq!(
        catalog.display_name(casino),
        "Casino",
        "a non-numeric year is not appended"
    );
    assert_eq!(catalog.category_names(casino), ["Crime", "Drama"]);
    assert_eq!(catalog.numeric_fields, ["year", "price"]);
    assert_eq!(
        catalog.get(heat).unwrap().numeric,
        [Some(1995.0), Some(9.5)]
    );
    assert_eq!(catalog.get(casino).unwrap().numeric, [None, None]);
    let u1 = dataset.lookup_user("u1").unwrap();
    assert_eq!(dataset.sequence(u1), [casino, heat], "sorted by time");
    assert_eq!(dataset.ratings(u1), [5.0, 4.0]);
}

#[test]
fn an_inter_file_path_works_and_missing_rating_and_time_default_to_implicit_file_order() {
    let dir = dataset_dir("user_id:token\titem_id:token\nu1\tb\nu1\ta\n", None);
    let path = dir.path().join(inter_name(&dir));
    let (dataset, _) = load_recbole(&path, &LoadOptions::default()).unwrap();
    let u1 = dataset.lookup_user("u1").unwrap();
    let names: Vec<_> = dataset
        .sequence(u1)
        .iter()
        .map(|&i| dataset.catalog.raw_id(i).unwrap())
        .collect();
    assert_eq!(names, ["b", "a"]);
    assert_eq!(dataset.ratings(u1), [1.0, 1.0]);
    assert_eq!(dataset.timestamps(u1), [2, 3], "line numbers");
}

#[test]
fn malformed_inter_lines_name_file_line_and_field() {
    let header = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n";
    let cases = [
        ("u1\ti1\t4\n", "timestamp"),
        ("u1\ti1\tgood\t100\n", "rating"),
        ("u1\ti1\tNaN\t100\n", "rating"),
        ("u1\ti1\t4\tyesterday\n", "timestamp"),
        ("\ti1\t4\t100\n", "user_id"),
        ("u1\ti9\t4\t100\n", "item_id"),
    ];
    for (line, field) in cases {
        let dir = dataset_dir(&format!("{header}u1\ti1\t4\t100\n{line}"), Some(ITEM));
        let error = load_recbole(dir.path(), &LoadOptions::default()).unwrap_err();
        let message = assert_parse_error(&error, &inter_name(&dir), 3, field);
        if field == "item_id" {
            assert!(message.contains("not listed"), "{message}");
        }
    }
}

#[test]
fn skip_mode_drops_bad_lines_whole_and_counts_them() {
    let inter = "user_id:token\titem_id:token\trating:float\n\
                 u1\ti1\t4\n\
                 ghost\ti9\t4\n\
                 u2\ti2\tNaN\n\
                 u1\ti2\t2\n";
    let dir = dataset_dir(inter, Some(ITEM));
    let (dataset, report) = load_recbole(dir.path(), &LoadOptions::skipping_bad_lines()).unwrap();
    assert_eq!(dataset.num_interactions(), 2);
    assert_eq!(report.skipped, 2);
    assert_eq!(report.errors.len(), 2);
    assert!(
        dataset.lookup_user("ghost").is_err(),
        "a skipped line leaves no user behind"
    );
    assert!(dataset.lookup_user("u2").is_err());
    assert_parse_error(&report.errors[0], &inter_name(&dir), 3, "item_id");
    let shown = report.to_string();
    assert!(
        shown.starts_with("read 7 lines, skipped 2 bad lines: "),
        "{shown}"
    );
}

#[test]
fn bad_headers_and_item_files_are_reported() {
    let dir = dataset_dir("user_id:token\trating:float\nu1\t3\n", None);
    let error = load_recbole(dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(&error, DataError::Schema { message, .. } if message.contains("item_id")),
        "{error}"
    );

    let dir = dataset_dir("user_id:token\titem_id:text\n", None);
    let error = load_recbole(dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(error.to_string().contains("unknown type `text`"), "{error}");

    let duplicate = format!("{ITEM}i1\tHeat again\t1995\tCrime\t1\n");
    let bad_price = ITEM.replace("\t9.5\n", "\tcheap\n");
    let short = ITEM.replace("\tCrime Drama\t\n", "\n");
    for (item, line, field) in [
        (&duplicate, 5, "item_id"),
        (&bad_price, 2, "price"),
        (&short, 3, "genre"),
    ] {
        let dir = dataset_dir(INTER, Some(item));
        let item_file = inter_name(&dir).replace(".inter", ".item");
        let error = load_recbole(dir.path(), &LoadOptions::default()).unwrap_err();
        assert_parse_error(&error, &item_file, line, field);
    }
}

#[test]
fn a_missing_dataset_is_an_io_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let error = load_recbole(&dir.path().join("nothing"), &LoadOptions::default()).unwrap_err();
    assert!(matches!(error, DataError::Io { .. }), "{error}");
    assert!(error.to_string().contains("nothing"), "{error}");
}
