//! Fixture rows for the SCIM tables (ADR 0036).

use crate::User;
use reqwest::Method;
use serde_json::json;

/// Issues the organization's SCIM token and provisions a person into a
/// role group: fills `scim_tokens`, `scim_users`, `scim_groups` and
/// `scim_group_members` (and a membership for the person).
pub async fn fill_scim_tables(admin: &mut User, tag: &str) {
    let issued = admin.post("/api/scim/token", &json!({})).await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let bearer = format!("Bearer {}", issued.json["token"].as_str().unwrap());
    let headers = [("authorization", bearer.as_str())];
    let person = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                        "userName": format!("scim-{tag}@directory.test"), "name": {"givenName": "Dir", "familyName": tag}});
    let user = admin
        .send(Method::POST, "/scim/v2/Users", Some(&person), &headers)
        .await;
    assert_eq!(user.status, 201, "{}", user.body);
    let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Managers",
                       "members": [{"value": user.json["id"]}]});
    let group = admin
        .send(Method::POST, "/scim/v2/Groups", Some(&group), &headers)
        .await;
    assert_eq!(group.status, 201, "{}", group.body);
}
