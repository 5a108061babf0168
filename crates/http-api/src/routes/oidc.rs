//! Single sign-on (ADR 0037). `GET /api/auth/oidc/{organization_id}/start`
//! sends the browser to the organization's provider; the provider sends it
//! back to `GET /api/auth/oidc/callback`, which signs the person in with the
//! usual cookies (or the second-factor step) and sends them to the app. A
//! refusal sends them to the sign-in page with `?sso_error=<reason>`.

use crate::problem::{ApiError, Problem};
use crate::routes::audit::origin;
use crate::routes::auth::audit_sign_in;
use crate::security::cookies;
use crate::state::{ApiState, HttpSettings};
use actix_web::http::header::LOCATION;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use clearview_kernel::TenantId;
use clearview_kernel::audit::{AuditEntry, actions};
use clearview_tenancy::SignIn;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

fn redirect(to: &str) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Found();
    response.insert_header((LOCATION, to.to_owned()));
    response
}

/// Starts signing in to an organization with its identity provider: a 302
/// to the provider, and a short-lived cookie binding the sign-in to this
/// browser. 404 when the organization has no single sign-on.
#[utoipa::path(get, operation_id = "oidc_start", path = "/api/auth/oidc/{organization_id}/start", tag = "auth",
    params(("organization_id" = uuid::Uuid, Path, description = "The organization's id")),
    responses((status = 302, description = "To the identity provider"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn start(
    req: HttpRequest,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    org: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state.limits.account(&req).await?;
    match state.sso.start(TenantId::from_uuid(*org)).await {
        Ok(started) => Ok(redirect(&started.provider_url)
            .cookie(cookies::sso_browser(started.browser_secret, settings.secure_cookies))
            .finish()),
        Err(clearview_tenancy::sso::SsoError::NotConfigured) => Err(ApiError::not_found()),
        Err(e) => {
            tracing::warn!(organization_id = %org, error = %e, "single sign-on could not start");
            Err(ApiError::unavailable())
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct CallbackQuery {
    /// The authorization code.
    pub code: Option<String>,
    /// The `state` this server sent.
    pub state: Option<String>,
    /// The provider's error, when it refused (e.g. `access_denied`).
    pub error: Option<String>,
}

/// Where the identity provider sends the browser back: a session (302 to
/// the app) or a refusal (302 to the sign-in page with `sso_error`).
#[utoipa::path(get, operation_id = "oidc_callback", path = "/api/auth/oidc/callback", tag = "auth",
    params(CallbackQuery),
    responses((status = 302, description = "To the app, signed in; or to the sign-in page with `sso_error`")))]
pub async fn callback(
    req: HttpRequest,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    query: Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    state.limits.account(&req).await?;
    let secure = settings.secure_cookies;
    let refused = |code: &str| {
        redirect(&format!("/sign-in?sso_error={code}"))
            .cookie(cookies::sso_browser_cleared(secure))
            .finish()
    };
    let (Some(code), Some(sso_state)) = (query.code.as_deref(), query.state.as_deref()) else {
        return Ok(refused(if query.error.is_some() {
            "provider_refused"
        } else {
            "invalid_state"
        }));
    };
    let browser = req.cookie(cookies::SSO_BROWSER).map(|c| c.value().to_owned());
    let origin = origin(&req);
    let (tenant, outcome) = match state.sso.finish(sso_state, code, browser.as_deref(), &origin).await {
        Ok(done) => done,
        Err(e) => {
            tracing::info!(reason = e.code(), error = %e, "single sign-on refused");
            return Ok(refused(e.code()));
        }
    };
    match outcome {
        SignIn::Session(grant) => {
            let entry = AuditEntry::new(actions::SIGN_IN, &origin)
                .target("session", grant.identity.session_id.as_uuid())
                .detail("method", "sso");
            audit_sign_in(&state, &grant, entry).await;
            let token = state
                .tokens
                .issue(&grant.identity)
                .map_err(|e| ApiError::unexpected(&e))?;
            Ok(redirect("/")
                .cookie(cookies::access(token, state.tokens.ttl_seconds, secure))
                .cookie(cookies::refresh(grant.refresh_token, secure))
                .cookie(cookies::sso_browser_cleared(secure))
                .finish())
        }
        SignIn::SecondFactor { challenge } => {
            tracing::info!(tenant_id = %tenant, "single sign-on continues with the second factor");
            Ok(redirect("/sign-in?second_factor=1")
                .cookie(cookies::mfa_challenge(challenge, secure))
                .cookie(cookies::sso_browser_cleared(secure))
                .finish())
        }
    }
}
