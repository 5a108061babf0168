//! Every request gets an id: in the `X-Request-Id` response header, in each
//! log line of the request (a tracing span) and in every problem body. The
//! span also carries the route template (`/api/contacts/{id}`, never the
//! filled path's ids alone) and, once the session is known, the caller's
//! `tenant_id` and `user_id` (ids only, invariant 9).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use uuid::Uuid;

tokio::task_local! {
    static REQUEST_ID: String;
}

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being handled, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = Uuid::now_v7().to_string();
    // The route template is known before the handler runs (the app's
    // resource map), so the span starts with it.
    let route = req.match_pattern();
    // Paths carry ids, never personal data, so they are safe to log.
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
        route = route.as_deref(),
        status = tracing::field::Empty,
        tenant_id = tracing::field::Empty,
        user_id = tracing::field::Empty,
        // The exported trace's span name and kind (ADR 0023); an exporter
        // takes the name when the span starts.
        otel.name = %format!("{} {}", req.method(), route.as_deref().unwrap_or("unmatched")),
        otel.kind = "server",
    );
    crate::trace_context::continue_trace(&span, req.headers());
    let started = std::time::Instant::now();
    let mut response = REQUEST_ID
        .scope(id.clone(), next.call(req).instrument(span.clone()))
        .await?;
    span.record("status", response.status().as_u16());
    record_metrics(&response, route, started.elapsed());
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "done"
        )
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    Ok(response)
}

/// Request count and latency (to the response head; a streamed export's
/// body may go on) by method, route template and status. Unmatched paths
/// share one label, so scanners cannot grow the series without bound.
fn record_metrics<B>(response: &ServiceResponse<B>, route: Option<String>, elapsed: std::time::Duration) {
    let labels = [
        ("method", response.request().method().to_string()),
        ("route", route.unwrap_or_else(|| "unmatched".to_owned())),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("clearview_http_requests_total", &labels).increment(1);
    metrics::histogram!("clearview_http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
}

/// Puts the authenticated caller on the current request's span, so every
/// later log line of the request names its organization and user.
pub fn record_caller(ctx: &clearview_kernel::TenantContext) {
    let span = tracing::Span::current();
    span.record("tenant_id", tracing::field::display(ctx.tenant_id));
    span.record("user_id", tracing::field::display(ctx.user_id));
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test, web};
    use clearview_kernel::{Role, TenantContext, TenantId, UserId};
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[actix_web::test]
    async fn the_last_log_line_of_a_request_names_its_route_template_tenant_and_user() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let ctx = TenantContext::new(TenantId::generate(), UserId::generate(), Role::Rep);
        let app = test::init_service(App::new().wrap(from_fn(middleware)).route(
            "/things/{id}",
            web::get().to(move || async move {
                record_caller(&ctx);
                HttpResponse::Ok().finish()
            }),
        ))
        .await;
        let response = test::call_service(&app, test::TestRequest::get().uri("/things/42").to_request()).await;
        assert!(response.status().is_success());

        let output = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let done: serde_json::Value = output
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .find(|line: &serde_json::Value| line["message"] == "done")
            .expect("a done line");
        let span = &done["span"];
        assert_eq!(span["route"], "/things/{id}", "{done}");
        assert_eq!(span["tenant_id"], ctx.tenant_id.to_string(), "{done}");
        assert_eq!(span["user_id"], ctx.user_id.to_string(), "{done}");
        assert_eq!(span["request_id"].as_str().map(str::len), Some(36), "{done}");
    }
}
