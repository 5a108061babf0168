//! Users and groups as SCIM JSON, both ways. Only published attributes are
//! read (others a provider sends are dropped, as Okta and Entra send
//! extras) and exactly what was stored is written back: a provider
//! compares what it reads with what it wrote, so nothing is derived.

use super::error::ScimFailure;
use chrono::SecondsFormat;
use clearview_tenancy::scim::{GroupAttributes, ScimEmail, ScimGroup, ScimName, ScimUser, UserAttributes};
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use uuid::Uuid;

/// Most members one group holds: each write re-decides its members'
/// memberships in one transaction, so the work per request stays bounded.
pub const MEMBERS_MAX: usize = 1000;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The value of `key` in `object`, matched case-insensitively (SCIM
/// attribute names are case-insensitive).
pub fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn text(object: &Map<String, Value>, key: &'static str) -> Result<Option<String>, ScimFailure> {
    match field(object, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ScimFailure::invalid(key, "must be a string")),
    }
}

/// A boolean, also as the strings `"True"` / `"false"` some providers send.
fn boolean(object: &Map<String, Value>, key: &'static str) -> Result<Option<bool>, ScimFailure> {
    match field(object, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(ScimFailure::invalid(key, "must be true or false")),
    }
}

fn object<'a>(value: &'a Value, attribute: &str) -> Result<&'a Map<String, Value>, ScimFailure> {
    value
        .as_object()
        .ok_or_else(|| ScimFailure::invalid(attribute, "must be an object"))
}

/// A list attribute: absent, one object, or an array of objects.
fn items(value: Option<&Value>) -> Vec<&Value> {
    match value {
        None => Vec::new(),
        Some(Value::Array(all)) => all.iter().collect(),
        Some(one) => vec![one],
    }
}

/// A user's writable attributes from a request body (POST, PUT, or a
/// PATCH's result).
pub fn user_from_json(body: &Value) -> Result<UserAttributes, ScimFailure> {
    let body = object(body, "body")?;
    let user_name = text(body, "userName")?.ok_or_else(|| ScimFailure::invalid("userName", "is required"))?;
    let name = match field(body, "name") {
        None => None,
        Some(name) => {
            let name = object(name, "name")?;
            Some(ScimName {
                formatted: text(name, "formatted")?,
                family_name: text(name, "familyName")?,
                given_name: text(name, "givenName")?,
            })
            .filter(|n| n != &ScimName::default())
        }
    };
    let emails = items(field(body, "emails"))
        .into_iter()
        .map(|email| {
            let email = object(email, "emails")?;
            Ok(ScimEmail {
                value: text(email, "value")?.ok_or_else(|| ScimFailure::invalid("emails", "value is required"))?,
                kind: text(email, "type")?,
                primary: boolean(email, "primary")?,
            })
        })
        .collect::<Result<_, ScimFailure>>()?;
    Ok(UserAttributes {
        user_name,
        external_id: text(body, "externalId")?,
        display_name: text(body, "displayName")?,
        name,
        emails,
        active: boolean(body, "active")?,
    })
}

/// A group's writable attributes; members are SCIM user ids.
pub fn group_from_json(body: &Value) -> Result<GroupAttributes, ScimFailure> {
    let body = object(body, "body")?;
    let display_name = text(body, "displayName")?.ok_or_else(|| ScimFailure::invalid("displayName", "is required"))?;
    let listed = items(field(body, "members"));
    if listed.len() > MEMBERS_MAX {
        return Err(ScimFailure::invalid("members", "at most 1000 members per group"));
    }
    let mut members: Vec<Uuid> = Vec::new();
    let mut seen = HashSet::new();
    for member in listed {
        let value = text(object(member, "members")?, "value")?
            .ok_or_else(|| ScimFailure::invalid("members", "value is required"))?;
        let id = Uuid::try_parse(&value)
            .map_err(|_| ScimFailure::invalid("members", format!("`{value}` is no user of this organization")))?;
        if seen.insert(id) {
            members.push(id);
        }
    }
    Ok(GroupAttributes {
        display_name,
        external_id: text(body, "externalId")?,
        members,
    })
}

fn meta(
    kind: &str,
    location: String,
    created: chrono::DateTime<chrono::Utc>,
    updated: chrono::DateTime<chrono::Utc>,
    version: i64,
) -> Value {
    json!({
        "resourceType": kind,
        "created": created.to_rfc3339_opts(SecondsFormat::Millis, true),
        "lastModified": updated.to_rfc3339_opts(SecondsFormat::Millis, true),
        "location": location,
        "version": format!("W/\"{version}\""),
    })
}

fn put_text(out: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value {
        out.insert(key.into(), json!(value));
    }
}

/// A user as SCIM JSON; `base` is the public `…/scim/v2`.
pub fn user_json(user: &ScimUser, base: &str) -> Value {
    let a = &user.attributes;
    let mut out = Map::new();
    out.insert("schemas".into(), json!([USER_SCHEMA]));
    out.insert("id".into(), json!(user.id));
    put_text(&mut out, "externalId", &a.external_id);
    out.insert("userName".into(), json!(a.user_name));
    if let Some(name) = &a.name {
        let mut parts = Map::new();
        put_text(&mut parts, "formatted", &name.formatted);
        put_text(&mut parts, "familyName", &name.family_name);
        put_text(&mut parts, "givenName", &name.given_name);
        out.insert("name".into(), Value::Object(parts));
    }
    put_text(&mut out, "displayName", &a.display_name);
    if let Some(active) = a.active {
        out.insert("active".into(), json!(active));
    }
    if !a.emails.is_empty() {
        let emails = a.emails.iter().map(|e| {
            let mut email = Map::new();
            email.insert("value".into(), json!(e.value));
            put_text(&mut email, "type", &e.kind);
            if let Some(primary) = e.primary {
                email.insert("primary".into(), json!(primary));
            }
            Value::Object(email)
        });
        out.insert("emails".into(), Value::Array(emails.collect()));
    }
    let location = format!("{base}/Users/{}", user.id);
    out.insert(
        "meta".into(),
        meta("User", location, user.created_at, user.updated_at, user.version),
    );
    Value::Object(out)
}

/// A group as SCIM JSON; members carry their `$ref` and type.
pub fn group_json(group: &ScimGroup, base: &str) -> Value {
    let a = &group.attributes;
    let mut out = Map::new();
    out.insert("schemas".into(), json!([GROUP_SCHEMA]));
    out.insert("id".into(), json!(group.id));
    put_text(&mut out, "externalId", &a.external_id);
    out.insert("displayName".into(), json!(a.display_name));
    if !a.members.is_empty() {
        let members = a
            .members
            .iter()
            .map(|id| json!({"value": id, "$ref": format!("{base}/Users/{id}"), "type": "User"}));
        out.insert("members".into(), Value::Array(members.collect()));
    }
    let location = format!("{base}/Groups/{}", group.id);
    out.insert(
        "meta".into(),
        meta("Group", location, group.created_at, group.updated_at, group.version),
    );
    Value::Object(out)
}
