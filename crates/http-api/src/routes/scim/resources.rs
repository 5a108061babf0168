//! `/Users`, `/Groups` and `/.search`: create (201 with `Location`), read,
//! list, replace, patch (read, apply, store if unchanged meanwhile) and
//! delete (204), each answering the resource as SCIM JSON.

use super::discovery::ok;
use super::error::{SCIM_JSON, ScimFailure};
use super::patch::apply_patch;
use super::query::{ListQuery, Resource, list_response, parse_filter};
use super::wire::{group_from_json, group_json, user_from_json, user_json};
use super::{ScimTenant, base_url};
use crate::routes::audit::origin;
use crate::state::{ApiState, HttpSettings};
use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use clearview_tenancy::scim::{ScimError, ScimPage};
use serde_json::Value;
use uuid::Uuid;

/// How often a PATCH is retried when another write got in between.
const PATCH_ATTEMPTS: usize = 3;

fn body_json(body: &Bytes) -> Result<Value, ScimFailure> {
    serde_json::from_slice(body).map_err(|e| ScimFailure::syntax(format!("the body is not JSON: {e}")))
}

fn id_of(raw: &str) -> Result<Uuid, ScimFailure> {
    Uuid::try_parse(raw).map_err(|_| ScimFailure::not_found())
}

fn created(resource: &Value) -> HttpResponse {
    let location = resource["meta"]["location"].as_str().unwrap_or_default().to_owned();
    HttpResponse::Created()
        .content_type(SCIM_JSON)
        .insert_header(("Location", location))
        .body(resource.to_string())
}

/// A `.search` body as list parameters (`attributes` come as lists).
fn search_query(body: &Bytes) -> Result<ListQuery, ScimFailure> {
    let body = body_json(body)?;
    let joined = |key: &str| match body.get(key) {
        Some(Value::Array(items)) => Some(items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")),
        Some(Value::String(one)) => Some(one.clone()),
        _ => None,
    };
    Ok(ListQuery {
        filter: body.get("filter").and_then(Value::as_str).map(str::to_owned),
        start_index: body.get("startIndex").and_then(Value::as_i64),
        count: body.get("count").and_then(Value::as_i64),
        attributes: joined("attributes"),
        excluded_attributes: joined("excludedAttributes"),
    })
}

async fn users_page(
    state: &ApiState,
    tenant: ScimTenant,
    query: &ListQuery,
    page: ScimPage,
    base: &str,
) -> Result<(u64, Vec<Value>), ScimFailure> {
    let filter = parse_filter(query.filter.as_deref(), Resource::User)?;
    let (total, users) = state.scim.users(tenant.0, &filter, page).await?;
    let projection = query.projection();
    Ok((
        total,
        users.iter().map(|u| projection.apply(user_json(u, base))).collect(),
    ))
}

async fn groups_page(
    state: &ApiState,
    tenant: ScimTenant,
    query: &ListQuery,
    page: ScimPage,
    base: &str,
) -> Result<(u64, Vec<Value>), ScimFailure> {
    let filter = parse_filter(query.filter.as_deref(), Resource::Group)?;
    let (total, groups) = state.scim.groups(tenant.0, &filter, page).await?;
    let projection = query.projection();
    Ok((
        total,
        groups.iter().map(|g| projection.apply(group_json(g, base))).collect(),
    ))
}

#[utoipa::path(get, operation_id = "scim_users_list", path = "/scim/v2/Users", tag = "scim", params(ListQuery), responses((status = 200, description = "A SCIM ListResponse", body = serde_json::Value, content_type = "application/scim+json"), (status = 400, description = "The body, a filter or a value is invalid (a SCIM Error naming it)", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn list_users(
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    query: Query<ListQuery>,
) -> Result<HttpResponse, ScimFailure> {
    let page = query.page();
    let (total, users) = users_page(&state, tenant, &query, page, &base_url(&settings)).await?;
    Ok(ok(&list_response(total, page, users)))
}

#[utoipa::path(post, operation_id = "scim_users_search", path = "/scim/v2/Users/.search", tag = "scim", request_body(content = serde_json::Value, content_type = "application/scim+json", description = "A SCIM SearchRequest: filter, startIndex, count, attributes, excludedAttributes"), responses((status = 200, description = "A SCIM ListResponse", body = serde_json::Value, content_type = "application/scim+json"), (status = 400, description = "The body, a filter or a value is invalid (a SCIM Error naming it)", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn search_users(
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    body: Bytes,
) -> Result<HttpResponse, ScimFailure> {
    let query = search_query(&body)?;
    let page = query.page();
    let (total, users) = users_page(&state, tenant, &query, page, &base_url(&settings)).await?;
    Ok(ok(&list_response(total, page, users)))
}

