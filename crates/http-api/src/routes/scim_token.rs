//! `/api/scim/token`: admins issue, read and revoke the organization's
//! SCIM token, the credential its identity provider uses on `/scim/v2`
//! (ADR 0036). One token per organization: issuing again replaces it, and
//! the old one stops at once. Only a signed-in person manages it.

use crate::problem::{ApiError, Problem};
use crate::routes::audit::origin;
use crate::security::session::Session;
use crate::state::{ApiState, HttpSettings};
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use clearview_tenancy::scim::ScimToken;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ScimTokenView {
    /// `…` and the token's last characters.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// The SCIM base URL to give the identity provider.
    pub base_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct ScimTokenIssued {
    #[serde(flatten)]
    pub listed: ScimTokenView,
    /// The token: the identity provider sends it as `Authorization: Bearer
    /// <token>`. Shown only in this answer.
    pub token: String,
}

fn view(token: ScimToken, settings: &HttpSettings) -> ScimTokenView {
    ScimTokenView {
        hint: token.hint,
        created_at: token.created_at,
        last_used_at: token.last_used_at,
        base_url: crate::routes::scim::base_url(settings),
    }
}

/// The organization's SCIM token, if it has one (admins, signed in).
#[utoipa::path(get, operation_id = "scim_token_get", path = "/api/scim/token", tag = "scim",
    responses((status = 200, body = ScimTokenView), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    session: Session,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
) -> Result<HttpResponse, ApiError> {
    let token = state.scim.token(session.person()?).await?;
    Ok(HttpResponse::Ok().json(view(token, &settings)))
}

/// Issues the organization's SCIM token, replacing the one it had (admins,
/// signed in). The token is in this answer only.
#[utoipa::path(post, operation_id = "scim_token_issue", path = "/api/scim/token", tag = "scim",
    responses((status = 201, body = ScimTokenIssued), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn issue(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
) -> Result<HttpResponse, ApiError> {
    let (token, listed) = state.scim.issue_token(session.person()?, &origin(&req)).await?;
    Ok(HttpResponse::Created().json(ScimTokenIssued {
        listed: view(listed, &settings),
        token,
    }))
}

/// Revokes the SCIM token (admins, signed in): the provider's next request
/// is a 401.
#[utoipa::path(delete, operation_id = "scim_token_revoke", path = "/api/scim/token", tag = "scim",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(req: HttpRequest, session: Session, state: Data<ApiState>) -> Result<HttpResponse, ApiError> {
    state.scim.revoke_token(session.person()?, &origin(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
