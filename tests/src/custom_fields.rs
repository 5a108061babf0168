//! Fixture rows for the custom field tables.

use crate::User;
use serde_json::json;

/// Defines a company field and gives a company a value of it: fills
/// `custom_fields` and `custom_field_values`.
pub async fn fill_custom_field_tables(user: &mut User, tag: &str) {
    let field = user
        .post(
            "/api/custom-fields",
            &json!({"entity": "company", "key": "tier", "label": "Tier", "type": "text"}),
        )
        .await;
    assert_eq!(field.status, 201, "{}", field.body);
    let company = user
        .post(
            "/api/companies",
            &json!({"name": format!("Tiered {tag}"), "custom_fields": {"tier": "gold"}}),
        )
        .await;
    assert_eq!(company.status, 201, "{}", company.body);
}
