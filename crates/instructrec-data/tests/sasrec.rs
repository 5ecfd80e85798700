mod common;

use common::{assert_parse_error, gzip, shared, write, write_bytes};
use instructrec_data::loaders::load_sasrec;
use instructrec_data::DataError;
use instructrec_data::LoadOptions;

#[test]
fn video_games_has_the_reference_figures_in_file_order() {
    let path = shared("data/amazon-games-sasrec/Video.txt");
    let (dataset, report) = load_sasrec(&path, &LoadOptions::default()).unwrap();
    assert_eq!(dataset.name, "Video");
    assert_eq!(dataset.num_users(), 31_013);
    assert_eq!(dataset.num_items(), 23_715);
    assert_eq!(dataset.num_interactions(), 287_107);
    assert_eq!(report.lines_read, 287_107);
    // The file starts "1 6393", "1 13504", "1 14087".
    let user = dataset.lookup_user("1").unwrap();
    let first: Vec<_> = dataset.sequence(user)[..3]
        .iter()
        .map(|&i| dataset.catalog.raw_id(i).unwrap())
        .collect();
    assert_eq!(first, ["6393", "13504", "14087"]);
    assert!(dataset.ratings(user).iter().all(|&r| r == 1.0));
}

#[test]
fn line_numbers_keep_each_users_order_and_bad_lines_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tiny.txt", "2 c\n1 b\n\n2 a\n1 a\n");
    let (dataset, report) = load_sasrec(&path, &LoadOptions::default()).unwrap();
    assert_eq!(report.lines_read, 4, "the blank line is not data");
    let two = dataset.lookup_user("2").unwrap();
    assert_eq!(dataset.timestamps(two), [1, 4]);

    let path = write(dir.path(), "bad.txt", "1 a\n1\n1 b c\n");
    let error = load_sasrec(&path, &LoadOptions::default()).unwrap_err();
    assert_parse_error(&error, "bad.txt", 2, "item");
    let (dataset, report) = load_sasrec(&path, &LoadOptions::skipping_bad_lines()).unwrap();
    assert_eq!((dataset.num_interactions(), report.skipped), (1, 2));
    assert_parse_error(&report.errors[1], "bad.txt", 3, "item");
}

#[test]
fn gzip_files_are_read_and_a_truncated_one_fails_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..5000).map(|i| format!("{} {}\n", i % 50, i)).collect();
    let compressed = gzip(&lines);
    let whole = write_bytes(dir.path(), "pairs.txt.gz", &compressed);
    let (dataset, _) = load_sasrec(&whole, &LoadOptions::default()).unwrap();
    assert_eq!(dataset.num_interactions(), 5000);
    let cut = write_bytes(
        dir.path(),
        "cut.txt.gz",
        &compressed[..compressed.len() * 2 / 3],
    );
    let error = load_sasrec(&cut, &LoadOptions::skipping_bad_lines()).unwrap_err();
    assert!(
        matches!(&error, DataError::Read { line, .. } if (2..=5000).contains(line)),
        "{error:?}"
    );
}
