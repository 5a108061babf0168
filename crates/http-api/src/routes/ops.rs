//! Liveness, readiness and the OpenAPI document.

use crate::state::ApiState;
use actix_web::HttpResponse;
use actix_web::web::Data;
use serde_json::json;

/// The process is up.
#[utoipa::path(get, operation_id = "ops_healthz", path = "/healthz", tag = "operations", responses((status = 200)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers; Redis is reported, and its absence only
/// degrades the service (invariant 6).
#[utoipa::path(get, operation_id = "ops_readyz", path = "/readyz", tag = "operations", responses((status = 200), (status = 503)))]
pub async fn readyz(state: Data<ApiState>) -> HttpResponse {
    let database = state.readiness.database().await;
    let redis = match state.readiness.redis().await {
        None => "not configured",
        Some(true) => "ok",
        Some(false) => "unavailable (degraded)",
    };
    let body = json!({
        "status": if database { "ready" } else { "unavailable" },
        "database": if database { "ok" } else { "unavailable" },
        "redis": redis,
    });
    if database {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// This document.
#[utoipa::path(get, operation_id = "ops_openapi", path = "/api/openapi.json", tag = "operations", responses((status = 200)))]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}
