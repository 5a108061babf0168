//! A custom field's definition and the rules for writing one.

use crate::{Currency, ValidationErrors, required_text};
use uuid::Uuid;

/// The kinds of record that take custom fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CustomEntity {
    Contact,
    Company,
    Deal,
}

impl CustomEntity {
    pub const ALL: [CustomEntity; 3] = [CustomEntity::Contact, CustomEntity::Company, CustomEntity::Deal];

    pub fn as_str(self) -> &'static str {
        match self {
            CustomEntity::Contact => "contact",
            CustomEntity::Company => "company",
            CustomEntity::Deal => "deal",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == raw)
            .ok_or_else(|| "must be one of contact, company, deal".to_owned())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    Text,
    LongText,
    Number,
    Currency,
    Date,
    Boolean,
    SingleSelect,
    MultiSelect,
}

/// Where a value of a type is indexed in `custom_field_values`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueColumn {
    Num,
    Day,
    Txt,
}

impl ValueColumn {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueColumn::Num => "num",
            ValueColumn::Day => "day",
            ValueColumn::Txt => "txt",
        }
    }
}

impl FieldType {
    pub const ALL: [FieldType; 8] = [
        FieldType::Text,
        FieldType::LongText,
        FieldType::Number,
        FieldType::Currency,
        FieldType::Date,
        FieldType::Boolean,
        FieldType::SingleSelect,
        FieldType::MultiSelect,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::LongText => "long_text",
            FieldType::Number => "number",
            FieldType::Currency => "currency",
            FieldType::Date => "date",
            FieldType::Boolean => "boolean",
            FieldType::SingleSelect => "single_select",
            FieldType::MultiSelect => "multi_select",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw).ok_or_else(|| {
            let names: Vec<_> = Self::ALL.iter().map(|t| t.as_str()).collect();
            format!("must be one of {}", names.join(", "))
        })
    }

    pub fn has_options(self) -> bool {
        matches!(self, FieldType::SingleSelect | FieldType::MultiSelect)
    }

    /// The indexed column, or `None` for long text (kept, not filterable).
    pub fn column(self) -> Option<ValueColumn> {
        match self {
            FieldType::LongText => None,
            FieldType::Number | FieldType::Currency => Some(ValueColumn::Num),
            FieldType::Date => Some(ValueColumn::Day),
            _ => Some(ValueColumn::Txt),
        }
    }

    /// Whether `.gte` / `.lte` apply.
    pub fn ranged(self) -> bool {
        matches!(self, FieldType::Number | FieldType::Currency | FieldType::Date)
    }

    /// A list sorts by single-valued fields only.
    pub fn sortable(self) -> bool {
        !matches!(self, FieldType::LongText | FieldType::MultiSelect)
    }
}

/// One choice of a select field: values hold the key, people see the label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectOption {
    pub key: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDefinition {
    pub id: Uuid,
    pub entity: CustomEntity,
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub options: Vec<SelectOption>,
    pub currency: Option<Currency>,
    pub required: bool,
    pub position: i32,
}

impl FieldDefinition {
    pub fn option(&self, key: &str) -> Option<&SelectOption> {
        self.options.iter().find(|o| o.key == key)
    }
}

/// An option as written: an existing option keeps its `key` (and so its
/// values) whatever its new label; a new one gets a key from its label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionInput {
    pub key: Option<String>,
    pub label: String,
}

/// A new field, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldInput {
    pub entity: String,
    pub key: String,
    pub label: String,
    pub field_type: String,
    pub options: Vec<OptionInput>,
    pub currency: Option<String>,
    pub required: bool,
    pub position: Option<i32>,
}

/// What may change on a field: its key, type and entity stay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPatch {
    pub label: Option<String>,
    pub options: Option<Vec<OptionInput>>,
    pub required: Option<bool>,
    pub position: Option<i32>,
}

/// A validated definition, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDraft {
    pub entity: CustomEntity,
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub options: Vec<SelectOption>,
    pub currency: Option<Currency>,
    pub required: bool,
    /// `None`: after the kind's other fields.
    pub position: Option<i32>,
}

const MAX_OPTIONS: usize = 200;

