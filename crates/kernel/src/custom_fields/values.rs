//! A record's custom values: checked against the definitions on every
//! write, normalized (numbers and amounts as exact decimal strings, dates
//! as `YYYY-MM-DD`, selects as option keys) and merged onto what the record
//! held.

use super::definition::{FieldDefinition, FieldType};
use crate::{Decimal, ValidationErrors, money_string, optional_text};
use chrono::NaiveDate;
use serde_json::Value;
use std::collections::BTreeMap;

/// `key → value`; a key absent means no value.
pub type CustomValues = BTreeMap<String, Value>;

const TEXT_MAX: usize = 255;
const LONG_TEXT_MAX: usize = 10_000;

fn field_name(key: &str) -> String {
    format!("custom_fields.{key}")
}

fn decimal(value: &Value) -> Result<Decimal, String> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return Err("must be a number".into()),
    };
    let parsed = text
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| "must be a number".to_owned())?;
    Ok(parsed.normalize())
}

/// Resolves a select choice given by key or (case-insensitively) label.
fn option_key(def: &FieldDefinition, raw: &Value) -> Result<String, String> {
    let Value::String(text) = raw else {
        return Err("must be one of the field's options".into());
    };
    def.options
        .iter()
        .find(|o| o.key == *text || o.label.eq_ignore_ascii_case(text.trim()))
        .map(|o| o.key.clone())
        .ok_or_else(|| {
            let keys: Vec<_> = def.options.iter().map(|o| o.key.as_str()).collect();
            format!("must be one of {}", keys.join(", "))
        })
}

/// Long text keeps its line breaks.
fn long_text(raw: &Value) -> Result<Option<Value>, String> {
    let Value::String(s) = raw else {
        return Err("must be text".into());
    };
    let text = s.trim();
    if text.chars().count() > LONG_TEXT_MAX {
        return Err(format!("must be at most {LONG_TEXT_MAX} characters"));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err("must not contain control characters".into());
    }
    Ok((!text.is_empty()).then(|| Value::String(text.to_owned())))
}

/// One value in its stored form; `Ok(None)` for an empty one (blank text,
/// no options), which means no value.
fn normalize(def: &FieldDefinition, raw: &Value) -> Result<Option<Value>, String> {
    let text = |max: usize| -> Result<Option<Value>, String> {
        match raw {
            Value::String(s) => Ok(optional_text(Some(s), max)?.map(Value::String)),
            _ => Err("must be text".into()),
        }
    };
    match def.field_type {
        FieldType::Text => text(TEXT_MAX),
        FieldType::LongText => long_text(raw),
        FieldType::Number => {
            let n = decimal(raw)?;
            Ok(Some(Value::String(n.to_string())))
        }
        FieldType::Currency => {
            let n = decimal(raw)?;
            if n.scale() > 2 {
                return Err("must have at most 2 decimal places".into());
            }
            Ok(Some(Value::String(money_string(n))))
        }
        FieldType::Date => match raw {
            Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(|d| Some(Value::String(d.format("%Y-%m-%d").to_string())))
                .map_err(|_| "must be a date (YYYY-MM-DD)".into()),
            _ => Err("must be a date (YYYY-MM-DD)".into()),
        },
        FieldType::Boolean => match raw {
            Value::Bool(b) => Ok(Some(Value::Bool(*b))),
            _ => Err("must be true or false".into()),
        },
        FieldType::SingleSelect => match raw {
            Value::String(s) if s.trim().is_empty() => Ok(None),
            _ => option_key(def, raw).map(|k| Some(Value::String(k))),
        },
        FieldType::MultiSelect => {
            let Value::Array(items) = raw else {
                return Err("must be a list of the field's options".into());
            };
            let mut chosen = Vec::new();
            for item in items {
                chosen.push(option_key(def, item)?);
            }
            // Kept in the field's option order, once each.
            let keys: Vec<Value> = def
                .options
                .iter()
                .filter(|o| chosen.contains(&o.key))
                .map(|o| Value::String(o.key.clone()))
                .collect();
            Ok((!keys.is_empty()).then_some(Value::Array(keys)))
        }
    }
}

/// Applies `changes` (a key set to a value sets it, to `null` clears it;
/// keys not named stay) to `current` and checks the result against the
/// definitions. `creating`: every required field must then have a value;
/// on a change a required value may not be cleared (records made before a
/// field became required may still lack it). Errors name
/// `custom_fields.<key>`.
pub fn validate_values(
    definitions: &[FieldDefinition],
    current: &CustomValues,
    changes: &CustomValues,
    creating: bool,
) -> Result<CustomValues, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut values = current.clone();
    // A key whose definition was deleted is not carried on.
    values.retain(|key, _| definitions.iter().any(|d| &d.key == key));
    for (key, raw) in changes {
        let Some(def) = definitions.iter().find(|d| &d.key == key) else {
            errors.add(field_name(key), "is not a custom field of this kind of record");
            continue;
        };
        let normalized = if raw.is_null() { Ok(None) } else { normalize(def, raw) };
        match normalized {
            Ok(Some(value)) => {
                values.insert(key.clone(), value);
            }
            Ok(None) if def.required => errors.add(field_name(key), "is required"),
            Ok(None) => {
                values.remove(key);
            }
            Err(message) => errors.add(field_name(key), message),
        }
    }
    if creating {
        for def in definitions.iter().filter(|d| d.required) {
            if !values.contains_key(&def.key) && !changes.contains_key(&def.key) {
                errors.add(field_name(&def.key), "is required");
            }
        }
    }
    errors.into_result().map(|()| values)
}

/// A stored value as `custom_field_values` indexes it (and a cursor holds
/// it): decimals and dates as written, other text in lower case, the first
/// 200 characters. `None` for long text and multi-selects.
pub fn index_value(def: &FieldDefinition, value: &Value) -> Option<String> {
    if !def.field_type.sortable() {
        return None;
    }
    match value {
        Value::String(s) if def.field_type.ranged() => Some(s.clone()),
        Value::String(s) => Some(s.chars().take(200).collect::<String>().to_lowercase()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
