//! The problem types the API answers with (RFC 9457 `type`): a closed set,
//! one per status the API uses, each documented in `docs/problems.md`. A
//! status outside the set (none is expected) gets `about:blank`, which RFC
//! 9457 defines as "no meaning beyond the status".

use actix_web::http::StatusCode;

const BASE: &str = "https://clearview.dev/problems/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    RequestTimeout,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    UnprocessableEntity,
    TooManyRequests,
    InternalServerError,
    ServiceUnavailable,
}

impl ProblemType {
    pub const ALL: [ProblemType; 13] = [
        ProblemType::BadRequest,
        ProblemType::Unauthorized,
        ProblemType::Forbidden,
        ProblemType::NotFound,
        ProblemType::MethodNotAllowed,
        ProblemType::RequestTimeout,
        ProblemType::Conflict,
        ProblemType::PayloadTooLarge,
        ProblemType::UnsupportedMediaType,
        ProblemType::UnprocessableEntity,
        ProblemType::TooManyRequests,
        ProblemType::InternalServerError,
        ProblemType::ServiceUnavailable,
    ];

    pub const fn status(self) -> StatusCode {
        match self {
            ProblemType::BadRequest => StatusCode::BAD_REQUEST,
            ProblemType::Unauthorized => StatusCode::UNAUTHORIZED,
            ProblemType::Forbidden => StatusCode::FORBIDDEN,
            ProblemType::NotFound => StatusCode::NOT_FOUND,
            ProblemType::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProblemType::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ProblemType::Conflict => StatusCode::CONFLICT,
            ProblemType::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProblemType::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ProblemType::UnprocessableEntity => StatusCode::UNPROCESSABLE_ENTITY,
            ProblemType::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ProblemType::InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
            ProblemType::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The last segment of the type URI (the status's reason phrase).
    pub const fn slug(self) -> &'static str {
        match self {
            ProblemType::BadRequest => "bad-request",
            ProblemType::Unauthorized => "unauthorized",
            ProblemType::Forbidden => "forbidden",
            ProblemType::NotFound => "not-found",
            ProblemType::MethodNotAllowed => "method-not-allowed",
            ProblemType::RequestTimeout => "request-timeout",
            ProblemType::Conflict => "conflict",
            ProblemType::PayloadTooLarge => "payload-too-large",
            ProblemType::UnsupportedMediaType => "unsupported-media-type",
            ProblemType::UnprocessableEntity => "unprocessable-entity",
            ProblemType::TooManyRequests => "too-many-requests",
            ProblemType::InternalServerError => "internal-server-error",
            ProblemType::ServiceUnavailable => "service-unavailable",
        }
    }

    pub fn of(status: StatusCode) -> Option<ProblemType> {
        Self::ALL.into_iter().find(|t| t.status() == status)
    }

    /// The `type` member for an error of `status`.
    pub fn uri_for(status: StatusCode) -> String {
        match Self::of(status) {
            Some(kind) => format!("{BASE}{}", kind.slug()),
            None => "about:blank".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_its_status_reason_and_is_documented() {
        let documented = include_str!("../../../docs/problems.md");
        for kind in ProblemType::ALL {
            let reason = kind
                .status()
                .canonical_reason()
                .unwrap()
                .to_lowercase()
                .replace(' ', "-");
            assert_eq!(kind.slug(), reason, "{kind:?}");
            assert_eq!(ProblemType::of(kind.status()), Some(kind));
            let uri = ProblemType::uri_for(kind.status());
            assert!(
                documented.contains(&format!("`{uri}`")),
                "docs/problems.md documents {uri}"
            );
        }
        assert_eq!(ProblemType::uri_for(StatusCode::IM_A_TEAPOT), "about:blank");
    }
}