#[utoipa::path(get, operation_id = "scim_groups_list", path = "/scim/v2/Groups", tag = "scim", params(ListQuery), responses((status = 200, description = "A SCIM ListResponse", body = serde_json::Value, content_type = "application/scim+json"), (status = 400, description = "The body, a filter or a value is invalid (a SCIM Error naming it)", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn list_groups(
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    query: Query<ListQuery>,
) -> Result<HttpResponse, ScimFailure> {
    let page = query.page();
    let (total, groups) = groups_page(&state, tenant, &query, page, &base_url(&settings)).await?;
    Ok(ok(&list_response(total, page, groups)))
}

#[utoipa::path(post, operation_id = "scim_groups_search", path = "/scim/v2/Groups/.search", tag = "scim", request_body(content = serde_json::Value, content_type = "application/scim+json", description = "A SCIM SearchRequest: filter, startIndex, count, attributes, excludedAttributes"), responses((status = 200, description = "A SCIM ListResponse", body = serde_json::Value, content_type = "application/scim+json"), (status = 400, description = "The body, a filter or a value is invalid (a SCIM Error naming it)", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn search_groups(
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    body: Bytes,
) -> Result<HttpResponse, ScimFailure> {
    let query = search_query(&body)?;
    let page = query.page();
    let (total, groups) = groups_page(&state, tenant, &query, page, &base_url(&settings)).await?;
    Ok(ok(&list_response(total, page, groups)))
}

/// `POST /.search`: users then groups as one list. A filter only one kind
/// understands (`userName`) searches that kind alone.
#[utoipa::path(post, operation_id = "scim_search", path = "/scim/v2/.search", tag = "scim", request_body(content = serde_json::Value, content_type = "application/scim+json", description = "A SCIM SearchRequest: filter, startIndex, count, attributes, excludedAttributes"), responses((status = 200, description = "A SCIM ListResponse of users and groups", body = serde_json::Value, content_type = "application/scim+json"), (status = 400, description = "The body, a filter or a value is invalid (a SCIM Error naming it)", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn search_all(
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    body: Bytes,
) -> Result<HttpResponse, ScimFailure> {
    let query = search_query(&body)?;
    let (page, base) = (query.page(), base_url(&settings));
    let filter = query.filter.as_deref();
    let for_users = parse_filter(filter, Resource::User).is_ok();
    let for_groups = parse_filter(filter, Resource::Group).is_ok();
    if !for_users && !for_groups {
        parse_filter(filter, Resource::User)?;
    }
    let (mut total, mut resources) = (0, Vec::new());
    if for_users {
        (total, resources) = users_page(&state, ScimTenant(tenant.0), &query, page, &base).await?;
    }
    if for_groups {
        // The groups' part of the page starts where the users ended.
        let count = page.count.saturating_sub(resources.len() as u64);
        let start_index = page.start_index.saturating_sub(total).max(1);
        let (groups_total, groups) =
            groups_page(&state, tenant, &query, ScimPage { start_index, count }, &base).await?;
        total += groups_total;
        resources.extend(groups);
    }
    Ok(ok(&list_response(total, page, resources)))
}

/// A PATCH: reads the resource, applies the operations to its JSON, parses
/// the result as a PUT would and stores it if its version did not move
/// meanwhile (else reads it again, a few times).
async fn patched<R, A>(
    operations: &Value,
    read: impl AsyncFn() -> Result<R, ScimError>,
    as_json: impl Fn(&R) -> (Value, i64),
    parse: impl Fn(&Value) -> Result<A, ScimFailure>,
    write: impl AsyncFn(A, i64) -> Result<R, ScimError>,
) -> Result<R, ScimFailure> {
    for _ in 0..PATCH_ATTEMPTS {
        let (mut resource, version) = as_json(&read().await?);
        apply_patch(&mut resource, operations)?;
        match write(parse(&resource)?, version).await {
            Err(ScimError::Changed) => continue,
            written => return Ok(written?),
        }
    }
    Err(ScimError::Changed.into())
}

