//! A loopback OTLP/HTTP receiver for the tests: answers `POST /v1/traces`
//! like a collector and keeps the spans, decoded with the OpenTelemetry
//! project's own protobuf types (`opentelemetry-proto`), so what is checked
//! is what the exporter really put on the wire.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use prost::Message;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One exported span, flattened for assertions.
#[derive(Debug, Clone)]
pub struct ReceivedSpan {
    pub name: String,
    /// `service.name` of the resource that sent it.
    pub service: String,
    /// 1 internal, 2 server, 3 client… (the OTLP `SpanKind`).
    pub kind: i32,
    pub attributes: BTreeMap<String, String>,
    pub trace_id: Vec<u8>,
    pub parent_span_id: Vec<u8>,
}

pub struct OtlpSink {
    /// The base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it.
    pub endpoint: String,
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
    /// Requests that were not a decodable `POST /v1/traces`.
    rejected: Arc<Mutex<Vec<String>>>,
}

impl OtlpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let endpoint = format!("http://{}", listener.local_addr().expect("its address"));
        let spans = Arc::new(Mutex::new(Vec::new()));
        let rejected = Arc::new(Mutex::new(Vec::new()));
        let (kept, refused) = (spans.clone(), rejected.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, kept.clone(), refused.clone()));
            }
        });
        Self {
            endpoint,
            spans,
            rejected,
        }
    }

    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.lock().expect("not poisoned").clone()
    }

    /// The first span matching `wanted`, waiting up to `within`.
    pub async fn wait_for(&self, within: Duration, wanted: impl Fn(&ReceivedSpan) -> bool) -> ReceivedSpan {
        let started = Instant::now();
        loop {
            if let Some(span) = self.spans().into_iter().find(&wanted) {
                return span;
            }
            let rejected = self.rejected.lock().expect("not poisoned").clone();
            assert!(rejected.is_empty(), "the sink refused: {rejected:?}");
            assert!(
                started.elapsed() < within,
                "no such span within {within:?}; received: {:#?}",
                self.spans()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One connection: requests one after another (the exporter keeps the
/// connection alive).
async fn serve(stream: TcpStream, spans: Arc<Mutex<Vec<ReceivedSpan>>>, rejected: Arc<Mutex<Vec<String>>>) {
    let mut stream = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if stream.read_line(&mut request_line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        let mut content_type = String::new();
        loop {
            let mut header = String::new();
            if stream.read_line(&mut header).await.unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "content-type" => content_type = value.trim().to_owned(),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if stream.read_exact(&mut body).await.is_err() {
            return;
        }
        let decoded = ExportTraceServiceRequest::decode(body.as_slice());
        let status = match (
            request_line.starts_with("POST /v1/traces "),
            content_type.as_str(),
            decoded,
        ) {
            (true, "application/x-protobuf", Ok(export)) => {
                spans.lock().expect("not poisoned").extend(flatten(export));
                "200 OK"
            }
            (_, _, outcome) => {
                rejected
                    .lock()
                    .expect("not poisoned")
                    .push(format!("{} {content_type} {outcome:?}", request_line.trim_end()));
                "400 Bad Request"
            }
        };
        let response =
            format!("HTTP/1.1 {status}\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n");
        if stream.get_mut().write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn flatten(export: ExportTraceServiceRequest) -> Vec<ReceivedSpan> {
    let mut flat = Vec::new();
    for resource_spans in export.resource_spans {
        let resource = resource_spans
            .resource
            .map(|r| attributes(&r.attributes))
            .unwrap_or_default();
        let service = resource.get("service.name").cloned().unwrap_or_default();
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                flat.push(ReceivedSpan {
                    name: span.name,
                    service: service.clone(),
                    kind: span.kind,
                    attributes: attributes(&span.attributes),
                    trace_id: span.trace_id,
                    parent_span_id: span.parent_span_id,
                });
            }
        }
    }
    flat
}

fn attributes(pairs: &[KeyValue]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|kv| (kv.key.clone(), kv.value.as_ref().map(text).unwrap_or_default()))
        .collect()
}

fn text(value: &AnyValue) -> String {
    match &value.value {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}
