//! Shared fixtures: a small catalog with every kind of content, a tokenizer, tensor helpers.

use burn::backend::Flex;
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;
use instructrec_data::Catalog;
use instructrec_fusion::{ItemFeatures, ItemFeaturesConfig};

pub type B = Flex;

/// Word-level hashing tokenizer (ids 1..=1000; 0 stays free for padding).
pub fn tokenize(text: &str) -> Vec<u32> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let hash = w.to_lowercase().bytes().fold(2166136261u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(16777619)
            });
            hash % 1000 + 1
        })
        .collect()
}

/// Six items:
/// 0 Heat (crime, thriller; year, price; vector), 1 Toy Story (animation; year), 2 Casino
/// (crime; description; vector), 3 nothing at all, 4 Alien (scifi, thriller; year, price;
/// vector), 5 Fargo (crime; price).
pub fn catalog() -> Catalog {
    let mut c = Catalog::new();
    let year = c.numeric_field("year");
    let price = c.numeric_field("price");
    let crime = c.categories.intern("crime");
    let thriller = c.categories.intern("thriller");
    let animation = c.categories.intern("animation");
    let scifi = c.categories.intern("scifi");
    let rows = [
        (
            "Heat",
            Some("Warner"),
            vec![crime, thriller],
            Some(1995.0),
            Some(9.99),
        ),
        ("Toy Story", None, vec![animation], Some(1995.0), None),
        ("Casino", None, vec![crime], None, None),
        ("", None, vec![], None, None),
        (
            "Alien",
            Some("Fox"),
            vec![scifi, thriller],
            Some(1979.0),
            Some(4.5),
        ),
        ("Fargo", None, vec![crime], None, Some(7.0)),
    ];
    for (i, (title, brand, categories, y, p)) in rows.into_iter().enumerate() {
        let idx = c.intern(&format!("item{i}"));
        let item = c.get_mut(idx).unwrap();
        item.title = (!title.is_empty()).then(|| title.to_owned());
        item.brand = brand.map(str::to_owned);
        item.categories = categories;
        item.numeric[year] = y;
        item.numeric[price] = p;
    }
    c.get_mut(2).unwrap().description =
        Some("Greed, deception, money, power, and murder in Las Vegas.".to_owned());
    for (item, v) in [
        (0, [1.0, 0.0, 0.5]),
        (2, [0.0, 1.0, -0.5]),
        (4, [0.3, 0.3, 0.3]),
    ] {
        c.set_vector(item, v.to_vec()).unwrap();
    }
    c
}

pub fn features() -> ItemFeatures {
    ItemFeatures::from_catalog(&catalog(), &ItemFeaturesConfig::new(), tokenize).unwrap()
}

pub fn device() -> burn::backend::flex::FlexDevice {
    Default::default()
}

pub fn to_vec<Bk: Backend, const D: usize>(t: Tensor<Bk, D>) -> Vec<f32> {
    t.into_data().to_vec::<f32>().unwrap()
}

pub fn assert_close(a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len(), "lengths differ");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * (1.0 + x.abs().max(y.abs())),
            "element {i}: {x} vs {y}"
        );
    }
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}
