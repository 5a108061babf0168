use super::*;
use crate::{Cursor, Limit, PageRequest, Sort, ValidationErrors};
use serde_json::json;
use uuid::Uuid;

fn field(key: &str, field_type: FieldType, required: bool) -> FieldDefinition {
    FieldDefinition {
        id: Uuid::now_v7(),
        entity: CustomEntity::Contact,
        key: key.into(),
        label: key.into(),
        field_type,
        options: if field_type.has_options() {
            vec![
                SelectOption {
                    key: "gold".into(),
                    label: "Gold".into(),
                },
                SelectOption {
                    key: "silver".into(),
                    label: "Silver".into(),
                },
            ]
        } else {
            Vec::new()
        },
        currency: None,
        required,
        position: 0,
    }
}

fn defs() -> Vec<FieldDefinition> {
    vec![
        field("size", FieldType::Number, false),
        field("budget", FieldType::Currency, false),
        field("renewal", FieldType::Date, false),
        field("tier", FieldType::SingleSelect, true),
        field("tags", FieldType::MultiSelect, false),
        field("vip", FieldType::Boolean, false),
        field("notes", FieldType::LongText, false),
    ]
}

fn values(value: serde_json::Value) -> CustomValues {
    serde_json::from_value(value).unwrap()
}

fn error_fields(errors: ValidationErrors) -> Vec<String> {
    errors.fields().iter().map(|e| e.field.clone()).collect()
}

#[test]
fn values_are_normalized() {
    let given = values(json!({
        "size": 12.50, "budget": "1200.5", "renewal": "2027-01-31", "tier": "GOLD",
        "tags": ["silver", "Gold", "gold"], "vip": true, "notes": "line one\nline two"
    }));
    let stored = validate_values(&defs(), &CustomValues::new(), &given, true).unwrap();
    assert_eq!(
        serde_json::to_value(&stored).unwrap(),
        json!({
            "size": "12.5", "budget": "1200.50", "renewal": "2027-01-31", "tier": "gold",
            "tags": ["gold", "silver"], "vip": true, "notes": "line one\nline two"
        })
    );
}

#[test]
fn a_wrong_type_names_the_field() {
    let given = values(json!({"size": "twelve", "renewal": "31/01/2027", "tier": "bronze", "vip": "yes", "nope": 1}));
    let errors = validate_values(&defs(), &CustomValues::new(), &given, true).unwrap_err();
    assert_eq!(
        error_fields(errors),
        [
            "custom_fields.nope",
            "custom_fields.renewal",
            "custom_fields.size",
            "custom_fields.tier",
            "custom_fields.vip"
        ]
    );
}

#[test]
fn required_fields_are_needed_on_create_and_cannot_be_cleared() {
    let errors = validate_values(&defs(), &CustomValues::new(), &CustomValues::new(), true).unwrap_err();
    assert_eq!(error_fields(errors), ["custom_fields.tier"]);
    // An existing record without the value may still be changed otherwise.
    let changed = validate_values(&defs(), &CustomValues::new(), &values(json!({"size": 3})), false).unwrap();
    assert_eq!(changed.len(), 1);
    let current = values(json!({"tier": "gold"}));
    let errors = validate_values(&defs(), &current, &values(json!({"tier": null})), false).unwrap_err();
    assert_eq!(error_fields(errors), ["custom_fields.tier"]);
}

#[test]
fn a_change_merges_and_null_clears() {
    let current = values(json!({"tier": "gold", "size": "3", "gone": "x"}));
    let changed = validate_values(&defs(), &current, &values(json!({"size": null, "vip": false})), false).unwrap();
    assert_eq!(
        serde_json::to_value(&changed).unwrap(),
        json!({"tier": "gold", "vip": false})
    );
}

fn page() -> PageRequest {
    PageRequest {
        limit: Limit::DEFAULT,
        sort: Sort {
            field: SORT_FIELD,
            descending: false,
        },
        after: None,
    }
}

#[test]
fn filters_resolve_by_type() {
    let defs = defs();
    let mut query = CustomQuery {
        filters: vec![
            ("size.gte".into(), "10".into()),
            ("tier".into(), "gold,silver".into()),
            ("renewal.lte".into(), "2027-02-01".into()),
            ("size.lte".into(), "20".into()),
        ],
        sort_key: Some("size".into()),
        ..Default::default()
    };
    query.resolve(&defs, &page()).unwrap();
    // Both bounds of one field make one range.
    assert_eq!(query.conditions.len(), 3);
    assert_eq!(
        query.conditions[0].op,
        FilterOp::Range {
            min: Some("10".into()),
            max: Some("20".into())
        }
    );
    assert_eq!(
        query.conditions[1].op,
        FilterOp::AnyOf(vec!["gold".into(), "silver".into()])
    );
    assert_eq!(query.conditions[2].column, ValueColumn::Day);
    let sort = query.sort.unwrap();
    let cursor = sort.cursor_after(&values(json!({"size": "12.5"})), Uuid::nil());
    assert_eq!(CustomQuery::cursor_value(&cursor), Some("12.5"));
    let empty = sort.cursor_after(&CustomValues::new(), Uuid::nil());
    assert_eq!(CustomQuery::cursor_value(&empty), None);
}

#[test]
fn bad_filters_name_the_parameter() {
    let mut query = CustomQuery {
        filters: vec![
            ("tier.gte".into(), "gold".into()),
            ("size".into(), "big".into()),
            ("notes".into(), "x".into()),
            ("nope".into(), "1".into()),
        ],
        sort_key: Some("tags".into()),
        ..Default::default()
    };
    let mut page = page();
    page.after = Some(Cursor {
        value: "other\u{1f}=1".into(),
        id: Uuid::nil(),
    });
    let errors = query.resolve(&defs(), &page).unwrap_err();
    assert_eq!(
        error_fields(errors),
        ["cf.tier.gte", "cf.size", "cf.notes", "cf.nope", "sort"]
    );
}
