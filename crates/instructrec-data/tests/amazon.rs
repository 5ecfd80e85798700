mod common;

use common::{assert_parse_error, gzip, shared, write, write_bytes};
use instructrec_data::loaders::{load_amazon2018, load_amazon2023};
use instructrec_data::{DataError, LoadOptions};

#[test]
fn amazon_2023_mini_has_the_reference_figures_and_content() {
    let path = shared("data/amazon-reviews-2023-mini");
    let (dataset, report) = load_amazon2023(&path, &LoadOptions::default()).unwrap();
    assert_eq!(dataset.name, "amazon-reviews-2023-mini");
    assert_eq!(dataset.num_users(), 354);
    assert_eq!(dataset.num_interactions(), 3455);
    assert_eq!(dataset.num_reviews(), 3455);
    // meta.jsonl lists exactly the 3,228 reviewed products: it adds content, not items.
    assert_eq!(dataset.num_items(), 3228);
    assert_eq!(
        dataset.item_counts().iter().filter(|&&c| c > 0).count(),
        3228
    );
    assert_eq!(report.lines_read, 3455 + 3228);

    let catalog = &dataset.catalog;
    // 74 products have an empty title in the sample.
    assert_eq!(
        catalog
            .items()
            .iter()
            .filter(|item| item.title.is_some())
            .count(),
        3154
    );
    // 34 main categories and 24 names in `categories` lists: 49 distinct.
    assert_eq!(catalog.categories.len(), 49);
    let price = catalog
        .numeric_fields
        .iter()
        .position(|f| f == "price")
        .unwrap();
    let priced = catalog
        .items()
        .iter()
        .filter(|i| i.numeric[price].is_some())
        .count();
    assert_eq!(priced, 2331);

    let user = dataset.lookup_user("AE2DWV6OPSOUHDZEZQBC2MRYAOXA").unwrap();
    let first = dataset
        .interactions_of(user)
        .find(|i| catalog.raw_id(i.item) == Some("B08J6LZQZ6"))
        .unwrap();
    assert_eq!(
        first.timestamp, 1_635_117_243,
        "milliseconds become seconds"
    );
    assert_eq!(first.rating, 5.0);
    assert_eq!(first.review.unwrap().title, "Soft!");
}

const META_2023: &str = r#"{"main_category": "Video Games", "title": "Star Racer", "store": "Nightjar", "categories": ["Video Games", "PC"], "description": ["Fast.", "Fun."], "features": ["4 players"], "price": 19.99, "parent_asin": "P1"}
{"main_category": "Video Games", "title": "Cold Start Quest", "store": null, "categories": [], "description": [], "features": [], "price": "$5.49", "parent_asin": "P2"}
"#;
const REVIEWS_2023: &str = r#"{"rating": 4.0, "title": "Good", "text": "Nice game", "parent_asin": "P1", "user_id": "U1", "timestamp": 1600000000123}
{"rating": 2.0, "title": "", "text": "", "parent_asin": "P3", "user_id": "U1", "timestamp": 1500000000000}
"#;

#[test]
fn amazon_2023_keeps_meta_only_items_and_reads_gzip() {
    let dir = tempfile::tempdir().unwrap();
    write_bytes(dir.path(), "meta.jsonl.gz", &gzip(META_2023));
    write_bytes(dir.path(), "reviews.jsonl.gz", &gzip(REVIEWS_2023));
    let (dataset, _) = load_amazon2023(dir.path(), &LoadOptions::default()).unwrap();
    let catalog = &dataset.catalog;
    assert_eq!(
        dataset.num_items(),
        3,
        "P2 is only in meta, P3 only in reviews"
    );
    let racer = catalog.get(catalog.lookup("P1").unwrap()).unwrap();
    assert_eq!(racer.title.as_deref(), Some("Star Racer"));
    assert_eq!(racer.brand.as_deref(), Some("Nightjar"));
    assert_eq!(racer.description.as_deref(), Some("Fast.\nFun.\n4 players"));
    assert_eq!(
        catalog.category_names(catalog.lookup("P1").unwrap()),
        ["Video Games", "PC"]
    );
    let cold = catalog.get(catalog.lookup("P2").unwrap()).unwrap();
    assert_eq!(cold.numeric, [Some(5.49)]);
    assert_eq!(racer.numeric, [Some(19.99)]);
    let user = dataset.lookup_user("U1").unwrap();
    let reviews: Vec<_> = dataset
        .interactions_of(user)
        .map(|i| i.review.cloned())
        .collect();
    assert_eq!(reviews[0], None, "an empty review is no review");
    assert_eq!(reviews[1].as_ref().unwrap().text, "Nice game");
}

