//! The three discovery endpoints (RFC 7644 §4): what this server supports
//! and the exact schemas of its users and groups. Only attributes Clearview
//! stores and returns are published (`scim2-tester` checks each one).

use super::ScimTenant;
use super::error::{SCIM_JSON, ScimFailure};
use super::query::list_response;
use crate::state::HttpSettings;
use actix_web::HttpResponse;
use actix_web::web::{Data, Path};
use clearview_tenancy::scim::ScimPage;
use serde_json::{Value, json};
use std::sync::LazyLock;

static SERVICE_PROVIDER_CONFIG: LazyLock<Value> = LazyLock::new(|| parse(include_str!("ServiceProviderConfig.json")));
static SCHEMAS: LazyLock<Vec<Value>> = LazyLock::new(|| list(include_str!("Schemas.json")));
static RESOURCE_TYPES: LazyLock<Vec<Value>> = LazyLock::new(|| list(include_str!("ResourceTypes.json")));

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("the discovery documents are JSON")
}

fn list(text: &str) -> Vec<Value> {
    match parse(text) {
        Value::Array(items) => items,
        _ => panic!("the discovery lists are JSON arrays"),
    }
}

pub fn ok(body: &Value) -> HttpResponse {
    HttpResponse::Ok().content_type(SCIM_JSON).body(body.to_string())
}

fn located(document: &Value, kind: &str, location: String) -> Value {
    let mut document = document.clone();
    document["meta"] = json!({"resourceType": kind, "location": location});
    document
}

fn schema_json(schema: &Value, base: &str) -> Value {
    located(
        schema,
        "Schema",
        format!("{base}/Schemas/{}", schema["id"].as_str().unwrap_or_default()),
    )
}

fn resource_type_json(kind: &Value, base: &str) -> Value {
    located(
        kind,
        "ResourceType",
        format!("{base}/ResourceTypes/{}", kind["id"].as_str().unwrap_or_default()),
    )
}

fn whole(items: Vec<Value>) -> Value {
    let page = ScimPage {
        start_index: 1,
        count: items.len() as u64,
    };
    list_response(items.len() as u64, page, items)
}

#[utoipa::path(get, operation_id = "scim_service_provider_config", path = "/scim/v2/ServiceProviderConfig", tag = "scim", responses((status = 200, description = "The discovery document", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn service_provider_config(_: ScimTenant, settings: Data<HttpSettings>) -> HttpResponse {
    let base = super::base_url(&settings);
    ok(&located(
        &SERVICE_PROVIDER_CONFIG,
        "ServiceProviderConfig",
        format!("{base}/ServiceProviderConfig"),
    ))
}

#[utoipa::path(get, operation_id = "scim_schemas", path = "/scim/v2/Schemas", tag = "scim", responses((status = 200, description = "The discovery document", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn schemas(_: ScimTenant, settings: Data<HttpSettings>) -> HttpResponse {
    let base = super::base_url(&settings);
    ok(&whole(SCHEMAS.iter().map(|s| schema_json(s, &base)).collect()))
}

#[utoipa::path(get, operation_id = "scim_schema", path = "/scim/v2/Schemas/{id}", tag = "scim", params(("id" = String, Path, description = "The schema's URN")), responses((status = 200, description = "The discovery document", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 404, description = "No such resource in this organization (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn schema(
    _: ScimTenant,
    settings: Data<HttpSettings>,
    id: Path<String>,
) -> Result<HttpResponse, ScimFailure> {
    let base = super::base_url(&settings);
    let schema = SCHEMAS
        .iter()
        .find(|s| s["id"] == *id)
        .ok_or_else(ScimFailure::not_found)?;
    Ok(ok(&schema_json(schema, &base)))
}

#[utoipa::path(get, operation_id = "scim_resource_types", path = "/scim/v2/ResourceTypes", tag = "scim", responses((status = 200, description = "The discovery document", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn resource_types(_: ScimTenant, settings: Data<HttpSettings>) -> HttpResponse {
    let base = super::base_url(&settings);
    ok(&whole(
        RESOURCE_TYPES.iter().map(|r| resource_type_json(r, &base)).collect(),
    ))
}

#[utoipa::path(get, operation_id = "scim_resource_type", path = "/scim/v2/ResourceTypes/{id}", tag = "scim", params(("id" = String, Path, description = "User or Group")), responses((status = 200, description = "The discovery document", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 404, description = "No such resource in this organization (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn resource_type(
    _: ScimTenant,
    settings: Data<HttpSettings>,
    id: Path<String>,
) -> Result<HttpResponse, ScimFailure> {
    let base = super::base_url(&settings);
    let kind = RESOURCE_TYPES
        .iter()
        .find(|r| r["id"] == *id)
        .ok_or_else(ScimFailure::not_found)?;
    Ok(ok(&resource_type_json(kind, &base)))
}