/// A field key: a lower-case letter, then lower-case letters, digits or
/// `_`, at most 40 (the check constraint of `custom_fields.key`).
pub fn is_field_key(raw: &str) -> bool {
    raw.len() <= 40
        && raw.starts_with(|c: char| c.is_ascii_lowercase())
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `cf.<key>` (how lists, views, merges, imports and exports name a custom
/// field) → `key`, when the key is well formed. Whether the field exists
/// is for the definitions to say.
pub fn custom_field_key(name: &str) -> Option<&str> {
    name.strip_prefix("cf.").filter(|key| is_field_key(key))
}

fn valid_key(raw: &str) -> Result<String, String> {
    if is_field_key(raw) {
        Ok(raw.to_owned())
    } else {
        Err("must be 1 to 40 characters: a lower-case letter, then lower-case letters, digits or _".into())
    }
}

/// `"Very Large (EU)"` → `very_large_eu`.
fn slug(label: &str) -> String {
    let mut key = String::new();
    for c in label.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c);
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    let key = key.trim_end_matches('_').to_owned();
    match key.chars().next() {
        Some(c) if c.is_ascii_lowercase() => key.chars().take(40).collect(),
        _ => format!("o_{key}").chars().take(40).collect(),
    }
}

/// Checks a select field's options; keys of `existing` options are kept.
pub(crate) fn validate_options(
    errors: &mut ValidationErrors,
    field_type: FieldType,
    options: &[OptionInput],
    existing: &[SelectOption],
) -> Vec<SelectOption> {
    if !field_type.has_options() {
        if !options.is_empty() {
            errors.add("options", "only single_select and multi_select fields have options");
        }
        return Vec::new();
    }
    if options.is_empty() || options.len() > MAX_OPTIONS {
        errors.add("options", format!("must have 1 to {MAX_OPTIONS} options"));
        return Vec::new();
    }
    let mut out: Vec<SelectOption> = Vec::new();
    for (i, option) in options.iter().enumerate() {
        let Some(label) = errors.check(&format!("options[{i}].label"), required_text(&option.label, 100)) else {
            continue;
        };
        let key = match &option.key {
            Some(key) if existing.iter().any(|o| &o.key == key) => key.clone(),
            Some(key) if existing.is_empty() => match errors.check(&format!("options[{i}].key"), valid_key(key)) {
                Some(key) => key,
                None => continue,
            },
            Some(_) => {
                errors.add(format!("options[{i}].key"), "is not an option of this field");
                continue;
            }
            None => slug(&label),
        };
        if out.iter().any(|o| o.key == key || o.label.eq_ignore_ascii_case(&label)) {
            errors.add(format!("options[{i}]"), "repeats another option");
            continue;
        }
        out.push(SelectOption { key, label });
    }
    out
}

impl FieldInput {
    pub fn validate(&self) -> Result<FieldDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let entity = errors.check("entity", CustomEntity::parse(&self.entity));
        let key = errors.check("key", valid_key(&self.key));
        let label = errors.check("label", required_text(&self.label, 100));
        let field_type = errors.check("type", FieldType::parse(&self.field_type));
        let options = field_type.map(|t| validate_options(&mut errors, t, &self.options, &[]));
        let currency = match (field_type, &self.currency) {
            (Some(FieldType::Currency), Some(raw)) => errors.check("currency", Currency::parse(raw)).map(Some),
            (Some(FieldType::Currency), None) => {
                errors.add("currency", "is required for a currency field");
                None
            }
            (_, Some(_)) => {
                errors.add("currency", "only currency fields have a currency");
                None
            }
            (_, None) => Some(None),
        };
        match (entity, key, label, field_type, options, currency) {
            (Some(entity), Some(key), Some(label), Some(field_type), Some(options), Some(currency))
                if errors.is_empty() =>
            {
                Ok(FieldDraft {
                    entity,
                    key,
                    label,
                    field_type,
                    options,
                    currency,
                    required: self.required,
                    position: self.position,
                })
            }
            _ => Err(errors),
        }
    }
}

impl FieldPatch {
    /// The definition after the change, and the option keys it removes
    /// (whose values go).
    pub fn apply(&self, current: &FieldDefinition) -> Result<(FieldDraft, Vec<String>), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let label = match &self.label {
            Some(raw) => errors.check("label", required_text(raw, 100)),
            None => Some(current.label.clone()),
        };
        let options = match &self.options {
            Some(options) => validate_options(&mut errors, current.field_type, options, &current.options),
            None => current.options.clone(),
        };
        let removed = current
            .options
            .iter()
            .filter(|o| !options.iter().any(|n| n.key == o.key))
            .map(|o| o.key.clone())
            .collect();
        match label {
            Some(label) if errors.is_empty() => Ok((
                FieldDraft {
                    entity: current.entity,
                    key: current.key.clone(),
                    label,
                    field_type: current.field_type,
                    options,
                    currency: current.currency,
                    required: self.required.unwrap_or(current.required),
                    position: Some(self.position.unwrap_or(current.position)),
                },
                removed,
            )),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_keys_come_from_labels() {
        assert_eq!(slug("Very Large (EU)"), "very_large_eu");
        assert_eq!(slug("2nd tier"), "o_2nd_tier");
    }

    #[test]
    fn a_select_needs_options_and_a_currency_field_a_currency() {
        let input = FieldInput {
            entity: "deal".into(),
            key: "Tier".into(),
            label: "".into(),
            field_type: "single_select".into(),
            ..Default::default()
        };
        let errors = input.validate().unwrap_err();
        let fields: Vec<_> = errors.fields().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["key", "label", "options"]);
        let input = FieldInput {
            entity: "deal".into(),
            key: "budget".into(),
            label: "Budget".into(),
            field_type: "currency".into(),
            ..Default::default()
        };
        assert_eq!(input.validate().unwrap_err().fields()[0].field, "currency");
    }

    #[test]
    fn renaming_an_option_keeps_its_key_and_a_missing_one_is_removed() {
        let current = FieldDefinition {
            id: Uuid::nil(),
            entity: CustomEntity::Company,
            key: "tier".into(),
            label: "Tier".into(),
            field_type: FieldType::SingleSelect,
            options: vec![
                SelectOption {
                    key: "gold".into(),
                    label: "Gold".into(),
                },
                SelectOption {
                    key: "silver".into(),
                    label: "Silver".into(),
                },
            ],
            currency: None,
            required: false,
            position: 0,
        };
        let patch = FieldPatch {
            options: Some(vec![
                OptionInput {
                    key: Some("gold".into()),
                    label: "Platinum".into(),
                },
                OptionInput {
                    key: None,
                    label: "Bronze".into(),
                },
            ]),
            ..Default::default()
        };
        let (draft, removed) = patch.apply(&current).unwrap();
        assert_eq!(
            draft.options[0],
            SelectOption {
                key: "gold".into(),
                label: "Platinum".into()
            }
        );
        assert_eq!(draft.options[1].key, "bronze");
        assert_eq!(removed, ["silver"]);
    }
}