#[test]
fn amazon_2023_bad_lines_name_the_field() {
    let valid =
        r#"{"rating": 4.0, "parent_asin": "P1", "user_id": "U1", "timestamp": 1600000000123}"#;
    let cases = [
        (
            r#"{"rating": 4.0, "parent_asin": "P1", "timestamp": 1600000000123}"#,
            "user_id",
        ),
        (
            r#"{"rating": "four", "parent_asin": "P1", "user_id": "U1", "timestamp": 1}"#,
            "rating",
        ),
        (
            r#"{"rating": 4.0, "parent_asin": "P1", "user_id": "U1", "timestamp": "soon"}"#,
            "timestamp",
        ),
        (
            r#"{"rating": NaN, "parent_asin": "P1", "user_id": "U1", "timestamp": 1}"#,
            "(json)",
        ),
        (
            r#"{"rating": 4.0, "parent_asin": "P1", "user_id": "U1""#,
            "(json)",
        ),
    ];
    for (line, field) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "reviews.jsonl", &format!("{valid}\n{line}\n"));
        let error = load_amazon2023(dir.path(), &LoadOptions::default()).unwrap_err();
        assert_parse_error(&error, "reviews.jsonl", 2, field);
    }

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "reviews.jsonl", &format!("{valid}\n"));
    write(
        dir.path(),
        "meta.jsonl",
        &format!("{META_2023}{}", META_2023.lines().next().unwrap()),
    );
    let error = load_amazon2023(dir.path(), &LoadOptions::default()).unwrap_err();
    let message = assert_parse_error(&error, "meta.jsonl", 3, "parent_asin");
    assert!(message.contains("listed twice"), "{message}");

    write(
        dir.path(),
        "meta.jsonl",
        &META_2023.replace("19.99", "\"call us\""),
    );
    let error = load_amazon2023(dir.path(), &LoadOptions::default()).unwrap_err();
    assert_parse_error(&error, "meta.jsonl", 1, "price");
}

#[test]
fn a_truncated_gzip_is_an_error_at_the_line_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..2000)
        .map(|i| {
            format!(
                r#"{{"rating": 5.0, "parent_asin": "P{i}", "user_id": "U{}", "timestamp": {}}}"#,
                i % 7,
                1_600_000_000_000u64 + i
            ) + "\n"
        })
        .collect();
    let compressed = gzip(&lines);
    write_bytes(
        dir.path(),
        "reviews.jsonl.gz",
        &compressed[..compressed.len() / 2],
    );
    for options in [LoadOptions::default(), LoadOptions::skipping_bad_lines()] {
        let error = load_amazon2023(dir.path(), &options).unwrap_err();
        match &error {
            DataError::Read { path, line, .. } => {
                assert!(path.ends_with("reviews.jsonl.gz"));
                assert!(*line > 1 && *line <= 2000, "line {line}");
            }
            other => panic!("expected a read error, got {other:?}"),
        }
        assert!(error.to_string().contains("truncated"), "{error}");
    }
}

#[test]
fn amazon_2023_skip_mode_counts_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let reviews = format!("{REVIEWS_2023}not json\n{{\"rating\": 3}}\n");
    write(dir.path(), "reviews.jsonl", &reviews);
    let (dataset, report) =
        load_amazon2023(dir.path(), &LoadOptions::skipping_bad_lines()).unwrap();
    assert_eq!(dataset.num_interactions(), 2);
    assert_eq!((report.lines_read, report.skipped), (4, 2));
    assert_parse_error(&report.errors[1], "reviews.jsonl", 4, "user_id");
}

