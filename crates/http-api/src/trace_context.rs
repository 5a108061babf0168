//! W3C Trace Context (ADR 0023): a request that arrives with a
//! `traceparent` header (a caller or a proxy that traces) continues that
//! trace, so its spans join the caller's in the collector. Without the
//! header, or with no exporter configured, nothing changes. The header
//! decides trace ids only; it never grants anything.

use actix_web::http::header::HeaderMap;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}

/// Makes `span` (not entered yet) a child of the span the request names.
pub fn continue_trace(span: &tracing::Span, headers: &HeaderMap) {
    if !headers.contains_key("traceparent") {
        return;
    }
    let parent = TraceContextPropagator::new().extract(&Headers(headers));
    // Fails only when no exporter layer is installed: then there is no trace
    // to join.
    let _ = span.set_parent(parent);
}
