//! CSRF defence beside SameSite cookies: an unsafe request (POST, PUT,
//! PATCH, DELETE) whose `Origin` header names a site not in the allowed list
//! is refused with 403 before it reaches a handler.

use crate::problem::ApiError;
use crate::state::HttpSettings;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::ORIGIN;
use actix_web::middleware::Next;
use actix_web::web::Data;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && let Some(origin) = req.headers().get(ORIGIN) {
        let allowed = req
            .app_data::<Data<HttpSettings>>()
            .map(|s| s.allowed_origins.iter().any(|o| origin.as_bytes() == o.as_bytes()))
            .unwrap_or(false);
        if !allowed {
            let response = actix_web::ResponseError::error_response(&ApiError::forbidden(
                "this request came from a site that is not allowed to change data here",
            ));
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}
