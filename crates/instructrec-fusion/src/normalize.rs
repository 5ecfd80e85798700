//! Normalization of numeric item attributes, with statistics kept for items added later.

use instructrec_data::Catalog;
use serde::{Deserialize, Serialize};

use crate::error::{ensure, FusionError, Result};

/// How numeric attributes are scaled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum NumericNormalization {
    /// `(x - mean) / std`.
    #[default]
    ZScore,
    /// `(x - median) / (IQR / 1.349)`: insensitive to outliers (prices, counts). The IQR is
    /// scaled so that it estimates the standard deviation of normal data.
    Robust,
}

/// Centre and scale of one numeric field: `normalized = (x - center) / scale`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FieldStats {
    /// Mean or median of the field's known values (0 when none is known).
    pub center: f32,
    /// Standard deviation or scaled IQR (1 when the field is constant or unknown).
    pub scale: f32,
}

/// Per-field statistics fitted on a catalog, applied to every item (including items added later,
/// so they share the training items' scale).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericNormalizer {
    method: NumericNormalization,
    clip: Option<f32>,
    fields: Vec<FieldStats>,
}

impl NumericNormalizer {
    /// Fits one [`FieldStats`] per field of [`Catalog::numeric_fields`] on the known values.
    ///
    /// `clip` bounds normalized values to `[-clip, clip]` (`None`: unbounded). NaN or infinite
    /// values in the catalog are an error, as is a non-positive `clip`.
    pub fn fit(catalog: &Catalog, method: NumericNormalization, clip: Option<f32>) -> Result<Self> {
        if let Some(clip) = clip {
            ensure(clip.is_finite() && clip > 0.0, "numeric_clip", || {
                format!("{clip} is not a positive finite bound")
            })?;
        }
        let num_fields = catalog.numeric_fields.len();
        let mut columns: Vec<Vec<f64>> = vec![Vec::new(); num_fields];
        for (idx, item) in catalog.items().iter().enumerate() {
            for (field, value) in item.numeric.iter().enumerate() {
                let Some(value) = *value else { continue };
                let Some(column) = columns.get_mut(field) else {
                    return Err(FusionError::Length {
                        what: format!("numeric values of item {idx}"),
                        expected: num_fields,
                        found: item.numeric.len(),
                    });
                };
                check_finite(catalog, idx, field, value)?;
                column.push(f64::from(value));
            }
        }
        let fields = columns
            .into_iter()
            .map(|column| match method {
                NumericNormalization::ZScore => zscore_stats(&column),
                NumericNormalization::Robust => robust_stats(column),
            })
            .collect();
        Ok(Self {
            method,
            clip,
            fields,
        })
    }

    /// The method the statistics were fitted with.
    pub fn method(&self) -> NumericNormalization {
        self.method
    }

    /// The statistics, one per numeric field.
    pub fn fields(&self) -> &[FieldStats] {
        &self.fields
    }

    /// Normalizes `value` of field `field` (and clips it).
    pub fn normalize(&self, field: usize, value: f32) -> Result<f32> {
        let stats = self.fields.get(field).ok_or_else(|| {
            FusionError::Incompatible(format!(
                "numeric field {field} is not one of the {} fitted fields",
                self.fields.len()
            ))
        })?;
        if !value.is_finite() {
            return Err(FusionError::NonFinite {
                what: format!("numeric field {field}"),
                value,
            });
        }
        let z = (value - stats.center) / stats.scale;
        Ok(match self.clip {
            Some(clip) => z.clamp(-clip, clip),
            None => z,
        })
    }
}

/// Rejects NaN / infinite catalog values with the item and the field's name.
pub(crate) fn check_finite(catalog: &Catalog, item: usize, field: usize, value: f32) -> Result<()> {
    if value.is_finite() {
        return Ok(());
    }
    let name = catalog
        .numeric_fields
        .get(field)
        .map_or("?", String::as_str);
    Err(FusionError::NonFinite {
        what: format!("item {item}, numeric field `{name}`"),
        value,
    })
}