const META_2018: &str = r#"{"asin": "0000031852", "title": "Girls Ballet Tutu Zebra Hot Pink", "brand": "Coxlures", "category": ["Clothing, Shoes & Jewelry", "Girls"], "price": "$3.17", "description": ["Great tutu."], "feature": ["Elastic waist"]}
{"asin": "0000031853", "title": "Tutu Deluxe", "brand": "", "category": [], "price": "", "description": []}
"#;
const REVIEWS_2018: &str = r#"{"overall": 5.0, "verified": true, "reviewTime": "02 12, 2014", "reviewerID": "A1", "asin": "0000031852", "reviewerName": "Ann", "reviewText": "Love it", "summary": "Five Stars", "unixReviewTime": 1392163200}
{"overall": 2.0, "reviewerID": "A1", "asin": "0000031853", "summary": "Meh", "unixReviewTime": 1392000000}
"#;

#[test]
fn amazon_2018_pairs_category_files_and_parses_dollar_prices() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "meta_Clothing.json", META_2018);
    write_bytes(dir.path(), "Clothing_5.json.gz", &gzip(REVIEWS_2018));
    let (dataset, report) = load_amazon2018(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(
        dataset.name,
        dir.path().file_name().unwrap().to_str().unwrap()
    );
    assert_eq!(report.lines_read, 4);
    let catalog = &dataset.catalog;
    let tutu = catalog.lookup("0000031852").unwrap();
    let content = catalog.get(tutu).unwrap();
    assert_eq!(content.brand.as_deref(), Some("Coxlures"));
    assert_eq!(content.numeric, [Some(3.17)]);
    assert_eq!(
        content.description.as_deref(),
        Some("Great tutu.\nElastic waist")
    );
    assert_eq!(
        catalog.category_names(tutu),
        ["Clothing, Shoes & Jewelry", "Girls"]
    );
    let deluxe = catalog.get(catalog.lookup("0000031853").unwrap()).unwrap();
    assert_eq!(
        (deluxe.brand.as_deref(), deluxe.numeric.as_slice()),
        (None, &[None][..])
    );
    let user = dataset.lookup_user("A1").unwrap();
    let summaries: Vec<_> = dataset
        .interactions_of(user)
        .map(|i| (i.timestamp, i.review.unwrap().title.clone()))
        .collect();
    assert_eq!(
        summaries,
        [
            (1_392_000_000, "Meh".to_owned()),
            (1_392_163_200, "Five Stars".to_owned())
        ]
    );

    let (by_file, _) = load_amazon2018(
        &dir.path().join("Clothing_5.json.gz"),
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(by_file.name, "Clothing_5");
    assert_eq!(
        by_file.catalog, dataset.catalog,
        "the meta file is found from the reviews file"
    );
}

#[test]
fn amazon_2018_bad_lines_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "meta_Toys.json",
        &META_2018.replace("$3.17", "$lots"),
    );
    write(dir.path(), "Toys.json", REVIEWS_2018);
    let error = load_amazon2018(dir.path(), &LoadOptions::default()).unwrap_err();
    assert_parse_error(&error, "meta_Toys.json", 1, "price");

    write(dir.path(), "meta_Toys.json", META_2018);
    write(
        dir.path(),
        "Toys.json",
        &REVIEWS_2018.replace("\"overall\": 2.0, ", ""),
    );
    let error = load_amazon2018(dir.path(), &LoadOptions::default()).unwrap_err();
    assert_parse_error(&error, "Toys.json", 2, "overall");

    write(dir.path(), "Games.json", REVIEWS_2018);
    let error = load_amazon2018(dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(&error, DataError::Schema { message, .. } if message.contains("exactly one reviews file")),
        "{error}"
    );
}
