//! PATCH (RFC 7644 §3.5.2) applied to a resource's JSON: the handler reads
//! the resource, applies the operations here, parses the result as it
//! would a PUT and stores it if nobody wrote meanwhile. Covers the forms
//! providers send: `attr`, `attr.sub`, `attr[sub eq "v"]`,
//! `attr[sub eq "v"].sub`, URN-prefixed paths, path-less values, and
//! capitalised ops (Entra).

use super::error::ScimFailure;
use super::wire::{GROUP_SCHEMA, USER_SCHEMA, field};
use serde_json::{Map, Value};

/// Every attribute name published, to spell a path as the resource does.
const NAMES: &[&str] = &[
    "userName",
    "externalId",
    "displayName",
    "name",
    "formatted",
    "familyName",
    "givenName",
    "active",
    "emails",
    "value",
    "type",
    "primary",
    "members",
    "$ref",
];
/// Attributes that hold a list: `add` appends to them.
const MULTI_VALUED: &[&str] = &["emails", "members"];

fn canonical(name: &str) -> String {
    NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_owned(), |n| (*n).to_owned())
}

/// A parsed path: the attribute, an optional `[sub eq value]` filter and an
/// optional sub-attribute.
#[derive(Debug, PartialEq)]
struct Path {
    attr: String,
    filter: Option<(String, Value)>,
    sub: Option<String>,
}

fn strip_schema(path: &str) -> &str {
    for schema in [USER_SCHEMA, GROUP_SCHEMA] {
        // `get`, not indexing: a multi-byte character may sit at the offset.
        let prefixed = path.get(..schema.len()).is_some_and(|p| p.eq_ignore_ascii_case(schema))
            && path.as_bytes().get(schema.len()) == Some(&b':');
        if let Some(rest) = path.get(schema.len() + 1..).filter(|rest| prefixed && !rest.is_empty()) {
            return rest;
        }
    }
    path
}

fn parse_filter(expr: &str) -> Result<(String, Value), ScimFailure> {
    let mut parts = expr.trim().splitn(3, ' ');
    let (Some(attr), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ScimFailure::path(format!("`{expr}` is no `attribute eq value` filter")));
    };
    if !op.eq_ignore_ascii_case("eq") {
        return Err(ScimFailure::path(format!(
            "only `eq` is supported in a path filter, not `{op}`"
        )));
    }
    let value: Value =
        serde_json::from_str(value.trim()).map_err(|_| ScimFailure::path(format!("`{value}` is no value")))?;
    Ok((canonical(attr), value))
}

fn parse_path(raw: &str) -> Result<Path, ScimFailure> {
    let path = strip_schema(raw.trim());
    if let Some((attr, rest)) = path.split_once('[') {
        let (expr, after) = rest
            .split_once(']')
            .ok_or_else(|| ScimFailure::path(format!("`{raw}` has an unclosed filter")))?;
        let sub = match after.strip_prefix('.') {
            Some(sub) => Some(canonical(sub)),
            None if after.is_empty() => None,
            None => return Err(ScimFailure::path(format!("`{raw}` is no attribute path"))),
        };
        return Ok(Path {
            attr: canonical(attr),
            filter: Some(parse_filter(expr)?),
            sub,
        });
    }
    let (attr, sub) = match path.split_once('.') {
        Some((attr, sub)) => (attr, Some(canonical(sub))),
        None => (path, None),
    };
    if attr.is_empty() {
        return Err(ScimFailure::path("the path is empty"));
    }
    Ok(Path {
        attr: canonical(attr),
        filter: None,
        sub,
    })
}

fn matches(element: &Value, (attr, wanted): &(String, Value)) -> bool {
    let Some(found) = element.as_object().and_then(|o| field(o, attr)) else {
        return false;
    };
    match (found, wanted) {
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Value::String(a), Value::Bool(b)) => a.eq_ignore_ascii_case(&b.to_string()),
        (a, b) => a == b,
    }
}