/// One resource, projected by `attributes` / `excludedAttributes`.
fn single(resource: Value, query: &ListQuery) -> HttpResponse {
    ok(&query.projection().apply(resource))
}

#[utoipa::path(post, operation_id = "scim_users_create", path = "/scim/v2/Users", tag = "scim", request_body(content = serde_json::Value, content_type = "application/scim+json", description = "A SCIM resource (RFC 7643)"), responses((status = 201, description = "The resource created", body = serde_json::Value, content_type = "application/scim+json"), (status = 400, description = "The body, a filter or a value is invalid (a SCIM Error naming it)", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 409, description = "A `userName` already in use, or a change that would remove the last admin (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn create_user(
    req: HttpRequest,
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    body: Bytes,
) -> Result<HttpResponse, ScimFailure> {
    let attributes = user_from_json(&body_json(&body)?)?;
    let user = state.scim.create_user(tenant.0, attributes, &origin(&req)).await?;
    Ok(created(&user_json(&user, &base_url(&settings))))
}

#[utoipa::path(get, operation_id = "scim_users_get", path = "/scim/v2/Users/{id}", tag = "scim", params(("id" = String, Path, description = "The resource's id"), ListQuery), responses((status = 200, description = "The resource", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 404, description = "No such resource in this organization (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn get_user(
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    id: Path<String>,
    query: Query<ListQuery>,
) -> Result<HttpResponse, ScimFailure> {
    let user = state.scim.user(tenant.0, id_of(&id)?).await?;
    Ok(single(user_json(&user, &base_url(&settings)), &query))
}

#[utoipa::path(put, operation_id = "scim_users_replace", path = "/scim/v2/Users/{id}", tag = "scim", params(("id" = String, Path, description = "The resource's id")), request_body(content = serde_json::Value, content_type = "application/scim+json", description = "A SCIM resource (RFC 7643)"), responses((status = 200, description = "The resource replaced", body = serde_json::Value, content_type = "application/scim+json"), (status = 400, description = "The body, a filter or a value is invalid (a SCIM Error naming it)", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 404, description = "No such resource in this organization (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 409, description = "A `userName` already in use, or a change that would remove the last admin (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn replace_user(
    req: HttpRequest,
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ScimFailure> {
    let attributes = user_from_json(&body_json(&body)?)?;
    let user = state
        .scim
        .replace_user(tenant.0, id_of(&id)?, attributes, None, &origin(&req))
        .await?;
    Ok(ok(&user_json(&user, &base_url(&settings))))
}

#[utoipa::path(patch, operation_id = "scim_users_patch", path = "/scim/v2/Users/{id}", tag = "scim", params(("id" = String, Path, description = "The resource's id")), request_body(content = serde_json::Value, content_type = "application/scim+json", description = "A SCIM PatchOp (RFC 7644 3.5.2)"), responses((status = 200, description = "The resource changed", body = serde_json::Value, content_type = "application/scim+json"), (status = 400, description = "The body, a filter or a value is invalid (a SCIM Error naming it)", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 404, description = "No such resource in this organization (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 409, description = "A `userName` already in use, or a change that would remove the last admin (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn patch_user(
    req: HttpRequest,
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ScimFailure> {
    let (id, operations, base, origin) = (id_of(&id)?, body_json(&body)?, base_url(&settings), origin(&req));
    let changed = patched(
        &operations,
        async || state.scim.user(tenant.0, id).await,
        |user| (user_json(user, &base), user.version),
        user_from_json,
        async |attributes, version| {
            state
                .scim
                .replace_user(tenant.0, id, attributes, Some(version), &origin)
                .await
        },
    )
    .await?;
    Ok(ok(&user_json(&changed, &base)))
}

