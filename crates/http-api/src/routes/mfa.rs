//! `/api/auth/mfa/*`: two-step sign-in with an authenticator app (TOTP,
//! ADR 0027). Setting it up and reading its state work from a session that
//! may only enroll; the second step of a sign-in works from the challenge
//! cookie alone. Every code checked is rate-limited per person and per
//! client address.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::audit::origin;
use crate::routes::auth::{MeView, audit_sign_in, signed_in};
use crate::security::cookies;
use crate::security::session::{Enrolling, Session};
use crate::state::{ApiState, HttpSettings};
use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use clearview_tenancy::{AuditEntry, SecondFactor, SessionIdentity, actions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct MfaStatusView {
    /// Two-step sign-in is on for this person.
    pub enabled: bool,
    /// Unused recovery codes (0 when it is off).
    pub recovery_codes_left: i64,
    /// The organization requires it of this person.
    pub required: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TotpEnrollmentView {
    /// The seed in base32, for typing into the app by hand.
    pub secret: String,
    /// The `otpauth://totp/…` URI the QR code holds.
    pub otpauth_uri: String,
    /// The QR code of `otpauth_uri` as an SVG document.
    pub qr_svg: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmBody {
    /// The six-digit code the app shows now.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesView {
    /// Ten single-use codes for a lost authenticator, shown this once.
    pub recovery_codes: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaVerifyBody {
    /// The six-digit code the app shows now (or give `recovery_code`).
    pub code: Option<String>,
    /// One of the recovery codes, instead of `code`.
    pub recovery_code: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpDisableBody {
    pub password: String,
    /// A current code (or give `recovery_code`).
    pub code: Option<String>,
    pub recovery_code: Option<String>,
}

/// Exactly one of a code and a recovery code; 422 naming `code` otherwise.
fn second_factor(code: Option<String>, recovery_code: Option<String>) -> Result<SecondFactor, ApiError> {
    match (code, recovery_code) {
        (Some(code), None) => Ok(SecondFactor::Code(code)),
        (None, Some(recovery)) => Ok(SecondFactor::RecoveryCode(recovery)),
        _ => Err(ApiError::invalid_field(
            "code",
            "give either the code from the app or a recovery code",
        )),
    }
}

fn qr_svg(uri: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| ApiError::unexpected(&e))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// Whether two-step sign-in is on for the caller, and required of them.
#[utoipa::path(get, operation_id = "mfa_status", path = "/api/auth/mfa", tag = "auth",
    responses((status = 200, body = MfaStatusView), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn status(session: Enrolling, state: Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let status = state.mfa.status(&session.ctx).await?;
    Ok(HttpResponse::Ok().json(MfaStatusView {
        enabled: status.enabled,
        recovery_codes_left: status.recovery_codes_left,
        required: status.required,
    }))
}

/// Starts setting up an authenticator app: a new seed, as a QR code and
/// as text. Nothing changes for sign-in until it is confirmed; starting
/// again replaces an unconfirmed seed. 409 when it is already on.
#[utoipa::path(post, operation_id = "mfa_totp_enroll", path = "/api/auth/mfa/totp", tag = "auth",
    responses((status = 200, body = TotpEnrollmentView), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn enroll(session: Enrolling, state: Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let enrollment = state.mfa.enroll(&session.ctx).await?;
    let qr_svg = qr_svg(&enrollment.otpauth_uri)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TotpEnrollmentView {
            secret: enrollment.secret,
            otpauth_uri: enrollment.otpauth_uri,
            qr_svg,
        }))
}

/// Turns two-step sign-in on with a first code from the app, and answers
/// ten recovery codes, shown this once. A session that could only enroll
/// becomes a full one (a new access cookie).
#[utoipa::path(post, operation_id = "mfa_totp_confirm", path = "/api/auth/mfa/totp/confirm", tag = "auth", request_body = TotpConfirmBody,
    responses((status = 200, body = RecoveryCodesView), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json", description = "The code is wrong (`code` named)"),
              (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn confirm(
    req: HttpRequest,
    session: Enrolling,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    ValidJson(body): ValidJson<TotpConfirmBody>,
) -> Result<HttpResponse, ApiError> {
    state.limits.mfa(&req, Some(session.ctx.user_id.as_uuid())).await?;
    let recovery_codes = state.mfa.confirm(&session.ctx, &body.code, &origin(&req)).await?;
    let mut response = HttpResponse::Ok();
    response.insert_header(("Cache-Control", "no-store"));
    if session.pending {
        let identity = SessionIdentity {
            tenant_id: session.ctx.tenant_id,
            user_id: session.ctx.user_id,
            role: session.ctx.role,
            session_id: session.session_id,
            mfa_enrollment_pending: false,
        };
        let token = state.tokens.issue(&identity).map_err(|e| ApiError::unexpected(&e))?;
        response.cookie(cookies::access(
            token,
            state.tokens.ttl_seconds,
            settings.secure_cookies,
        ));
    }
    Ok(response.json(RecoveryCodesView { recovery_codes }))
}

/// The second step of a sign-in: a code from the app (or a recovery code)
/// answers the challenge cookie set by `POST /api/auth/login`. A challenge
/// lasts 5 minutes and takes 5 answers; a code is accepted once.
#[utoipa::path(post, operation_id = "mfa_verify", path = "/api/auth/mfa/verify", tag = "auth", request_body = MfaVerifyBody,
    responses((status = 200, body = MeView, description = "Signed in; session cookies set"),
              (status = 401, body = Problem, content_type = "application/problem+json", description = "No live challenge: sign in again"),
              (status = 422, body = Problem, content_type = "application/problem+json", description = "The code is wrong or was used (`code` or `recovery_code` named)"),
              (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn verify(
    req: HttpRequest,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    ValidJson(body): ValidJson<MfaVerifyBody>,
) -> Result<HttpResponse, ApiError> {
    let answer = second_factor(body.code, body.recovery_code)?;
    let challenge = req.cookie(cookies::MFA_CHALLENGE).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the sign-in step expired or had too many tries; sign in again",
        )
    })?;
    state.limits.mfa(&req, None).await?;
    let grant = state.mfa.verify(challenge.value(), &answer, &origin(&req)).await?;
    let kind = match answer {
        SecondFactor::Code(_) => "totp",
        SecondFactor::RecoveryCode(_) => "recovery_code",
    };
    let entry = AuditEntry::new(actions::SIGN_IN, &origin(&req))
        .target("session", grant.identity.session_id.as_uuid())
        .detail("second_factor", kind);
    audit_sign_in(&state, &grant, entry).await;
    let mut response = signed_in(&state, &settings, grant, StatusCode::OK).await?;
    response
        .add_cookie(&cookies::mfa_challenge_cleared(settings.secure_cookies))
        .map_err(|e| ApiError::unexpected(&e))?;
    Ok(response)
}

/// Turns two-step sign-in off: needs the password and a current code (or
/// a recovery code). 409 while the organization requires it.
#[utoipa::path(post, operation_id = "mfa_totp_disable", path = "/api/auth/mfa/totp/disable", tag = "auth", request_body = TotpDisableBody,
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json", description = "Wrong password (`password` named)"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "Not on, or required by the organization"),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn disable(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<TotpDisableBody>,
) -> Result<HttpResponse, ApiError> {
    let ctx = session.person()?;
    let answer = second_factor(body.code, body.recovery_code)?;
    state.limits.mfa(&req, Some(ctx.user_id.as_uuid())).await?;
    state.mfa.disable(ctx, &body.password, &answer, &origin(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
