//! Per-route facts of the OpenAPI document that the shared parameter structs
//! cannot carry: which `sort` values a list accepts (from the same constants
//! the handlers check), which shared filters a route fixes through its path
//! (and so refuses in the query), and a query value that is JSON.
//! Applied after the derive, so the document says exactly what the server
//! accepts; `refinements_cover_every_sorted_route` keeps the table complete.

use clearview_activities::ACTIVITY_SORTS;
use clearview_contacts::{COMPANY_SORTS, CONTACT_SORTS, ImportField};
use clearview_deals::DEAL_SORTS;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};

/// The sortable fields of each list route.
const SORTS: &[(&str, &[&str])] = &[
    ("/api/contacts", CONTACT_SORTS),
    ("/api/companies/{id}/contacts", CONTACT_SORTS),
    ("/api/companies", COMPANY_SORTS),
    ("/api/deals", DEAL_SORTS),
    ("/api/contacts/{id}/deals", DEAL_SORTS),
    ("/api/companies/{id}/deals", DEAL_SORTS),
    ("/api/activities", ACTIVITY_SORTS),
    ("/api/contacts/{id}/activities", ACTIVITY_SORTS),
    ("/api/companies/{id}/activities", ACTIVITY_SORTS),
    ("/api/deals/{id}/activities", ACTIVITY_SORTS),
];

/// The lists of records that take custom fields (ADR 0034): their `sort`
/// also takes `cf.<key>`, and they filter by `cf.<key>` parameters, whose
/// names depend on the organization's fields (so only described).
const CUSTOM_FIELD_LISTS: &[&str] = &[
    "/api/contacts",
    "/api/companies/{id}/contacts",
    "/api/companies",
    "/api/deals",
    "/api/contacts/{id}/deals",
    "/api/companies/{id}/deals",
];

/// A sort over `fields` or a custom field: one pattern, since an enum
/// cannot name keys an organization chooses.
fn sort_with_custom_fields(fields: &[&str]) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^-?({}|cf\\.[a-z][a-z0-9_]{{0,39}})$", fields.join("|"))))
        .into()
}

/// Shared filters a route does not take: its path fixes them, or the
/// records it lists have no such field. The handlers refuse them with 422.
const NOT_PARAMETERS: &[(&str, &[&str])] = &[
    ("/api/companies", &["company_id"]),
    ("/api/companies/{id}/contacts", &["company_id"]),
    ("/api/contacts/{id}/activities", &["contact_id"]),
    ("/api/companies/{id}/activities", &["company_id"]),
    ("/api/deals/{id}/activities", &["deal_id"]),
    ("/api/contacts/{id}/deals", &["contact_id"]),
    ("/api/companies/{id}/deals", &["company_id"]),
];

fn string_enum(values: Vec<String>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .into()
}

/// `created_at` and `-created_at` for each sortable field.
fn sort_values(fields: &[&str]) -> Vec<String> {
    fields
        .iter()
        .flat_map(|field| [field.to_string(), format!("-{field}")])
        .collect()
}

fn query_parameters(operation: &mut Operation) -> impl Iterator<Item = &mut Parameter> {
    operation
        .parameters
        .iter_mut()
        .flatten()
        .filter(|p| matches!(p.parameter_in, ParameterIn::Query))
}

/// A query value that is JSON text of `schema`.
fn json_parameter(parameter: &mut Parameter, schema: serde_json::Value) {
    parameter.schema = None;
    let content = serde_json::json!({"application/json": {"schema": schema}});
    parameter.extensions = Some(ExtensionsBuilder::new().add("content", content).build());
}

fn refine_operation(path: &str, operation: &mut Operation) {
    if let Some((_, excluded)) = NOT_PARAMETERS.iter().find(|(p, _)| *p == path)
        && let Some(parameters) = operation.parameters.as_mut()
    {
        parameters.retain(|p| !(matches!(p.parameter_in, ParameterIn::Query) && excluded.contains(&p.name.as_str())));
    }
    let sorts = SORTS.iter().find(|(p, _)| *p == path).map(|(_, s)| *s);
    for parameter in query_parameters(operation) {
        match parameter.name.as_str() {
            "sort" => match sorts {
                Some(fields) if CUSTOM_FIELD_LISTS.contains(&path) => {
                    parameter.schema = Some(sort_with_custom_fields(fields));
                    parameter.description = Some(format!(
                        "One of {}, or `cf.<key>` for a custom field; `-` prefix for descending. Filters by \
                         custom field: `cf.<key>=<value>` (any of a comma-separated list for selects), \
                         `cf.<key>.gte=` and `cf.<key>.lte=` (numbers, amounts, dates).",
                        fields.join(", ")
                    ));
                }
                Some(fields) => parameter.schema = Some(string_enum(sort_values(fields))),
                None => {}
            },
            // An opaque token the server issued; never empty.
            "cursor" => {
                parameter.schema = Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .into(),
                );
            }
            // Blank means no search.
            "q" => {
                parameter.schema = Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .max_length(Some(100))
                        .pattern(Some(r"^[^\x00-\x1F\x7F-\x9F]*$"))
                        .into(),
                );
            }
            // A JSON object, serialized into the query value: OpenAPI's
            // `content` form of a parameter, which utoipa's type lacks, so it
            // goes in as the extension `x-content`, renamed by `finish`.
            "metadata" => json_parameter(parameter, serde_json::json!({"type": "object"})),
            // CSV header → contact field, or `cf.<key>` for a custom field.
            "mapping" => {
                let fields: Vec<&str> = ImportField::ALL.iter().map(|f| f.as_str()).collect();
                json_parameter(
                    parameter,
                    serde_json::json!({"type": "object", "additionalProperties": {"type": "string",
                        "anyOf": [{"enum": fields}, {"pattern": "^cf\\.[a-z][a-z0-9_]{0,39}$"}]}}),
                );
            }
            _ => {}
        }
    }
}

