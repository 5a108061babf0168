//! Every error leaves the API as `application/problem+json` (RFC 9457),
//! mapped here and only here (invariant 8). A 500 shows no internals: the
//! log keeps the cause chain and the request id ties the two together.

use crate::problem_types::ProblemType;
use crate::request_id;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use clearview_contacts::RecordError;
use clearview_kernel::{FieldError, RepoError, ValidationErrors};
use clearview_tenancy::{AuthError, MfaError};
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    errors: Vec<FieldError>,
    extra: Option<(&'static str, Value)>,
    /// `Retry-After` (429, 503), `Allow` (405) and a duplicate's
    /// `existing_id`: rare enough to box, so the error stays small.
    headers: Option<Box<ExtraHeaders>>,
}

/// The body of every error response.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<Uuid>,
    pub request_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Default)]
struct ExtraHeaders {
    retry_after: Option<u64>,
    allow: Option<String>,
    /// A duplicate's record (in the body, not a header).
    existing_id: Option<Uuid>,
}

impl ApiError {
    fn headers_mut(&mut self) -> &mut ExtraHeaders {
        self.headers.get_or_insert_with(Box::default)
    }

    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            errors: Vec::new(),
            extra: None,
            headers: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "sign in to continue")
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }
    /// 403 for a session that may only enroll a second factor (ADR 0027):
    /// `mfa_enrollment_required: true` tells the web app where to go.
    pub fn mfa_enrollment_required() -> Self {
        Self::forbidden("your organization requires two-step sign-in: set it up to continue")
            .with_extra("mfa_enrollment_required", Value::Bool(true))
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "no such resource")
    }

    /// 405 with `Allow`: the path exists, the method does not.
    pub fn method_not_allowed(method: &str, allow: String) -> Self {
        let mut err = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not allowed here; allowed: {allow}"),
        );
        err.headers_mut().allow = Some(allow);
        err
    }

    /// The same error with another `detail` (what the client can do).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    /// 429 with `Retry-After` in whole seconds.
    pub fn too_many_requests(retry_after_seconds: u64) -> Self {
        let mut err = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many requests; try again in {retry_after_seconds} s"),
        );
        err.headers_mut().retry_after = Some(retry_after_seconds.clamp(1, u64::from(u32::MAX)));
        err
    }

    /// 503 with `Retry-After`: the service is saturated, not broken.
    pub fn unavailable() -> Self {
        let mut err = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the service is busy; try again in a moment",
        );
        err.headers_mut().retry_after = Some(1);
        err
    }

    /// 422 naming one field.
    /// A refusal of `status` that names the field it is about, so a form
    /// can show the reason beside it.
    pub fn refused(status: StatusCode, field: &str, why: &str) -> Self {
        let mut err = Self::new(status, why);
        err.errors = ValidationErrors::single(field, why).fields().to_vec();
        err
    }

    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid(ValidationErrors::single(field, message))
    }

    pub fn invalid(errors: ValidationErrors) -> Self {
        let mut err = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "the request has invalid fields");
        err.errors = errors.fields().to_vec();
        err
    }

    /// The cause is logged with the request id; the client sees only a 500.
    pub fn unexpected(cause: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(next) = source {
            chain.push_str(": ");
            chain.push_str(&next.to_string());
            source = next.source();
        }
        tracing::error!(error.chain = %chain, "unexpected failure");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "something went wrong on our side")
    }

    /// Adds a named member to the problem body (e.g. the organizations a
    /// person may choose from).
    pub fn with_extra(mut self, name: &'static str, value: Value) -> Self {
        self.extra = Some((name, value));
        self
    }

    fn title(&self) -> &'static str {
        self.status.canonical_reason().unwrap_or("Error")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let problem = Problem {
            kind: ProblemType::uri_for(self.status),
            title: self.title().to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self
                .errors
                .iter()
                .map(|e| ProblemField {
                    field: e.field.clone(),
                    message: e.message.clone(),
                })
                .collect(),
            existing_id: self.headers.as_ref().and_then(|h| h.existing_id),
            request_id: request_id::current().unwrap_or_default(),
        };
        let mut body = serde_json::to_value(problem).unwrap_or(Value::Null);
        if let (Some((name, value)), Value::Object(map)) = (&self.extra, &mut body) {
            map.insert((*name).to_owned(), value.clone());
        }
        let mut response = HttpResponse::build(self.status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Cookie")));
        }
        if let Some(extra) = &self.headers {
            if let Some(allow) = &extra.allow {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            if let Some(seconds) = extra.retry_after {
                response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
        }
        response.body(body.to_string())
    }
}

