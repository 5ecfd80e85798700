//! Small validation helpers shared by the configs and inputs of this crate.

use crate::{ModelError, Result};

/// Errors unless every `(field, value)` is positive.
pub(crate) fn positive(fields: &[(&'static str, usize)]) -> Result<()> {
    match fields.iter().find(|(_, value)| *value == 0) {
        Some((field, _)) => Err(ModelError::InvalidConfig {
            field,
            message: "must be positive".into(),
        }),
        None => Ok(()),
    }
}

/// Errors unless `value` is a dropout probability in `[0, 1)`.
pub(crate) fn dropout(field: &'static str, value: f64) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(ModelError::InvalidConfig {
            field,
            message: format!("{value} is outside [0, 1)"),
        })
    }
}

/// Errors unless `value` is finite and strictly positive.
pub(crate) fn positive_real(field: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidConfig {
            field,
            message: format!("{value} is not a finite positive number"),
        })
    }
}

/// Errors unless the tensor `name` has the `expected` shape.
pub(crate) fn shape<const D: usize>(
    name: &'static str,
    actual: [usize; D],
    expected: [usize; D],
) -> Result<()> {
    if actual == expected {
        Ok(())
    } else {
        Err(ModelError::InvalidInput {
            name,
            message: format!("shape {actual:?}, expected {expected:?}"),
        })
    }
}
