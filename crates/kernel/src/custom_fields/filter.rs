//! Filtering and sorting a list by custom fields: `cf.<key>=<value>`
//! (equality; any of a comma-separated list for selects),
//! `cf.<key>.gte=` / `cf.<key>.lte=` (numbers, amounts and dates), and
//! `sort=cf.<key>` / `-cf.<key>`.

use super::definition::{FieldDefinition, FieldType, ValueColumn};
use super::values::{CustomValues, index_value};
use crate::{Cursor, Decimal, PageRequest, ValidationErrors};
use chrono::NaiveDate;
use uuid::Uuid;

/// The placeholder `Sort::field` of a custom-field sort; the field itself
/// is in `CustomQuery::sort`.
pub const SORT_FIELD: &str = "cf";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterOp {
    AnyOf(Vec<String>),
    /// `.gte` and `.lte` of one field, together: one range of the index,
    /// not two sets to intersect (each half of a narrow range can match
    /// most records).
    Range {
        min: Option<String>,
        max: Option<String>,
    },
}

/// A filter resolved against its definition, ready for the store: rows
/// of `custom_field_values` with this field and a matching value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomCondition {
    pub field_id: Uuid,
    pub column: ValueColumn,
    pub op: FilterOp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomSort {
    pub field: FieldDefinition,
    pub column: ValueColumn,
}

impl CustomSort {
    /// The cursor after a record with these values.
    pub fn cursor_after(&self, values: &CustomValues, id: Uuid) -> Cursor {
        let value = values
            .get(&self.field.key)
            .and_then(|v| index_value(&self.field, v))
            .map(|v| format!("={v}"))
            .unwrap_or_default();
        Cursor {
            value: format!("{}\u{1f}{value}", self.field.key),
            id,
        }
    }
}

/// The custom-field part of a list query: as given (`filters`, `sort_key`)
/// and, once `resolve`d against the definitions, as conditions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomQuery {
    /// `(parameter name without "cf.", value)`, e.g. `("size.gte", "10")`.
    pub filters: Vec<(String, String)>,
    pub sort_key: Option<String>,
    pub conditions: Vec<CustomCondition>,
    pub sort: Option<CustomSort>,
}

fn checked_value(def: &FieldDefinition, raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    match def.field_type {
        FieldType::Number | FieldType::Currency => raw
            .parse::<Decimal>()
            .map(|d| d.normalize().to_string())
            .map_err(|_| "must be a number".into()),
        FieldType::Date => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(|d| d.format("%Y-%m-%d").to_string())
            .map_err(|_| "must be a date (YYYY-MM-DD)".into()),
        FieldType::Boolean => match raw {
            "true" | "false" => Ok(raw.to_owned()),
            _ => Err("must be true or false".into()),
        },
        FieldType::SingleSelect | FieldType::MultiSelect => def
            .option(raw)
            .map(|o| o.key.clone())
            .ok_or_else(|| "is not an option of this field".into()),
        _ => Ok(raw.chars().take(200).collect::<String>().to_lowercase()),
    }
}

/// Sets one bound of the field's range condition, adding the condition if
/// the field has none yet.
fn bound(conditions: &mut Vec<CustomCondition>, field_id: Uuid, column: ValueColumn, lower: bool, value: String) {
    let existing = conditions
        .iter_mut()
        .find(|c| c.field_id == field_id && matches!(c.op, FilterOp::Range { .. }));
    let condition = match existing {
        Some(condition) => condition,
        None => {
            conditions.push(CustomCondition {
                field_id,
                column,
                op: FilterOp::Range { min: None, max: None },
            });
            conditions.last_mut().expect("just pushed")
        }
    };
    if let FilterOp::Range { min, max } = &mut condition.op {
        *(if lower { min } else { max }) = Some(value);
    }
}

impl CustomQuery {
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty() && self.sort_key.is_none()
    }

    /// Resolves filters and sort against the list's definitions; errors
    /// name the parameter (`cf.<key>`, `sort`, `cursor`).
    pub fn resolve(&mut self, definitions: &[FieldDefinition], page: &PageRequest) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut conditions = Vec::new();
        for (name, raw) in &self.filters {
            let param = format!("cf.{name}");
            let (key, op) = match name.rsplit_once('.') {
                Some((key, "gte")) => (key, "gte"),
                Some((key, "lte")) => (key, "lte"),
                _ => (name.as_str(), "eq"),
            };
            let Some(def) = definitions.iter().find(|d| d.key == key) else {
                errors.add(param, "is not a custom field of this list");
                continue;
            };
            let Some(column) = def.field_type.column() else {
                errors.add(param, "long text fields cannot be filtered");
                continue;
            };
            if op != "eq" && !def.field_type.ranged() {
                errors.add(param, "ranges apply to number, currency and date fields");
                continue;
            }
            if op != "eq" {
                if let Some(value) = errors.check(&param, checked_value(def, raw)) {
                    bound(&mut conditions, def.id, column, op == "gte", value);
                }
                continue;
            }
            let op = if def.field_type.has_options() {
                let keys: Result<Vec<_>, _> = raw.split(',').map(|v| checked_value(def, v)).collect();
                keys.map(FilterOp::AnyOf)
            } else {
                checked_value(def, raw).map(|v| FilterOp::AnyOf(vec![v]))
            };
            if let Some(op) = errors.check(&param, op) {
                conditions.push(CustomCondition {
                    field_id: def.id,
                    column,
                    op,
                });
            }
        }
        self.conditions = conditions;
        if let Some(key) = &self.sort_key {
            match definitions.iter().find(|d| &d.key == key) {
                Some(def) if def.field_type.sortable() => {
                    if let Some(after) = &page.after
                        && Self::cursor_key(after) != Some(key.as_str())
                    {
                        errors.add("cursor", "is not a valid cursor for this sort");
                    }
                    self.sort = def.field_type.column().map(|column| CustomSort {
                        field: def.clone(),
                        column,
                    });
                }
                Some(_) => errors.add("sort", "long text and multi-select fields cannot be sorted on"),
                None => errors.add("sort", "is not a custom field of this list"),
            }
        }
        errors.into_result()
    }

    fn cursor_key(cursor: &Cursor) -> Option<&str> {
        cursor.value.split_once('\u{1f}').map(|(key, _)| key)
    }

    /// The sort value a cursor holds: `None` for a record without one.
    pub fn cursor_value(cursor: &Cursor) -> Option<&str> {
        cursor
            .value
            .split_once('\u{1f}')
            .map(|(_, v)| v)
            .and_then(|v| v.strip_prefix('='))
    }
}
