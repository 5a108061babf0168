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
    /// budget (429 when spent). The session's denial and the budget come
    /// from one round trip to the fast store; the database is asked only
    /// when that store cannot tell.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (identity, state) = (verified_identity(req), req.app_data::<Data<ApiState>>().cloned());
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(ApiError::unauthorized)?;
            let identity = identity.ok_or_else(ApiError::unauthorized)?;
            let (denylist_read, budget) = state
                .limits
                .organization_api(&req, identity.tenant_id, identity.session_id)
                .await;
            // A denied session is a 401 even when the budget is spent.
            if !state
                .auth
                .session_is_live_after(identity.tenant_id, identity.session_id, denylist_read)
                .await?
            {
                return Err(ApiError::unauthorized());
            }
            budget?;
            Ok(session(identity))
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

fn session(identity: clearview_tenancy::SessionIdentity) -> Session {
    let ctx = TenantContext::new(identity.tenant_id, identity.user_id, identity.role);
    crate::request_id::record_caller(&ctx);
    Session {
        ctx,
        session_id: identity.session_id,
    }
}

/// An authenticated caller not counted against the organization's budget:
/// for sign-out, which must work even when the budget is spent.
pub struct Unmetered(pub Session);

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
            Ok(Unmetered(session(identity)))
        })
    }
}