/// The operations of one path, whichever methods it has.
pub fn operations_mut(item: &mut utoipa::openapi::path::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.patch.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Applies the table to every operation of the document.
pub fn refine(openapi: &mut OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        for operation in operations_mut(item) {
            refine_operation(path, operation);
        }
    }
}

/// Unless it is a task, an activity has no `due_at`, `remind_at` or `done`
/// (`if`/`else`, which generated TypeScript types leave alone).
fn only_tasks_are_due() -> serde_json::Map<String, serde_json::Value> {
    let rule = serde_json::json!({
        "if": {"required": ["kind"], "properties": {"kind": {"const": "task"}}},
        "else": {"properties": {"due_at": {"type": "null"}, "remind_at": {"type": "null"}, "done": {"type": "null"}}},
    });
    rule.as_object().cloned().unwrap_or_default()
}

/// Renames each parameter's `x-content` (see `metadata` above) to `content`,
/// and adds the body rules that span fields, which utoipa's schema types
/// cannot hold: only tasks have `due_at`, `remind_at` and `done`; a new pipeline has an
/// open stage; `is_default` can only be set to `true`.
pub fn finish(doc: &mut serde_json::Value) {
    use serde_json::json;
    // `pointer_mut`, not indexing: indexing a missing key would add it.
    if let Some(body) = doc
        .pointer_mut("/components/schemas/ActivityBody")
        .and_then(|b| b.as_object_mut())
    {
        body.extend(only_tasks_are_due());
    }
    if let Some(patch) = doc
        .pointer_mut("/components/schemas/ActivityPatch")
        .and_then(|b| b.as_object_mut())
    {
        patch.extend(only_tasks_are_due());
    }
    if let Some(stages) = doc
        .pointer_mut("/components/schemas/PipelineBody/properties/stages")
        .and_then(|s| s.as_object_mut())
    {
        stages.insert(
            "contains".into(),
            json!({"type": "object", "properties": {"kind": {"const": "open"}}, "required": ["kind"]}),
        );
        stages.insert("minItems".into(), json!(1));
        stages.insert("maxItems".into(), json!(50));
    }
    // An import needs at least its header row.
    if let Some(csv) = doc
        .pointer_mut("/paths/~1api~1contacts~1import/post/requestBody/content/text~1csv/schema")
        .and_then(|s| s.as_object_mut())
    {
        csv.insert("minLength".into(), json!(1));
    }
    if let Some(flag) = doc
        .pointer_mut("/components/schemas/PipelinePatch/properties/is_default")
        .and_then(|f| f.as_object_mut())
    {
        flag.insert("enum".into(), json!([true, null]));
    }
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
    {
        let parameters = operation.get_mut("parameters").and_then(|p| p.as_array_mut());
        for parameter in parameters.into_iter().flatten() {
            if let Some(object) = parameter.as_object_mut()
                && let Some(content) = object.remove("x-content")
            {
                object.insert("content".into(), content);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refinements_cover_every_sorted_route() {
        let doc = serde_json::to_value(<crate::openapi::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    if parameter["name"] == "sort" {
                        // An enum, or for lists with custom fields a pattern
                        // naming the same fields plus `cf.<key>`.
                        let refined = if CUSTOM_FIELD_LISTS.contains(&path.as_str()) {
                            parameter["schema"]["pattern"]
                                .as_str()
                                .is_some_and(|p| p.contains("created_at"))
                        } else {
                            parameter["schema"]["enum"].is_array()
                        };
                        assert!(
                            refined,
                            "{method} {path}: its sort values are not in openapi_refine::SORTS"
                        );
                    }
                }
            }
        }
        for (path, _) in SORTS.iter().chain(NOT_PARAMETERS) {
            assert!(doc["paths"][path].is_object(), "{path} in the table is not a route");
        }
        for path in CUSTOM_FIELD_LISTS {
            assert!(doc["paths"][path].is_object(), "{path} in the table is not a route");
        }
    }
}
