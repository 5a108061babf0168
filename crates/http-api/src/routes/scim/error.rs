//! SCIM errors (RFC 7644 §3.12): every failure in `/scim/v2`, a 404 for an
//! unknown path included, is `application/scim+json` with the Error schema,
//! the status as a string and a `scimType` where one applies. Nothing in
//! this scope answers problem+json or the web app's HTML.

use actix_web::http::StatusCode;
use actix_web::http::header::WWW_AUTHENTICATE;
use actix_web::{HttpResponse, ResponseError};
use clearview_tenancy::scim::ScimError;
use serde_json::json;
use std::fmt;

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const SCIM_JSON: &str = "application/scim+json; charset=utf-8";

#[derive(Debug)]
pub struct ScimFailure {
    pub status: StatusCode,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimFailure {
    pub fn new(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, None, "resource not found")
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            None,
            "send the organization's SCIM token as Authorization: Bearer <token>",
        )
    }

    /// A value missing or wrong, naming the attribute.
    pub fn invalid(attribute: &str, why: impl fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
            format!("{attribute}: {why}"),
        )
    }

    pub fn syntax(why: impl fmt::Display) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidSyntax"), why.to_string())
    }

    pub fn filter(why: impl fmt::Display) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidFilter"), why.to_string())
    }

    pub fn path(why: impl fmt::Display) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidPath"), why.to_string())
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            None,
            "this endpoint does not take this method",
        )
    }
}

impl fmt::Display for ScimFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.detail)
    }
}

impl ResponseError for ScimFailure {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(kind) = self.scim_type {
            body["scimType"] = json!(kind);
        }
        let mut response = HttpResponse::build(self.status);
        response.content_type(SCIM_JSON);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((WWW_AUTHENTICATE, "Bearer realm=\"scim\""));
        }
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response.insert_header(("Allow", "GET"));
        }
        response.body(body.to_string())
    }
}

impl From<ScimError> for ScimFailure {
    fn from(e: ScimError) -> Self {
        match e {
            ScimError::NotFound => Self::not_found(),
            ScimError::Invalid { attribute, message } => Self::invalid(attribute, message),
            ScimError::Uniqueness(attribute) => Self::new(
                StatusCode::CONFLICT,
                Some("uniqueness"),
                format!("{attribute} is already in use in this organization"),
            ),
            ScimError::Refused(why) => Self::new(StatusCode::CONFLICT, Some("mutability"), why),
            ScimError::Changed => Self::new(StatusCode::CONFLICT, None, e.to_string()),
            ScimError::Unavailable => Self::new(StatusCode::SERVICE_UNAVAILABLE, None, e.to_string()),
            ScimError::Unexpected(cause) => {
                tracing::error!(error = %cause, "SCIM request failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, None, "unexpected failure")
            }
        }
    }
}
