//! `/api/organizations/{id}/sso`: admins set up, read and remove the
//! organization's single sign-on (ADR 0037). The client secret is written,
//! never read back.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::audit::origin;
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use clearview_kernel::TenantId;
use clearview_tenancy::sso::{SsoInput, SsoSettings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct SsoView {
    /// The provider's issuer URL.
    pub issuer: String,
    pub client_id: String,
    /// Address domains whose people may join by signing in; empty: any.
    pub allowed_domains: Vec<String>,
    /// admin, manager, rep or viewer: the role of a person who signs in
    /// without being a member; `null`: invitation only.
    pub default_role: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// Register this redirect URI at the provider.
    pub redirect_uri: String,
    /// Where people start signing in (a link or bookmark).
    pub start_url: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SsoBody {
    /// The provider's issuer URL (https); it must answer discovery.
    pub issuer: String,
    pub client_id: String,
    /// Required the first time; leave out to keep the stored one.
    pub client_secret: Option<String>,
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    /// admin, manager, rep or viewer; `null` or absent: invitation only.
    pub default_role: Option<String>,
}

fn view(state: &ApiState, org: TenantId, settings: SsoSettings) -> SsoView {
    SsoView {
        issuer: settings.issuer,
        client_id: settings.client_id,
        allowed_domains: settings.allowed_domains,
        default_role: settings.default_role.map(|r| r.as_str().to_owned()),
        updated_at: settings.updated_at,
        redirect_uri: state.sso.redirect_uri(),
        start_url: state.sso.start_url(org),
    }
}

/// The organization's single sign-on (admins).
#[utoipa::path(get, operation_id = "sso_get", path = "/api/organizations/{id}/sso", tag = "organizations",
    params(("id" = uuid::Uuid, Path, description = "The organization's id")),
    responses((status = 200, body = SsoView), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let org = TenantId::from_uuid(*id);
    let settings = state.sso.settings(session.person()?, org).await?;
    Ok(HttpResponse::Ok().json(view(&state, org, settings)))
}

/// Sets single sign-on up or changes it (admins). The issuer's discovery
/// document is read first: a provider that does not answer is a 422.
#[utoipa::path(put, operation_id = "sso_put", path = "/api/organizations/{id}/sso", tag = "organizations",
    params(("id" = uuid::Uuid, Path, description = "The organization's id")), request_body = SsoBody,
    responses((status = 200, body = SsoView), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn put(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<SsoBody>,
) -> Result<HttpResponse, ApiError> {
    let org = TenantId::from_uuid(*id);
    let input = SsoInput {
        issuer: body.issuer,
        client_id: body.client_id,
        client_secret: body.client_secret,
        allowed_domains: body.allowed_domains,
        default_role: body.default_role,
    };
    let settings = state.sso.save(session.person()?, org, input, &origin(&req)).await?;
    Ok(HttpResponse::Ok().json(view(&state, org, settings)))
}

/// Removes single sign-on (admins): members sign in with their password.
#[utoipa::path(delete, operation_id = "sso_delete", path = "/api/organizations/{id}/sso", tag = "organizations",
    params(("id" = uuid::Uuid, Path, description = "The organization's id")),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state
        .sso
        .delete(session.person()?, TenantId::from_uuid(*id), &origin(&req))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
