//! `/api/auth/*`: sign-up, sign-in, refresh, sign-out and `me`.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::audit::origin;
use crate::routes::organizations::OrganizationView;
use crate::security::cookies;
use crate::security::session::{Enrolling, Session, Unmetered};
use crate::state::{ApiState, HttpSettings};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::web::Data;
use actix_web::{Either, HttpRequest, HttpResponse, HttpResponseBuilder};
use clearview_kernel::{TenantContext, TenantId};
use clearview_tenancy::{AuditEntry, AuthError, LoginRequest, Me, NewRegistration, SessionGrant, SignIn, actions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    pub organization_name: String,
    pub name: String,
    pub email: String,
    /// 10 characters to 72 bytes.
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub email: String,
    pub password: String,
    /// Needed only when the person belongs to several organizations.
    pub organization_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub user: UserView,
    pub organization: OrganizationView,
    /// admin, manager, rep or viewer.
    pub role: String,
    /// The organization requires two-step sign-in and this person has not
    /// set it up: until they do, every route but `me`, sign-out and
    /// `/api/auth/mfa/*` answers 403.
    pub mfa_enrollment_required: bool,
}

impl MeView {
    pub(crate) fn new(me: Me, mfa_enrollment_required: bool) -> Self {
        MeView {
            mfa_enrollment_required,
            user: UserView {
                id: me.user_id.as_uuid(),
                name: me.name,
                email: me.email,
            },
            organization: me.organization.into(),
            role: me.role.as_str().into(),
        }
    }
}

/// The answer to a correct password when a second factor is needed: no
/// session yet, only the HttpOnly challenge cookie for
/// `POST /api/auth/mfa/verify`.
#[derive(Serialize, ToSchema)]
pub struct MfaRequired {
    /// Always `true`.
    pub mfa_required: bool,
}

/// What a sign-in answers with 200: the signed-in caller, or that a code
/// is needed.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum SignInView {
    SignedIn(Box<MeView>),
    MfaRequired(MfaRequired),
}

/// Sets both session cookies on a response and returns the caller's view.
pub(crate) async fn signed_in(
    state: &ApiState,
    settings: &HttpSettings,
    grant: SessionGrant,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let identity = grant.identity;
    let token = state.tokens.issue(&identity).map_err(|e| ApiError::unexpected(&e))?;
    let ctx = TenantContext::new(identity.tenant_id, identity.user_id, identity.role);
    let me = state.auth.me(&ctx).await?;
    let mut response = HttpResponseBuilder::new(status);
    if status == StatusCode::CREATED {
        response.insert_header((LOCATION, format!("/api/organizations/{}", identity.tenant_id)));
    }
    Ok(response
        .cookie(cookies::access(
            token,
            state.tokens.ttl_seconds,
            settings.secure_cookies,
        ))
        .cookie(cookies::refresh(grant.refresh_token, settings.secure_cookies))
        .json(SignInView::SignedIn(Box::new(MeView::new(
            me,
            identity.mfa_enrollment_pending,
        )))))
}

/// A session, or the challenge cookie when a second factor is needed.
pub(crate) async fn signed_in_or_challenged(
    state: &ApiState,
    settings: &HttpSettings,
    outcome: SignIn,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    match outcome {
        SignIn::Session(grant) => signed_in(state, settings, grant, status).await,
        SignIn::SecondFactor { challenge } => Ok(HttpResponse::Ok()
            .cookie(cookies::mfa_challenge(challenge, settings.secure_cookies))
            .json(SignInView::MfaRequired(MfaRequired { mfa_required: true }))),
    }
}

/// Records an entry for an identity that just signed in; a failure is
/// logged (ids only) and does not undo the sign-in.
pub(crate) async fn audit_sign_in(state: &ApiState, grant: &SessionGrant, entry: AuditEntry) {
    let identity = grant.identity;
    if let Err(err) = state
        .audit
        .record_sign_in(identity.tenant_id, identity.user_id, entry)
        .await
    {
        tracing::error!(tenant_id = %identity.tenant_id, error = %err, "could not record a sign-in");
    }
}

#[derive(Serialize, ToSchema)]
pub struct SignupAccepted {
    /// Always `verification_sent`.
    pub status: &'static str,
    pub detail: &'static str,
}