/// Sets or merges: objects merge key by key, anything else replaces.
fn merge(target: &mut Value, value: Value) {
    match (target.as_object_mut(), value) {
        (Some(target), Value::Object(value)) => {
            for (k, v) in value {
                target.insert(canonical(&k), v);
            }
        }
        (_, value) => *target = value,
    }
}

fn same_item(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn as_list(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        one => vec![one],
    }
}

/// Applies one operation to `resource`.
fn apply(
    resource: &mut Map<String, Value>,
    op: &str,
    path: Option<Path>,
    value: Option<Value>,
) -> Result<(), ScimFailure> {
    let Some(path) = path else {
        if op == "remove" {
            return Err(ScimFailure::new(
                actix_web::http::StatusCode::BAD_REQUEST,
                Some("noTarget"),
                "remove needs a path",
            ));
        }
        let Some(Value::Object(values)) = value else {
            return Err(ScimFailure::invalid("value", "a path-less operation takes an object"));
        };
        for (key, value) in values {
            apply(resource, op, Some(parse_path(&key)?), Some(value))?;
        }
        return Ok(());
    };
    let needs_value = || ScimFailure::invalid("value", format!("`{op}` needs a value"));
    match (path.filter, path.sub) {
        (None, None) => match op {
            "remove" => match (value, resource.get_mut(&path.attr)) {
                (Some(value), Some(Value::Array(items))) => {
                    let gone = as_list(value);
                    items.retain(|item| !gone.iter().any(|g| same_item(item, g)));
                }
                _ => {
                    resource.remove(&path.attr);
                }
            },
            "add" if MULTI_VALUED.contains(&path.attr.as_str()) => {
                let slot = resource.entry(path.attr).or_insert_with(|| Value::Array(Vec::new()));
                let items = slot
                    .as_array_mut()
                    .ok_or_else(|| ScimFailure::invalid("value", "is no list"))?;
                for item in as_list(value.ok_or_else(needs_value)?) {
                    if !items.iter().any(|i| same_item(i, &item)) {
                        items.push(item);
                    }
                }
            }
            _ => {
                let value = value.ok_or_else(needs_value)?;
                match resource.get_mut(&path.attr) {
                    Some(target) if target.is_object() => merge(target, value),
                    _ => {
                        resource.insert(path.attr, value);
                    }
                }
            }
        },
        (None, Some(sub)) => {
            let slot = resource.entry(path.attr).or_insert_with(|| Value::Object(Map::new()));
            let object = slot
                .as_object_mut()
                .ok_or_else(|| ScimFailure::path(format!("`{sub}` is set on no object")))?;
            match op {
                "remove" => {
                    object.remove(&sub);
                }
                _ => {
                    object.insert(sub, value.ok_or_else(needs_value)?);
                }
            }
        }
        (Some(filter), sub) => {
            let slot = resource
                .entry(path.attr.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            let items = slot
                .as_array_mut()
                .ok_or_else(|| ScimFailure::path("a filter applies to a list"))?;
            match (op, sub) {
                ("remove", None) => items.retain(|item| !matches(item, &filter)),
                ("remove", Some(sub)) => items
                    .iter_mut()
                    .filter(|item| matches(item, &filter))
                    .filter_map(Value::as_object_mut)
                    .for_each(|item| {
                        item.remove(&sub);
                    }),
                (_, sub) => {
                    let value = value.ok_or_else(needs_value)?;
                    let mut hit = false;
                    for item in items.iter_mut().filter(|item| matches(item, &filter)) {
                        hit = true;
                        match &sub {
                            Some(sub) => merge(item, Value::Object(Map::from_iter([(sub.clone(), value.clone())]))),
                            None => merge(item, value.clone()),
                        }
                    }
                    if !hit {
                        // No element yet: one that the filter would find.
                        let mut item = Map::from_iter([(filter.0, filter.1)]);
                        match (sub, value) {
                            (Some(sub), value) => {
                                item.insert(sub, value);
                            }
                            (None, Value::Object(fields)) => item.extend(fields),
                            (None, _) => return Err(ScimFailure::invalid("value", "must be an object")),
                        }
                        items.push(Value::Object(item));
                    }
                }
            }
            if items.is_empty() {
                resource.remove(&path.attr);
            }
        }
    }
    Ok(())
}

/// Applies a PatchOp request body to a resource's JSON.
pub fn apply_patch(resource: &mut Value, body: &Value) -> Result<(), ScimFailure> {
    let operations = body
        .as_object()
        .and_then(|b| field(b, "Operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| ScimFailure::syntax("a PATCH body needs an `Operations` list"))?;
    let resource = resource
        .as_object_mut()
        .ok_or_else(|| ScimFailure::syntax("the resource is no object"))?;
    for operation in operations {
        let operation = operation
            .as_object()
            .ok_or_else(|| ScimFailure::syntax("each operation is an object"))?;
        let op = field(operation, "op")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .filter(|op| matches!(op.as_str(), "add" | "replace" | "remove"))
            .ok_or_else(|| ScimFailure::syntax("`op` is add, replace or remove"))?;
        let path = match field(operation, "path") {
            None => None,
            Some(Value::String(path)) => Some(parse_path(path)?),
            Some(_) => return Err(ScimFailure::path("`path` must be a string")),
        };
        apply(resource, &op, path, field(operation, "value").cloned())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patched(mut resource: Value, operations: Value) -> Value {
        apply_patch(&mut resource, &json!({"Operations": operations})).unwrap();
        resource
    }

    #[test]
    fn paths_parse_with_schemas_filters_and_sub_attributes() {
        let path = parse_path("urn:ietf:params:scim:schemas:core:2.0:User:name.GivenName").unwrap();
        assert_eq!((path.attr.as_str(), path.sub.as_deref()), ("name", Some("givenName")));
        let path = parse_path(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(path.filter, Some(("type".into(), json!("work"))));
        assert!(parse_path(r#"emails[type co "w"]"#).is_err());
        // A multi-byte character where a schema prefix would end is no panic.
        let odd = format!("{}é{}", "a".repeat(41), "xx");
        assert_eq!(parse_path(&odd).unwrap().attr, odd);
    }

    #[test]
    fn top_level_operations_add_replace_and_remove() {
        let user = json!({"userName": "a", "active": true, "emails": [{"value": "a@x.io"}]});
        let out = patched(
            user,
            json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "add", "path": "emails", "value": [{"value": "b@x.io"}, {"value": "a@x.io"}]},
                {"op": "add", "path": "name", "value": {"givenName": "Ann"}},
                {"op": "remove", "path": "userName"}
            ]),
        );
        assert_eq!(
            out,
            json!({"active": "False", "emails": [{"value": "a@x.io"}, {"value": "b@x.io"}], "name": {"givenName": "Ann"}})
        );
    }

    #[test]
    fn path_less_values_and_filtered_paths() {
        let user = json!({"userName": "a", "emails": [{"value": "a@x.io", "type": "work"}]});
        let out = patched(
            user,
            json!([
                {"op": "replace", "value": {"active": false, "name.familyName": "Doe"}},
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w@x.io"},
                {"op": "add", "path": "emails[type eq \"home\"].value", "value": "h@x.io"}
            ]),
        );
        assert_eq!(out["active"], json!(false));
        assert_eq!(out["name"], json!({"familyName": "Doe"}));
        assert_eq!(
            out["emails"],
            json!([{"value": "w@x.io", "type": "work"}, {"type": "home", "value": "h@x.io"}])
        );
    }

    #[test]
    fn members_are_removed_by_filter_or_by_value_list() {
        let group = json!({"displayName": "g", "members": [{"value": "1"}, {"value": "2"}, {"value": "3"}]});
        let out = patched(
            group,
            json!([
                {"op": "remove", "path": "members[value eq \"1\"]"},
                {"op": "remove", "path": "members", "value": [{"value": "2"}]}
            ]),
        );
        assert_eq!(out["members"], json!([{"value": "3"}]));
        let out = patched(out, json!([{"op": "remove", "path": "members"}]));
        assert!(out.get("members").is_none());
    }
}
