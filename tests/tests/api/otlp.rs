//! Traces over OTLP (issue 10 §3, ADR 0023): the real binary, pointed at a
//! loopback OTLP receiver, exports its request spans with the route
//! template, the request id, the tenant and the user, and continues a
//! caller's trace named by `traceparent`.

use clearview_tests::otlp::OtlpSink;
use clearview_tests::process::{ServerProcess, database_for_processes};
use std::time::Duration;

#[tokio::test]
async fn with_an_otlp_endpoint_request_spans_reach_the_collector_with_route_request_tenant_and_user() {
    let sink = OtlpSink::start().await;
    let app = database_for_processes(None).await;
    let admin = app.register("Acme").await;
    let server = ServerProcess::serve_with_env(
        &app.config,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", sink.endpoint.clone()),
            // Export within 100 ms instead of the default 5 s.
            ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
        ],
    )
    .await;
    let mut caller = admin.at(&server.address);
    let contact = caller.contact("Ada", "Lovelace", None).await;
    let read = caller.get(&format!("/api/contacts/{contact}")).await;
    assert_eq!(read.status, 200, "{}", read.body);
    let request_id = read.header("x-request-id").expect("a request id");

    let span = sink
        .wait_for(Duration::from_secs(15), |s| {
            s.attributes.get("request_id") == Some(&request_id)
        })
        .await;
    assert_eq!(span.name, "GET /api/contacts/{id}");
    assert_eq!(span.service, "clearview");
    assert_eq!(span.kind, 2, "a server span");
    assert_eq!(span.attributes["route"], "/api/contacts/{id}");
    assert_eq!(span.attributes["status"], "200");
    assert_eq!(span.attributes["tenant_id"], admin.tenant_id.to_string());
    assert_eq!(span.attributes["user_id"], admin.user_id.to_string());
    assert_eq!(span.trace_id.len(), 16);
    assert!(span.parent_span_id.is_empty(), "a request span is a trace's root");

    // A caller that traces (a proxy, another service) sends `traceparent`:
    // the request's span continues that trace as a child of the caller's.
    let (trace, caller_span) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let traceparent = format!("00-{trace}-{caller_span}-01");
    let joined = caller
        .send_raw(
            reqwest::Method::GET,
            "/api/contacts?limit=1",
            None,
            &[("traceparent", traceparent.as_str())],
        )
        .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    let joined_id = joined.header("x-request-id").expect("a request id");
    let child = sink
        .wait_for(Duration::from_secs(15), |s| {
            s.attributes.get("request_id") == Some(&joined_id)
        })
        .await;
    assert_eq!(hex(&child.trace_id), trace);
    assert_eq!(hex(&child.parent_span_id), caller_span);

    // Spans hold ids, never the names or addresses the requests carried.
    let everything = format!("{:?}", sink.spans());
    for personal in ["Ada", "Lovelace", admin.email.as_str()] {
        assert!(!everything.contains(personal), "`{personal}` was exported");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
