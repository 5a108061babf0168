//! CSRF defence beside SameSite cookies: an unsafe request (POST, PUT,
//! PATCH, DELETE) is refused with 403 before it reaches a handler when its
//! `Origin` names a site not in the allowed list, when the browser says it
//! is `Sec-Fetch-Site: cross-site`, or `same-site` from an origin not
//! allowed (a sibling subdomain). Requests with neither header (non-browser
//! clients) pass, as in modern frameworks' CSRF checks.
//!
//! A request with `Authorization` (an API key) is not a browser's ambient
//! credential, so the check does not apply to it; but it must not carry a
//! session cookie as well: which of the two would it act as? That is a 400.

use crate::problem::ApiError;
use crate::state::HttpSettings;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{AUTHORIZATION, ORIGIN};
use actix_web::middleware::Next;
use actix_web::web::Data;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if req.headers().contains_key(AUTHORIZATION) {
        if carries_session_cookie(&req) {
            let response = actix_web::ResponseError::error_response(&ApiError::bad_request(
                "send either session cookies or an Authorization header, not both",
            ));
            return Ok(req.into_response(response).map_into_right_body());
        }
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !trusted(&req) {
        let response = actix_web::ResponseError::error_response(&ApiError::forbidden(
            "this request came from a site that is not allowed to change data here",
        ));
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn carries_session_cookie(req: &ServiceRequest) -> bool {
    use crate::security::cookies::{ACCESS, HOST_ACCESS, REFRESH};
    [ACCESS, HOST_ACCESS, REFRESH]
        .iter()
        .any(|name| req.cookie(name).is_some())
}

/// Whether an unsafe request may proceed (see the module docs).
fn trusted(req: &ServiceRequest) -> bool {
    let origin = req.headers().get(ORIGIN);
    let origin_allowed = origin.is_some_and(|origin| {
        req.app_data::<Data<HttpSettings>>()
            .map(|s| s.allowed_origins.iter().any(|o| origin.as_bytes() == o.as_bytes()))
            .unwrap_or(false)
    });
    if origin.is_some() && !origin_allowed {
        return false;
    }
    match req.headers().get("sec-fetch-site").map(|v| v.as_bytes()) {
        Some(b"cross-site") => false,
        Some(b"same-site") => origin_allowed,
        _ => true,
    }
}