impl From<RecordError> for ApiError {
    fn from(err: RecordError) -> Self {
        match err {
            RecordError::Invalid(errors) => ApiError::invalid(errors),
            RecordError::NotFound => ApiError::not_found(),
            RecordError::Forbidden(why) => ApiError::forbidden(why),
            RecordError::Duplicate { field, existing_id } => {
                let mut err = ApiError::new(
                    StatusCode::CONFLICT,
                    format!("a record with this {field} already exists"),
                );
                err.errors = ValidationErrors::single(field, "is already taken").fields().to_vec();
                err.headers_mut().existing_id = existing_id;
                err
            }
            RecordError::MissingReference { field } => {
                let mut err = ApiError::new(StatusCode::NOT_FOUND, format!("the {field} given does not exist"));
                err.errors = ValidationErrors::single(field, "not found").fields().to_vec();
                err
            }
            RecordError::Conflict(why) => ApiError::new(StatusCode::CONFLICT, why),
            RecordError::Contradicts { field, why } => ApiError::refused(StatusCode::CONFLICT, field, why),
            RecordError::Gone { field, why } => ApiError::refused(StatusCode::NOT_FOUND, field, why),
            RecordError::WrongPassword(why) => ApiError::refused(StatusCode::UNAUTHORIZED, "password", why),
            RecordError::Unavailable => ApiError::unavailable(),
            RecordError::Unexpected(source) => ApiError::unexpected(source.as_ref()),
        }
    }
}

impl From<MfaError> for ApiError {
    fn from(err: MfaError) -> Self {
        match err {
            MfaError::AlreadyEnabled | MfaError::NotEnabled | MfaError::NotEnrolling | MfaError::Required => {
                ApiError::new(StatusCode::CONFLICT, err.to_string())
            }
            MfaError::WrongCode(field) => {
                ApiError::refused(StatusCode::UNPROCESSABLE_ENTITY, field, "is wrong or was already used")
            }
            MfaError::ChallengeGone => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "the sign-in step expired or had too many tries; sign in again",
            ),
            MfaError::Auth(err) => err.into(),
            MfaError::Storage(err) => AuthError::Storage(err).into(),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::InvalidCredentials => ApiError::new(StatusCode::UNAUTHORIZED, "invalid credentials"),
            AuthError::ChooseOrganization(choices) => {
                let list: Vec<Value> = choices
                    .iter()
                    .map(|c| serde_json::json!({"organization_id": c.organization_id.as_uuid(), "name": c.organization_name}))
                    .collect();
                ApiError::new(
                    StatusCode::CONFLICT,
                    "you belong to several organizations: choose one with organization_id",
                )
                .with_extra("organizations", Value::Array(list))
            }
            AuthError::EmailTaken => {
                let mut err = ApiError::new(
                    StatusCode::CONFLICT,
                    "an account with this email already exists; sign in instead",
                );
                err.errors = ValidationErrors::single("email", "is already registered")
                    .fields()
                    .to_vec();
                err
            }
            AuthError::Invalid(errors) => ApiError::invalid(errors),
            AuthError::LinkGone(why) => ApiError::refused(StatusCode::NOT_FOUND, "token", why),
            AuthError::WrongPassword(why) => ApiError::refused(StatusCode::UNAUTHORIZED, "password", why),
            AuthError::Storage(RepoError::Unavailable) => ApiError::unavailable(),
            AuthError::Storage(source) => ApiError::unexpected(&source),
            AuthError::Hashing(error) => ApiError::unexpected(&error),
        }
    }
}
