//! The only door into tenant data over HTTP: this extractor verifies the
//! access cookie, checks that its session is still live (so a logout takes
//! effect at once), and builds the `TenantContext` (invariant 2). No header,
//! query parameter or body field can select a tenant. Each authenticated
//! request is then counted against its organization's rate-limit budget.

use crate::problem::ApiError;
use crate::security::cookies;
use crate::state::ApiState;
use actix_web::dev::Payload;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};
use clearview_kernel::{SessionId, TenantContext};
use futures_util::future::LocalBoxFuture;

/// An authenticated caller.
pub struct Session {
    pub ctx: TenantContext,
    pub session_id: SessionId,
}

impl FromRequest for Session {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    /// Authenticates, then counts the request against its organization's
    /// budget (429 when spent).
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let authenticated = Unmetered::from_request(req, payload);
        let (req, state) = (req.clone(), req.app_data::<Data<ApiState>>().cloned());
        Box::pin(async move {
            let Unmetered(session) = authenticated.await?;
            if let Some(state) = state {
                state.limits.organization_api(&req, session.ctx.tenant_id).await?;
            }
            Ok(session)
        })
    }
}

/// An authenticated caller not counted against the organization's budget:
/// for sign-out, which must work even when the budget is spent.
pub struct Unmetered(pub Session);

impl FromRequest for Unmetered {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<Data<ApiState>>().cloned();
        // Only this deployment's name: with `Secure`, the `__Host-` one (a
        // planted plain `cv_access` is ignored).
        let secure = req
            .app_data::<Data<crate::state::HttpSettings>>()
            .is_none_or(|s| s.secure_cookies);
        let token = req.cookie(cookies::access_name(secure)).map(|c| c.value().to_owned());
        Box::pin(async move {
            let state = state.ok_or_else(ApiError::unauthorized)?;
            let identity = token
                .as_deref()
                .and_then(|t| state.tokens.verify(t))
                .ok_or_else(ApiError::unauthorized)?;
            if !state
                .auth
                .session_is_live(identity.tenant_id, identity.session_id)
                .await?
            {
                return Err(ApiError::unauthorized());
            }
            Ok(Unmetered(Session {
                ctx: TenantContext::new(identity.tenant_id, identity.user_id, identity.role),
                session_id: identity.session_id,
            }))
        })
    }
}