fn stats(center: f64, scale: f64) -> FieldStats {
    let scale = if scale.is_finite() && scale > f64::EPSILON {
        scale
    } else {
        1.0
    };
    FieldStats {
        center: center as f32,
        scale: scale as f32,
    }
}

fn zscore_stats(values: &[f64]) -> FieldStats {
    if values.is_empty() {
        return stats(0.0, 1.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    stats(mean, var.sqrt())
}

fn robust_stats(mut values: Vec<f64>) -> FieldStats {
    if values.is_empty() {
        return stats(0.0, 1.0);
    }
    values.sort_by(f64::total_cmp);
    let iqr = quantile(&values, 0.75) - quantile(&values, 0.25);
    let scale = if iqr > f64::EPSILON {
        iqr / 1.349
    } else {
        // Over half the values are equal: fall back to the standard deviation.
        zscore_stats(&values).scale as f64
    };
    stats(quantile(&values, 0.5), scale)
}

/// Linear-interpolated quantile of sorted, non-empty values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn catalog(values: &[Option<f32>]) -> Catalog {
        let mut catalog = Catalog::new();
        let field = catalog.numeric_field("price");
        for (i, value) in values.iter().enumerate() {
            let idx = catalog.intern(&format!("i{i}"));
            catalog.get_mut(idx).unwrap().numeric[field] = *value;
        }
        catalog
    }

    #[test]
    fn zscore_uses_known_values_only() {
        let c = catalog(&[Some(1.0), None, Some(3.0)]);
        let n = NumericNormalizer::fit(&c, NumericNormalization::ZScore, None).unwrap();
        assert_relative_eq!(n.fields()[0].center, 2.0);
        assert_relative_eq!(n.fields()[0].scale, 1.0);
        assert_relative_eq!(n.normalize(0, 3.0).unwrap(), 1.0);
    }

    #[test]
    fn robust_ignores_an_outlier_and_clips() {
        let c = catalog(&[Some(1.0), Some(2.0), Some(3.0), Some(4.0), Some(1000.0)]);
        let n = NumericNormalizer::fit(&c, NumericNormalization::Robust, Some(5.0)).unwrap();
        assert_relative_eq!(n.fields()[0].center, 3.0);
        assert_relative_eq!(n.fields()[0].scale, 2.0 / 1.349, max_relative = 1e-6);
        assert_relative_eq!(n.normalize(0, 1000.0).unwrap(), 5.0);
    }

    #[test]
    fn constant_or_empty_fields_get_unit_scale() {
        let c = catalog(&[Some(7.0), Some(7.0)]);
        let n = NumericNormalizer::fit(&c, NumericNormalization::Robust, None).unwrap();
        assert_eq!(
            n.fields()[0],
            FieldStats {
                center: 7.0,
                scale: 1.0
            }
        );
        let c = catalog(&[None, None]);
        let n = NumericNormalizer::fit(&c, NumericNormalization::ZScore, None).unwrap();
        assert_eq!(
            n.fields()[0],
            FieldStats {
                center: 0.0,
                scale: 1.0
            }
        );
    }

    #[test]
    fn nan_and_bad_clip_are_errors() {
        let c = catalog(&[Some(1.0), Some(f32::NAN)]);
        let err = NumericNormalizer::fit(&c, NumericNormalization::ZScore, None).unwrap_err();
        assert!(matches!(err, FusionError::NonFinite { .. }), "{err}");
        assert!(err.to_string().contains("item 1"), "{err}");
        assert!(err.to_string().contains("price"), "{err}");
        let c = catalog(&[Some(1.0)]);
        assert!(NumericNormalizer::fit(&c, NumericNormalization::ZScore, Some(0.0)).is_err());
        let n = NumericNormalizer::fit(&c, NumericNormalization::ZScore, None).unwrap();
        assert!(n.normalize(0, f32::INFINITY).is_err());
        assert!(n.normalize(1, 0.0).is_err());
    }
}
