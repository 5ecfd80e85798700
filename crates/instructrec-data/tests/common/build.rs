//! Small hand-made datasets.

use instructrec_data::{Dataset, DatasetBuilder, Interaction};

/// A dataset from `(user, item, rating, timestamp)` rows.
pub fn dataset(rows: &[(&str, &str, f32, i64)]) -> Dataset {
    let mut builder = DatasetBuilder::new("hand-made");
    for &(user, item, rating, timestamp) in rows {
        let interaction = Interaction {
            user: builder.user(user),
            item: builder.item(item),
            rating,
            timestamp,
            review: None,
        };
        builder.push(interaction);
    }
    builder.build()
}

/// A dataset from per-user item lists (ids as numbers), timestamps in list order.
pub fn sequences(users: &[Vec<u32>]) -> Dataset {
    let mut builder = DatasetBuilder::new("sequences");
    let mut time = 0;
    for (user, items) in users.iter().enumerate() {
        let user = builder.user(&format!("u{user}"));
        for item in items {
            time += 1;
            let item = builder.item(&format!("i{item}"));
            builder.push(Interaction {
                user,
                item,
                rating: 1.0,
                timestamp: time,
                review: None,
            });
        }
    }
    builder.build()
}

/// The raw item ids of a user's sequence.
pub fn raw_sequence<'d>(dataset: &'d Dataset, user: &str) -> Vec<&'d str> {
    let user = dataset.lookup_user(user).unwrap();
    dataset
        .sequence(user)
        .iter()
        .map(|&i| dataset.catalog.raw_id(i).unwrap())
        .collect()
}
