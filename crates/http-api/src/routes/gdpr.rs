//! GDPR: `GET /api/users/me/export`, `DELETE /api/users/me` and
//! `DELETE /api/organizations/{id}`. See ADR 0011.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::audit::{AuditEntryView, origin};
use crate::security::cookies;
use crate::security::session::Session;
use crate::state::{ApiState, HttpSettings};
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use clearview_kernel::TenantId;
use clearview_tenancy::PersonalData;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct IdentityExport {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct MembershipExport {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct SessionExport {
    pub organization_id: Uuid,
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct OwnedRecordExport {
    pub id: Uuid,
    /// Name, title or subject.
    pub label: String,
    pub created_at: DateTime<Utc>,
}

/// Records the caller owns in one organization.
#[derive(Serialize, ToSchema, Default)]
pub struct OwnedRecordsExport {
    pub contacts: Vec<OwnedRecordExport>,
    pub companies: Vec<OwnedRecordExport>,
    pub deals: Vec<OwnedRecordExport>,
    pub activities: Vec<OwnedRecordExport>,
}

/// Everything stored about the caller.
#[derive(Serialize, ToSchema)]
pub struct PersonalDataExport {
    pub exported_at: DateTime<Utc>,
    /// The organization the owned records and audit entries come from.
    pub organization_id: Uuid,
    pub identity: IdentityExport,
    pub memberships: Vec<MembershipExport>,
    pub sessions: Vec<SessionExport>,
    pub owned_records: OwnedRecordsExport,
    /// The caller's entries as actor in this organization, oldest first.
    pub audit_entries: Vec<AuditEntryView>,
    /// The same for every other organization the caller belongs to.
    pub other_organizations: Vec<OrganizationExport>,
}

/// What the caller owns and did in one other organization.
#[derive(Serialize, ToSchema)]
pub struct OrganizationExport {
    pub organization_id: Uuid,
    pub owned_records: OwnedRecordsExport,
    pub audit_entries: Vec<AuditEntryView>,
}

impl OwnedRecordsExport {
    fn from_records(records: Vec<clearview_tenancy::OwnedRecord>) -> Self {
        let mut owned = OwnedRecordsExport::default();
        for record in records {
            let list = match record.kind {
                "contact" => &mut owned.contacts,
                "company" => &mut owned.companies,
                "deal" => &mut owned.deals,
                _ => &mut owned.activities,
            };
            list.push(OwnedRecordExport {
                id: record.id,
                label: record.label,
                created_at: record.created_at,
            });
        }
        owned
    }
}

impl PersonalDataExport {
    fn new(organization_id: TenantId, data: PersonalData) -> Self {
        let owned = OwnedRecordsExport::from_records(data.owned_records);
        PersonalDataExport {
            exported_at: Utc::now(),
            organization_id: organization_id.as_uuid(),
            identity: IdentityExport {
                id: data.identity.id.as_uuid(),
                name: data.identity.name,
                email: data.identity.email,
                created_at: data.identity.created_at,
            },
            memberships: data
                .memberships
                .into_iter()
                .map(|m| MembershipExport {
                    organization_id: m.organization_id.as_uuid(),
                    organization_name: m.organization_name,
                    role: m.role,
                    created_at: m.created_at,
                })
                .collect(),
            sessions: data
                .sessions
                .into_iter()
                .map(|s| SessionExport {
                    organization_id: s.organization_id.as_uuid(),
                    id: s.id.as_uuid(),
                    created_at: s.created_at,
                    expires_at: s.expires_at,
                    revoked_at: s.revoked_at,
                })
                .collect(),
            owned_records: owned,
            audit_entries: data.audit_entries.into_iter().map(AuditEntryView::from).collect(),
            other_organizations: data
                .other_organizations
                .into_iter()
                .map(|o| OrganizationExport {
                    organization_id: o.organization_id.as_uuid(),
                    owned_records: OwnedRecordsExport::from_records(o.owned_records),
                    audit_entries: o.audit_entries.into_iter().map(AuditEntryView::from).collect(),
                })
                .collect(),
        }
    }
}

/// Everything stored about the caller, as JSON (GDPR art. 15 and 20).
#[utoipa::path(get, operation_id = "gdpr_export", path = "/api/users/me/export", tag = "privacy",
    responses((status = 200, body = PersonalDataExport), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn export(req: HttpRequest, session: Session, state: Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let data = state.privacy.export(session.person()?, &origin(&req)).await?;
    Ok(HttpResponse::Ok().json(PersonalDataExport::new(session.ctx.tenant_id, data)))
}

/// Erase the caller (GDPR art. 17): identity and memberships deleted, their
/// records kept with no owner, their name removed from the audit trail.
#[utoipa::path(delete, operation_id = "gdpr_erase", path = "/api/users/me", tag = "privacy",
    responses((status = 204, description = "Erased; session cookies cleared"), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "Last admin of an organization with other members")))]
pub async fn erase(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
) -> Result<HttpResponse, ApiError> {
    state.privacy.erase(session.person()?, &origin(&req)).await?;
    tracing::info!(user_id = %session.ctx.user_id, "identity erased");
    let mut response = HttpResponse::NoContent();
    for cookie in cookies::cleared(settings.secure_cookies) {
        response.cookie(cookie);
    }
    Ok(response.finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteOrganizationBody {
    /// The organization's name, exactly.
    pub confirm: String,
}

/// Delete the organization and every row it owns (admin). Identities of its
/// members stay: they may belong to other organizations.
#[utoipa::path(delete, operation_id = "gdpr_delete_organization", path = "/api/organizations/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "organizations", request_body = DeleteOrganizationBody,
    responses((status = 204, description = "Deleted; session cookies cleared"), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_organization(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<DeleteOrganizationBody>,
) -> Result<HttpResponse, ApiError> {
    state
        .privacy
        .delete_organization(
            session.person()?,
            TenantId::from_uuid(*id),
            &body.confirm,
            &origin(&req),
        )
        .await?;
    tracing::info!(tenant_id = %session.ctx.tenant_id, user_id = %session.ctx.user_id, "organization deleted");
    let mut response = HttpResponse::NoContent();
    for cookie in cookies::cleared(settings.secure_cookies) {
        response.cookie(cookie);
    }
    Ok(response.finish())
}
