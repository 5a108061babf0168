//! An organization's members and invitations, and accepting an invitation.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::audit::origin;
use crate::routes::auth::{SignInView, signed_in_or_challenged};
use crate::security::session::Session;
use crate::state::{ApiState, HttpSettings};
use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use clearview_kernel::{Role, TenantId, UserId};
use clearview_tenancy::{Invitation, Member};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: String,
    pub joined_at: DateTime<Utc>,
}

impl From<Member> for MemberView {
    fn from(m: Member) -> Self {
        MemberView {
            user_id: m.user_id.as_uuid(),
            name: m.name,
            email: m.email,
            role: m.role.as_str().into(),
            joined_at: m.joined_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    pub data: Vec<MemberView>,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub invited_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<Invitation> for InvitationView {
    fn from(i: Invitation) -> Self {
        InvitationView {
            id: i.id,
            email: i.email,
            role: i.role.as_str().into(),
            invited_by: i.invited_by.map(|u| u.as_uuid()),
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvitationList {
    pub data: Vec<InvitationView>,
}

#[derive(Serialize, ToSchema)]
pub struct Invited {
    pub invitation: InvitationView,
    /// False when an invitation to this address was already pending: no
    /// second e-mail is sent.
    pub email_queued: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// admin, manager, rep or viewer.
    pub role: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    pub email: String,
    pub role: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// The token from the invitation link.
    pub token: String,
    /// Required when the address has no Clearview account yet.
    pub name: Option<String>,
    /// Required: for an address with no Clearview account, the new
    /// account's password; for one that has an account, that account's
    /// password (accepting signs in as it).
    pub password: Option<String>,
}

fn role(raw: &str) -> Result<Role, ApiError> {
    raw.parse().map_err(|e: String| ApiError::invalid_field("role", e))
}

#[utoipa::path(get, operation_id = "team_members", path = "/api/organizations/{id}/members", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "organizations",
    responses((status = 200, body = MemberList), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn members(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let members = state.team.members(&session.ctx, TenantId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok().json(MemberList {
        data: members.into_iter().map(MemberView::from).collect(),
    }))
}

/// Changes a member's role (admins). The member's sessions end so the new
/// role applies at once; the last admin cannot be demoted (409).
#[utoipa::path(patch, operation_id = "team_change_role", path = "/api/organizations/{id}/members/{user_id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)"), ("user_id" = uuid::Uuid, Path, description = "The member's user id (UUID)")), tag = "organizations", request_body = RoleBody,
    responses((status = 200, body = MemberView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn change_role(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    ids: Path<(Uuid, Uuid)>,
    ValidJson(body): ValidJson<RoleBody>,
) -> Result<HttpResponse, ApiError> {
    let (org, user) = ids.into_inner();
    let member = state
        .team
        .change_role(
            &session.ctx,
            TenantId::from_uuid(org),
            UserId::from_uuid(user),
            role(&body.role)?,
            &origin(&req),
        )
        .await?;
    Ok(HttpResponse::Ok().json(MemberView::from(member)))
}

/// Removes a member (admins); their sessions end at once; the records they
/// owned stay, with no owner. The last admin cannot be removed (409).
#[utoipa::path(delete, operation_id = "team_remove_member", path = "/api/organizations/{id}/members/{user_id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)"), ("user_id" = uuid::Uuid, Path, description = "The member's user id (UUID)")), tag = "organizations",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn remove_member(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    ids: Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (org, user) = ids.into_inner();
    state
        .team
        .remove(
            &session.ctx,
            TenantId::from_uuid(org),
            UserId::from_uuid(user),
            &origin(&req),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Invites someone by e-mail (admins). The e-mail is queued in the same
/// transaction as the invitation; inviting a pending address again sends
/// nothing new.
#[utoipa::path(post, operation_id = "team_invite", path = "/api/organizations/{id}/invite", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "organizations", request_body = InviteBody,
    responses((status = 202, body = Invited), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "Already a member"), (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn invite(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<InviteBody>,
) -> Result<HttpResponse, ApiError> {
    let role = role(&body.role)?;
    // Authorize first: a member who may not invite must not spend the
    // organization's invitation budget.
    state
        .team
        .authorize_management(&session.ctx, TenantId::from_uuid(*id))?;
    state.limits.invitation(&req, session.ctx.tenant_id).await?;
    let (invitation, email_queued) = state
        .team
        .invite(&session.ctx, TenantId::from_uuid(*id), &body.email, role, &origin(&req))
        .await?;
    Ok(HttpResponse::Accepted().json(Invited {
        invitation: invitation.into(),
        email_queued,
    }))
}

#[utoipa::path(get, operation_id = "team_invitations", path = "/api/organizations/{id}/invitations", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "organizations",
    responses((status = 200, body = InvitationList), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn invitations(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let list = state.team.invitations(&session.ctx, TenantId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok().json(InvitationList {
        data: list.into_iter().map(InvitationView::from).collect(),
    }))
}

#[utoipa::path(delete, operation_id = "team_revoke_invitation", path = "/api/organizations/{id}/invitations/{invitation_id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)"), ("invitation_id" = uuid::Uuid, Path, description = "The invitation's id (UUID)")), tag = "organizations",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke_invitation(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    ids: Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (org, invitation) = ids.into_inner();
    state
        .team
        .revoke_invitation(&session.ctx, TenantId::from_uuid(org), invitation, &origin(&req))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Accepts an invitation and signs in: joins the existing account of the
/// invited address, or creates it (then `name` and `password` are needed).
#[utoipa::path(post, operation_id = "team_accept", path = "/api/invitations/accept", tag = "auth", request_body = AcceptBody,
    responses((status = 200, body = SignInView, description = "Signed in (session cookies set), or a code is needed (challenge cookie set)"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn accept(
    req: HttpRequest,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    ValidJson(body): ValidJson<AcceptBody>,
) -> Result<HttpResponse, ApiError> {
    state.limits.account(&req).await?;
    let (tenant, user, role) = state
        .team
        .accept(
            &body.token,
            body.name.as_deref(),
            body.password.as_deref(),
            &origin(&req),
        )
        .await?;
    // An existing account with two-step sign-in still needs its code.
    let outcome = state.auth.sign_in(tenant, user, role).await?;
    signed_in_or_challenged(&state, &settings, outcome, StatusCode::OK).await
}