/// Start a sign-up: an e-mail with a confirmation link goes to the
/// address, and nothing can be signed in to until it is followed
/// (`POST /api/auth/verify-email`). The answer is the same whether or not
/// the address already has an account (its owner is told by e-mail).
#[utoipa::path(post, operation_id = "auth_register", path = "/api/auth/register", tag = "auth", request_body = RegisterBody,
    responses((status = 202, body = SignupAccepted, description = "Confirmation e-mail queued; no session yet"),
              (status = 422, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn register(
    req: HttpRequest,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<RegisterBody>,
) -> Result<HttpResponse, ApiError> {
    // Cheap checks first: no password is hashed for a malformed or
    // rate-limited request.
    let registration = NewRegistration::parse(&body.organization_name, &body.name, &body.email, &body.password)
        .map_err(ApiError::invalid)?;
    state.limits.account(&req).await?;
    state.signups.register(registration).await?;
    Ok(HttpResponse::Accepted().json(SignupAccepted {
        status: "verification_sent",
        detail: "check your e-mail for a link to confirm the address",
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailBody {
    /// The token from the e-mailed link.
    pub token: String,
    /// The password chosen at sign-up.
    pub password: String,
}

/// Confirm a sign-up with the e-mailed token and the password chosen at
/// sign-up: creates the account and its organization's first admin and
/// signs in.
#[utoipa::path(post, operation_id = "auth_verify_email", path = "/api/auth/verify-email", tag = "auth", request_body = VerifyEmailBody,
    responses((status = 201, body = MeView, description = "Signed in; session cookies set"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "The address got an account meanwhile; sign in"),
              (status = 422, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn verify_email(
    req: HttpRequest,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    ValidJson(body): ValidJson<VerifyEmailBody>,
) -> Result<HttpResponse, ApiError> {
    state.limits.account(&req).await?;
    let grant = state.signups.verify(&body.token, &body.password, &origin(&req)).await?;
    signed_in(&state, &settings, grant, StatusCode::CREATED).await
}

/// Sign in. A wrong password and an unknown email get the same 401.
/// Limited per client address and per account (`RateLimit` headers); a
/// limited attempt gets 429 before any password is checked. A person with
/// two-step sign-in gets `{"mfa_required": true}` and a short-lived
/// challenge cookie instead of a session: `POST /api/auth/mfa/verify`
/// with a code completes the sign-in.
#[utoipa::path(post, operation_id = "auth_login", path = "/api/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = SignInView, description = "Signed in (session cookies set), or a code is needed (challenge cookie set)"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "Several organizations: choose one"),
              (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many attempts; see Retry-After")))]
pub async fn login(
    req: HttpRequest,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    ValidJson(body): ValidJson<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    state.limits.login(&req, &body.email).await?;
    let origin = origin(&req);
    let email = body.email.clone();
    let result = state
        .auth
        .login(LoginRequest {
            email: body.email,
            password: body.password,
            organization_id: body.organization_id.map(TenantId::from_uuid),
        })
        .await;
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(err) => {
            if matches!(err, AuthError::InvalidCredentials)
                && let Err(cause) = state.audit.sign_in_failed(&email, &origin).await
            {
                tracing::error!(error = %cause, "could not record a failed sign-in");
            }
            return Err(err.into());
        }
    };
    if let SignIn::Session(grant) = &outcome {
        let entry = AuditEntry::new(actions::SIGN_IN, &origin).target("session", grant.identity.session_id.as_uuid());
        audit_sign_in(&state, grant, entry).await;
    }
    signed_in_or_challenged(&state, &settings, outcome, StatusCode::OK).await
}

/// Rotate the refresh cookie and issue a new access cookie. Presenting an
/// already-rotated refresh token revokes the whole session.
#[utoipa::path(post, operation_id = "auth_refresh", path = "/api/auth/refresh", tag = "auth",
    responses((status = 200, body = MeView), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn refresh(
    req: HttpRequest,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
) -> Result<HttpResponse, ApiError> {
    let token = req.cookie(cookies::REFRESH).ok_or_else(ApiError::unauthorized)?;
    let grant = state.auth.refresh(token.value()).await?;
    signed_in(&state, &settings, grant, StatusCode::OK).await
}

/// Sign out: the session is revoked server-side at once.
#[utoipa::path(post, operation_id = "auth_logout", path = "/api/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(
    req: HttpRequest,
    session: Option<Unmetered>,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
) -> Result<HttpResponse, ApiError> {
    if let Some(session) = session {
        state.auth.logout(session.ctx.tenant_id, session.session_id).await?;
        let entry = AuditEntry::new(actions::SIGN_OUT, &origin(&req)).target("session", session.session_id.as_uuid());
        crate::routes::audit::record(&state, &session.ctx, entry).await;
    }
    // The access cookie may have expired while the refresh cookie lives:
    // its session ends too.
    if let Some(refresh) = req.cookie(cookies::REFRESH) {
        state.auth.logout_by_refresh(refresh.value()).await?;
    }
    let mut response = HttpResponse::NoContent();
    for cookie in cookies::cleared(settings.secure_cookies) {
        response.cookie(cookie);
    }
    Ok(response.finish())
}

/// The signed-in user, their organization and role.
#[utoipa::path(get, operation_id = "auth_me", path = "/api/auth/me", tag = "auth",
    responses((status = 200, body = MeView), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn me(session: Either<Session, Enrolling>, state: Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let (ctx, pending) = match session {
        Either::Left(session) => (session.ctx, false),
        Either::Right(enrolling) => (enrolling.ctx, enrolling.pending),
    };
    let me = state.auth.me(&ctx).await?;
    Ok(HttpResponse::Ok().json(MeView::new(me, pending)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequestBody {
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    /// The token from the e-mailed link.
    pub token: String,
    /// 10 characters to 72 bytes.
    pub password: String,
}

/// Asks for a password-reset e-mail. The answer is the same whether or not
/// the address has an account.
#[utoipa::path(post, operation_id = "auth_request_password_reset", path = "/api/auth/password-reset", tag = "auth", request_body = ResetRequestBody,
    responses((status = 202), (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn request_password_reset(
    req: HttpRequest,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<ResetRequestBody>,
) -> Result<HttpResponse, ApiError> {
    state.limits.password_reset(&req, &body.email).await?;
    state.resets.request(&body.email).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Sets a new password with the e-mailed token; every session of the
/// person, in every organization, ends.
#[utoipa::path(post, operation_id = "auth_confirm_password_reset", path = "/api/auth/password-reset/confirm", tag = "auth", request_body = ResetBody,
    responses((status = 204), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn confirm_password_reset(
    req: HttpRequest,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<ResetBody>,
) -> Result<HttpResponse, ApiError> {
    state.limits.account(&req).await?;
    state.resets.complete(&body.token, &body.password).await?;
    Ok(HttpResponse::NoContent().finish())
}
