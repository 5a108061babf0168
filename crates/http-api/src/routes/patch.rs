//! PATCH bodies tell three things apart: a field left out (keep), a field
//! set to `null` (clear), and a field set to a value (change).

use crate::problem::ApiError;
use serde::{Deserialize, Deserializer};

/// `#[serde(default, deserialize_with = "present")]` on an
/// `Option<Option<T>>`: `None` = absent, `Some(None)` = null.
pub fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Applies a change to a field that may be cleared.
pub fn set_optional<T>(target: &mut Option<T>, change: Option<Option<T>>) {
    if let Some(value) = change {
        *target = value;
    }
}

/// The new value of a required field, if the patch sets one; `null` is refused.
pub fn required_change<T>(change: Option<Option<T>>, field: &str) -> Result<Option<T>, ApiError> {
    match change {
        Some(None) => Err(ApiError::invalid_field(field, "must not be null")),
        other => Ok(other.flatten()),
    }
}
