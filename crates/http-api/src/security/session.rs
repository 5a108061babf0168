//! The only door into tenant data over HTTP: this extractor verifies the
//! access cookie, checks that its session is still live (so a logout takes
//! effect at once), and builds the `TenantContext` (invariant 2). Or, with
//! `Authorization: Bearer`, it verifies an API key (ADR 0025): the key's
//! organization, role and scope, checked against the database on every
//! request so a revocation counts at once. No other header, query
//! parameter or body field can select a tenant. Each authenticated request
//! is then counted against its organization's rate-limit budget (and a
//! key's against its own as well).

use crate::problem::ApiError;
use crate::security::cookies;
use crate::state::ApiState;
use actix_web::HttpMessage;
use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};
use clearview_kernel::{SessionId, TenantContext};
use clearview_tenancy::{KeyCaller, KeyScope};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

/// An authenticated caller: a signed-in person, or an API key acting for
/// the admin who made it.
pub struct Session {
    pub ctx: TenantContext,
    /// The key that authenticated the request; `None` for a person.
    pub api_key: Option<Uuid>,
}

impl Session {
    /// For routes only a signed-in person may use: managing API keys,
    /// erasing or exporting one's own account, deleting the organization.
    /// An API key gets 403, so a leaked key cannot mint more keys or
    /// destroy its creator's account.
    pub fn person(&self) -> Result<&TenantContext, ApiError> {
        match self.api_key {
            None => Ok(&self.ctx),
            Some(_) => Err(ApiError::forbidden("an API key cannot do this: sign in as a person")),
        }
    }
}

/// The API key of a request, kept in its extensions for the audit trail.
#[derive(Clone, Copy)]
pub struct ApiKeyUsed(pub Uuid);

/// The bearer token of a request: `Ok(None)` without `Authorization`, 401
/// when the header is there but is not `Bearer <token>`.
pub fn bearer_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(header) = req.headers().get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = header.to_str().map_err(|_| ApiError::unauthorized())?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(ApiError::unauthorized()),
    }
}

impl FromRequest for Session {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    /// Authenticates, then counts the request against its organization's
    /// budget (429 when spent). The session's denial and the budget come
    /// from one round trip to the fast store; the database is asked only
    /// when that store cannot tell.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (identity, state) = (verified_identity(req), req.app_data::<Data<ApiState>>().cloned());
        let bearer = bearer_token(req);
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(ApiError::unauthorized)?;
            if let Some(token) = bearer? {
                return key_session(&req, &state, &token).await;
            }
            let identity = identity.ok_or_else(ApiError::unauthorized)?;
            admit_cookie_session(&req, &state, &identity).await?;
            if identity.mfa_enrollment_pending {
                return Err(ApiError::mfa_enrollment_required());
            }
            Ok(session(identity))
        })
    }
}

/// A live cookie session within its organization's budget. A denied
/// session is a 401 even when the budget is spent.
async fn admit_cookie_session(
    req: &HttpRequest,
    state: &ApiState,
    identity: &clearview_tenancy::SessionIdentity,
) -> Result<(), ApiError> {
    let (denylist_read, budget) = state
        .limits
        .organization_api(req, identity.tenant_id, identity.session_id)
        .await;
    if !state
        .auth
        .session_is_live_after(identity.tenant_id, identity.session_id, denylist_read)
        .await?
    {
        return Err(ApiError::unauthorized());
    }
    budget
}

/// A signed-in person's session, also when it may only enroll a second
/// factor (ADR 0027): for `me`, reading and setting up two-step sign-in.
/// Every other route takes [`Session`], which answers such a session 403
/// with `mfa_enrollment_required`. Cookies only.
pub struct Enrolling {
    pub ctx: TenantContext,
    pub session_id: SessionId,
    /// The organization requires a second factor this person lacks.
    pub pending: bool,
}

impl FromRequest for Enrolling {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (identity, state) = (verified_identity(req), req.app_data::<Data<ApiState>>().cloned());
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(ApiError::unauthorized)?;
            if bearer_token(&req)?.is_some() {
                return Err(ApiError::forbidden("an API key cannot do this: sign in as a person"));
            }
            let identity = identity.ok_or_else(ApiError::unauthorized)?;
            admit_cookie_session(&req, &state, &identity).await?;
            let (session_id, pending) = (identity.session_id, identity.mfa_enrollment_pending);
            Ok(Enrolling {
                ctx: session(identity).ctx,
                session_id,
                pending,
            })
        })
    }
}

/// The access cookie's claims when its signature and expiry hold. Only
/// this deployment's cookie name counts: with `Secure`, the `__Host-` one
/// (a planted plain `cv_access` is ignored).
fn verified_identity(req: &HttpRequest) -> Option<clearview_tenancy::SessionIdentity> {
    let state = req.app_data::<Data<ApiState>>()?;
    let secure = req
        .app_data::<Data<crate::state::HttpSettings>>()
        .is_none_or(|s| s.secure_cookies);
    let token = req.cookie(cookies::access_name(secure))?;
    state.tokens.verify(token.value())
}

/// A request with an API key: the key must be live, a read-only key may
/// only read, then the organization's budget and the key's own apply.
async fn key_session(req: &HttpRequest, state: &ApiState, token: &str) -> Result<Session, ApiError> {
    let caller: KeyCaller = state
        .api_keys
        .authenticate(token)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let reads_only = matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    );
    if caller.scope == KeyScope::Read && !reads_only {
        return Err(ApiError::forbidden("this API key may only read"));
    }
    state.limits.api_key(req, caller.ctx.tenant_id, caller.key_id).await?;
    req.extensions_mut().insert(ApiKeyUsed(caller.key_id));
    crate::request_id::record_caller(&caller.ctx);
    Ok(Session {
        ctx: caller.ctx,
        api_key: Some(caller.key_id),
    })
}

fn session(identity: clearview_tenancy::SessionIdentity) -> Session {
    let ctx = TenantContext::new(identity.tenant_id, identity.user_id, identity.role);
    crate::request_id::record_caller(&ctx);
    Session { ctx, api_key: None }
}

/// A signed-in person's session, not counted against the organization's
/// budget: for sign-out, which must work even when the budget is spent.
/// Cookies only (an API key has no session to end).
pub struct Unmetered {
    pub ctx: TenantContext,
    pub session_id: SessionId,
}

impl FromRequest for Unmetered {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (identity, state) = (verified_identity(req), req.app_data::<Data<ApiState>>().cloned());
        Box::pin(async move {
            let state = state.ok_or_else(ApiError::unauthorized)?;
            let identity = identity.ok_or_else(ApiError::unauthorized)?;
            if !state
                .auth
                .session_is_live(identity.tenant_id, identity.session_id)
                .await?
            {
                return Err(ApiError::unauthorized());
            }
            let session_id = identity.session_id;
            Ok(Unmetered {
                ctx: session(identity).ctx,
                session_id,
            })
        })
    }
}
