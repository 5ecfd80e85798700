mod common;

use std::str::FromStr;

use common::write;
use instructrec_data::{load, DataError, Format, LoadOptions};

#[test]
fn formats_round_trip_through_their_names() {
    for format in Format::ALL {
        assert_eq!(Format::from_str(&format.to_string()).unwrap(), format);
    }
    assert_eq!("SASRec".parse::<Format>().unwrap(), Format::SasRec);
    let error = "parquet".parse::<Format>().unwrap_err();
    assert!(matches!(
        error,
        DataError::InvalidParameter { name: "format", .. }
    ));
    assert!(error.to_string().contains("amazon2018"), "{error}");
}

#[test]
fn load_dispatches_to_the_named_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "pairs.txt", "1 10\n1 11\n2 10\n");
    let (dataset, _) = load(Format::SasRec, &path, &LoadOptions::default()).unwrap();
    assert_eq!((dataset.num_users(), dataset.num_items()), (2, 2));
    // The same file is no CSV with user_id/item_id columns.
    let error = load(Format::Csv, &path, &LoadOptions::default()).unwrap_err();
    assert!(matches!(error, DataError::Schema { .. }), "{error}");
}