#[utoipa::path(delete, operation_id = "scim_users_delete", path = "/scim/v2/Users/{id}", tag = "scim", params(("id" = String, Path, description = "The resource's id")), responses((status = 204, description = "Deleted"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 404, description = "No such resource in this organization (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 409, description = "A `userName` already in use, or a change that would remove the last admin (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn delete_user(
    req: HttpRequest,
    tenant: ScimTenant,
    state: Data<ApiState>,
    id: Path<String>,
) -> Result<HttpResponse, ScimFailure> {
    state.scim.delete_user(tenant.0, id_of(&id)?, &origin(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, operation_id = "scim_groups_create", path = "/scim/v2/Groups", tag = "scim", request_body(content = serde_json::Value, content_type = "application/scim+json", description = "A SCIM resource (RFC 7643)"), responses((status = 201, description = "The resource created", body = serde_json::Value, content_type = "application/scim+json"), (status = 400, description = "The body, a filter or a value is invalid (a SCIM Error naming it)", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 409, description = "A `userName` already in use, or a change that would remove the last admin (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn create_group(
    req: HttpRequest,
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    body: Bytes,
) -> Result<HttpResponse, ScimFailure> {
    let attributes = group_from_json(&body_json(&body)?)?;
    let group = state.scim.create_group(tenant.0, attributes, &origin(&req)).await?;
    Ok(created(&group_json(&group, &base_url(&settings))))
}

#[utoipa::path(get, operation_id = "scim_groups_get", path = "/scim/v2/Groups/{id}", tag = "scim", params(("id" = String, Path, description = "The resource's id"), ListQuery), responses((status = 200, description = "The resource", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 404, description = "No such resource in this organization (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn get_group(
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    id: Path<String>,
    query: Query<ListQuery>,
) -> Result<HttpResponse, ScimFailure> {
    let group = state.scim.group(tenant.0, id_of(&id)?).await?;
    Ok(single(group_json(&group, &base_url(&settings)), &query))
}

#[utoipa::path(put, operation_id = "scim_groups_replace", path = "/scim/v2/Groups/{id}", tag = "scim", params(("id" = String, Path, description = "The resource's id")), request_body(content = serde_json::Value, content_type = "application/scim+json", description = "A SCIM resource (RFC 7643)"), responses((status = 200, description = "The resource replaced", body = serde_json::Value, content_type = "application/scim+json"), (status = 400, description = "The body, a filter or a value is invalid (a SCIM Error naming it)", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 404, description = "No such resource in this organization (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 409, description = "A `userName` already in use, or a change that would remove the last admin (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn replace_group(
    req: HttpRequest,
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ScimFailure> {
    let attributes = group_from_json(&body_json(&body)?)?;
    let group = state
        .scim
        .replace_group(tenant.0, id_of(&id)?, attributes, None, &origin(&req))
        .await?;
    Ok(ok(&group_json(&group, &base_url(&settings))))
}

#[utoipa::path(patch, operation_id = "scim_groups_patch", path = "/scim/v2/Groups/{id}", tag = "scim", params(("id" = String, Path, description = "The resource's id")), request_body(content = serde_json::Value, content_type = "application/scim+json", description = "A SCIM PatchOp (RFC 7644 3.5.2)"), responses((status = 200, description = "The resource changed", body = serde_json::Value, content_type = "application/scim+json"), (status = 400, description = "The body, a filter or a value is invalid (a SCIM Error naming it)", body = serde_json::Value, content_type = "application/scim+json"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 404, description = "No such resource in this organization (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 409, description = "A `userName` already in use, or a change that would remove the last admin (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn patch_group(
    req: HttpRequest,
    tenant: ScimTenant,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ScimFailure> {
    let (id, operations, base, origin) = (id_of(&id)?, body_json(&body)?, base_url(&settings), origin(&req));
    let changed = patched(
        &operations,
        async || state.scim.group(tenant.0, id).await,
        |group| (group_json(group, &base), group.version),
        group_from_json,
        async |attributes, version| {
            state
                .scim
                .replace_group(tenant.0, id, attributes, Some(version), &origin)
                .await
        },
    )
    .await?;
    Ok(ok(&group_json(&changed, &base)))
}

#[utoipa::path(delete, operation_id = "scim_groups_delete", path = "/scim/v2/Groups/{id}", tag = "scim", params(("id" = String, Path, description = "The resource's id")), responses((status = 204, description = "Deleted"), (status = 401, description = "No SCIM token, or not this organization's (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 404, description = "No such resource in this organization (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json"), (status = 409, description = "A `userName` already in use, or a change that would remove the last admin (a SCIM Error)", body = serde_json::Value, content_type = "application/scim+json")))]
pub async fn delete_group(
    req: HttpRequest,
    tenant: ScimTenant,
    state: Data<ApiState>,
    id: Path<String>,
) -> Result<HttpResponse, ScimFailure> {
    state.scim.delete_group(tenant.0, id_of(&id)?, &origin(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
