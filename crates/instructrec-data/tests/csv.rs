mod common;

use common::{assert_parse_error, gzip, write, write_bytes};
use instructrec_data::loaders::load_csv;
use instructrec_data::{CsvOptions, DataError, LoadOptions};

fn options(csv: CsvOptions) -> LoadOptions {
    LoadOptions {
        csv,
        ..LoadOptions::default()
    }
}

fn columns() -> CsvOptions {
    CsvOptions {
        user: "who".into(),
        item: "what".into(),
        rating: Some("stars".into()),
        timestamp: Some("when".into()),
        title: Some("name".into()),
        categories: Some("tags".into()),
        review: Some("comment".into()),
        delimiter: b';',
        ..CsvOptions::default()
    }
}

#[test]
fn named_columns_give_interactions_item_content_and_reviews() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "log.csv",
        "when;who;what;stars;name;tags;comment\n\
         20;ann;x1;4;\"Heat; the director's cut\";crime|drama;great\n\
         10;ann;x2;2;Casino;crime;\n\
         30;bob;x1;5;\"Heat; the director's cut\";thriller;\n",
    );
    let (dataset, report) = load_csv(&path, &options(columns())).unwrap();
    assert_eq!(dataset.name, "log");
    assert_eq!(report.lines_read, 3);
    let ann = dataset.lookup_user("ann").unwrap();
    let titles: Vec<_> = dataset
        .sequence(ann)
        .iter()
        .map(|&i| dataset.catalog.display_name(i))
        .collect();
    assert_eq!(titles, ["Casino", "Heat; the director's cut"]);
    assert_eq!(dataset.ratings(ann), [2.0, 4.0]);
    let heat = dataset.catalog.lookup("x1").unwrap();
    assert_eq!(
        dataset.catalog.category_names(heat),
        ["crime", "drama", "thriller"]
    );
    assert_eq!(dataset.num_reviews(), 1);
}

#[test]
fn without_rating_and_time_columns_feedback_is_implicit_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "plain.csv", "user_id,item_id\nu,b\nu,a\n");
    let csv = CsvOptions {
        rating: None,
        timestamp: None,
        ..CsvOptions::default()
    };
    let (dataset, _) = load_csv(&path, &options(csv)).unwrap();
    let user = dataset.lookup_user("u").unwrap();
    assert_eq!(dataset.ratings(user), [1.0, 1.0]);
    assert_eq!(dataset.timestamps(user), [2, 3]);
}

#[test]
fn bad_rows_name_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let header = "when;who;what;stars;name;tags;comment\n";
    let good = "20;ann;x1;4;Heat;crime;\n";
    let cases = [
        ("21;ann;x2;NaN;Casino;crime;\n", "stars"),
        ("21;ann;x2;4;Casino\n", "tags"),
        ("21;;x2;4;Casino;crime;\n", "who"),
        ("noon;ann;x2;4;Casino;crime;\n", "when"),
        ("21;bob;x1;4;Heat 2;crime;\n", "name"),
    ];
    for (row, field) in cases {
        let path = write(dir.path(), "bad.csv", &format!("{header}{good}{row}"));
        let error = load_csv(&path, &options(columns())).unwrap_err();
        assert_parse_error(&error, "bad.csv", 3, field);
    }
    let path = write(
        dir.path(),
        "bad.csv",
        &format!("{header}{good}21;ann;x2;NaN;C;c;\n{good}"),
    );
    let skipping = LoadOptions {
        bad_lines: instructrec_data::BadLinePolicy::Skip,
        ..options(columns())
    };
    let (dataset, report) = load_csv(&path, &skipping).unwrap();
    assert_eq!((dataset.num_interactions(), report.skipped), (2, 1));
    assert!(
        dataset.catalog.lookup("x2").is_err(),
        "a skipped row adds no item"
    );
}

#[test]
fn missing_columns_and_invalid_options_are_reported_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "x.csv", "user_id,item_id,rating\nu,i,1\n");
    let error = load_csv(&path, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(&error, DataError::Schema { message, .. } if message.contains("`timestamp`")),
        "{error}"
    );
    let bad = CsvOptions {
        delimiter: b'"',
        ..CsvOptions::default()
    };
    assert!(matches!(
        bad.validate(),
        Err(DataError::InvalidParameter {
            name: "delimiter",
            ..
        })
    ));
    let bad = CsvOptions {
        item: " ".into(),
        ..CsvOptions::default()
    };
    assert!(matches!(
        load_csv(&path, &options(bad)),
        Err(DataError::InvalidParameter { name: "item", .. })
    ));
}

#[test]
fn a_truncated_gzip_csv_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (0..5000)
        .map(|i| format!("u{},i{i},4,{i}\n", i % 40))
        .collect();
    let compressed = gzip(&format!("user_id,item_id,rating,timestamp\n{rows}"));
    let path = write_bytes(
        dir.path(),
        "log.csv.gz",
        &compressed[..compressed.len() / 2],
    );
    let error = load_csv(&path, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(&error, DataError::Read { line, .. } if *line > 1),
        "{error:?}"
    );
    let whole = write_bytes(dir.path(), "whole.csv.gz", &compressed);
    let (dataset, _) = load_csv(&whole, &LoadOptions::default()).unwrap();
    assert_eq!(dataset.num_interactions(), 5000);
}
