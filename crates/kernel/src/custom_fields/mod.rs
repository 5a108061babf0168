//! Custom fields (ADR 0034): fields an organization's admins define on
//! contacts, companies and deals. A definition says the field's key, type
//! and options; a record carries its values as `key → JSON value`, checked
//! against the definitions on every write (`values`), and lists filter and
//! sort on them (`filter`).

mod definition;
mod filter;
mod ports;
mod values;
#[cfg(test)]
mod values_tests;

pub use definition::{
    CustomEntity, FieldDefinition, FieldDraft, FieldInput, FieldPatch, FieldType, OptionInput, SelectOption,
    ValueColumn, custom_field_key, is_field_key,
};
pub use filter::{CustomCondition, CustomQuery, CustomSort, FilterOp, SORT_FIELD};
pub use ports::{
    CustomFieldRepository, CustomFieldService, FieldDefinitions, NoCustomFields, checked_values, resolve_query,
    with_values,
};
pub use values::{CustomValues, index_value, validate_values};
