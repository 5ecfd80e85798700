//! The SASRec text format: one `user item` pair per line (whitespace-separated), each user's
//! lines in chronological order. There is no time column, so the line number serves as the
//! timestamp: it keeps each user's order and interleaves users as the file does.

use std::path::Path;

use super::options::{LoadOptions, LoadReport};
use super::source::LineReader;
use crate::{Dataset, DatasetBuilder, Interaction, Result};

/// Loads a SASRec `user item` file; interactions are implicit (rating 1.0).
pub fn load_sasrec(path: &Path, options: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    let name = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sasrec".to_owned());
    let mut builder = DatasetBuilder::new(name);
    let mut report = LoadReport::default();
    LineReader::open(path)?.for_each_line(options, &mut report, |line| {
        let [user, item] = line
            .at
            .columns(line.text.split_ascii_whitespace(), ["user", "item"])?;
        let interaction = Interaction {
            user: builder.user(user),
            item: builder.item(item),
            rating: 1.0,
            timestamp: line.at.line() as i64,
            review: None,
        };
        builder.push(interaction);
        Ok(())
    })?;
    Ok((builder.build(), report))
}
