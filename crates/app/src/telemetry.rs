//! Structured logs: JSON lines by default (`LOG_FORMAT=pretty` for humans),
//! filtered by `RUST_LOG`. Log ids, never emails or names (invariant 9).
//!
//! Traces: with `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, every span — requests with
//! their route, request, tenant and user ids; jobs with their id, kind and
//! tenant; schedule runs — is also exported over OTLP/HTTP (protobuf) in
//! batches, with `service.name` from `OTEL_SERVICE_NAME` or `clearview`.
//! Unset, nothing changes (ADR 0023).

use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// What `init` set up; `shutdown` sends the spans still buffered.
#[must_use = "call shutdown() before exiting, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Exports what is buffered and stops the exporter (blocks briefly).
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(err) = provider.shutdown()
        {
            tracing::warn!(error = %err, "could not export the last spans");
        }
    }
}

pub fn init() -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let logs = if std::env::var("LOG_FORMAT").as_deref() == Ok("pretty") {
        tracing_subscriber::fmt::layer().with_target(false).boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_target(false)
            .boxed()
    };
    let (provider, problem) = match otlp_provider() {
        Ok(provider) => (provider, None),
        Err(problem) => (None, Some(problem)),
    };
    let traces = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("clearview")));
    // A second init (tests) is harmless: the first subscriber stays.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(traces)
        .try_init();
    match (&provider, problem) {
        (_, Some(problem)) => tracing::error!(%problem, "OTLP trace export is off"),
        (Some(_), None) => tracing::info!("exporting traces over OTLP"),
        (None, None) => {}
    }
    Telemetry { provider }
}

/// The tracer provider for the configured OTLP endpoint, `None` when none
/// is configured.
fn otlp_provider() -> Result<Option<SdkTracerProvider>, String> {
    let endpoint = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()));
    let Some(endpoint) = endpoint else {
        return Ok(None);
    };
    // The exporter speaks plain HTTP: TLS to a vendor is the job of the
    // collector it sends to (ADR 0023).
    if !endpoint.starts_with("http://") {
        return Err(format!(
            "the OTLP endpoint must be an http:// address of a collector (got `{endpoint}`)"
        ));
    }
    // The exporter reads the endpoint (and OTEL_EXPORTER_OTLP_HEADERS,
    // _TIMEOUT) from the environment itself.
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .build()
        .map_err(|e| e.to_string())?;
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "clearview".to_owned());
    let resource = Resource::builder()
        .with_service_name(service)
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(Some(
        SdkTracerProvider::builder()
            // Every request is recorded: the default sampler would obey the
            // `sampled` flag of a caller's `traceparent`, letting any client
            // switch tracing of its own requests off.
            .with_sampler(Sampler::AlwaysOn)
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build(),
    ))
}
