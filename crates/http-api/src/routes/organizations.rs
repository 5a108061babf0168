//! `/api/organizations/{id}`: the caller's organization and its settings.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use clearview_kernel::{Currency, TenantId, ValidationErrors};
use clearview_tenancy::{Organization, OrganizationChanges, OrganizationName};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: Uuid,
    pub name: String,
    /// `all` or `own`: what reps may read.
    pub rep_visibility: String,
    pub default_currency: String,
    /// Who must sign in with a second factor: `off`, `admins` or `everyone`.
    pub mfa_required: String,
}

impl From<Organization> for OrganizationView {
    fn from(o: Organization) -> Self {
        OrganizationView {
            id: o.id.as_uuid(),
            name: o.name,
            rep_visibility: o.rep_visibility.as_str().into(),
            default_currency: o.default_currency,
            mfa_required: o.mfa_required.as_str().into(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    /// `all` (reps read every record) or `own` (reps read only their own).
    pub rep_visibility: Option<String>,
    /// ISO-4217, e.g. `EUR`.
    pub default_currency: Option<String>,
    /// Who must sign in with a second factor: `off`, `admins` or
    /// `everyone`. Members it newly applies to are sent to set it up at
    /// their next sign-in or session refresh.
    pub mfa_required: Option<String>,
}

impl OrganizationPatch {
    fn into_changes(self) -> Result<OrganizationChanges, ApiError> {
        let mut errors = ValidationErrors::new();
        let changes = OrganizationChanges {
            name: self
                .name
                .and_then(|n| errors.check("name", OrganizationName::parse(&n))),
            rep_visibility: self
                .rep_visibility
                .and_then(|v| errors.check("rep_visibility", v.parse())),
            default_currency: self
                .default_currency
                .and_then(|c| errors.check("default_currency", Currency::parse(&c))),
            mfa_required: self.mfa_required.and_then(|p| errors.check("mfa_required", p.parse())),
        };
        errors.into_result().map_err(ApiError::invalid)?;
        Ok(changes)
    }
}

#[utoipa::path(get, operation_id = "organizations_get", path = "/api/organizations/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "organizations",
    responses((status = 200, body = OrganizationView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let organization = state.organizations.get(&session.ctx, TenantId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok().json(OrganizationView::from(organization)))
}

/// Admins change the name and settings.
#[utoipa::path(patch, operation_id = "organizations_patch", path = "/api/organizations/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "organizations", request_body = OrganizationPatch,
    responses((status = 200, body = OrganizationView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<OrganizationPatch>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_changes()?;
    let organization = state
        .organizations
        .update(
            &session.ctx,
            TenantId::from_uuid(*id),
            changes,
            &crate::routes::audit::origin(&req),
        )
        .await?;
    Ok(HttpResponse::Ok().json(OrganizationView::from(organization)))
}
