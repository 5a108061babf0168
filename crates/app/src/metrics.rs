//! Prometheus metrics (issue 10 §3) on a listener of their own,
//! `METRICS_ADDR`, so `/metrics` is never reachable through the public
//! port. Counters and histograms are recorded where things happen (the
//! `metrics` facade: http-api, cache-redis, the worker); gauges that
//! describe state — pool, queue depth — are read at scrape time.

use actix_web::web::{self, Data};
use actix_web::{App, HttpResponse, HttpServer};
use clearview_kernel::jobs::JobState;
use clearview_store_postgres::{IMPORT_CONTACTS, PgStore, SEND_EMAIL};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Seconds; from a 1 ms read by id to a 10 s export head.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed on first use (one per process; tests
/// start many servers in one process and share it).
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets(&LATENCY_BUCKETS)
                .expect("the buckets are not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed");
            metrics::gauge!("clearview_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            // Histograms drain into their buckets on upkeep; without the
            // exporter's own HTTP server nobody else runs it.
            let upkeep = handle.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    upkeep.run_upkeep();
                }
            });
            handle
        })
        .clone()
}

/// What a scrape reads besides the recorded metrics.
struct Scrape {
    handle: PrometheusHandle,
    store: PgStore,
}

/// Serves `GET /metrics` on `address` until `shutdown` is cancelled;
/// returns the bound port.
pub fn start(address: &str, store: PgStore, shutdown: CancellationToken) -> anyhow::Result<u16> {
    let scrape = Data::new(Scrape {
        handle: recorder(),
        store,
    });
    let listener = std::net::TcpListener::bind(address)?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(scrape.clone())
            .route("/metrics", web::get().to(metrics))
    })
    .workers(1)
    .shutdown_signal(shutdown.cancelled_owned())
    .listen(listener)?
    .run();
    tracing::info!(port, "metrics listening");
    tokio::spawn(server);
    Ok(port)
}

async fn metrics(scrape: Data<Scrape>) -> HttpResponse {
    read_state(&scrape.store).await;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(scrape.handle.render())
}

/// Sets the gauges that describe state now: the pool and the job queue.
async fn read_state(store: &PgStore) {
    let pool = store.pool();
    let (size, idle) = (pool.size() as f64, pool.num_idle() as f64);
    metrics::gauge!("clearview_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("clearview_db_pool_connections", "state" => "in_use").set(size - idle);
    metrics::gauge!("clearview_db_pool_max_connections").set(pool.options().get_max_connections() as f64);
    let depths = match store.job_queue_stats().await {
        Ok(depths) => depths,
        Err(err) => {
            tracing::warn!(error = %err, "cannot read the job queue for metrics");
            return;
        }
    };
    // Every kind and state is written, so one that emptied reads 0.
    for kind in [SEND_EMAIL, IMPORT_CONTACTS] {
        for state in [JobState::Queued, JobState::Running, JobState::Dead].map(JobState::as_str) {
            let depth = depths.iter().find(|d| d.kind == kind && d.state == state);
            let labels = [("kind", kind), ("state", state)];
            metrics::gauge!("clearview_jobs", &labels).set(depth.map_or(0.0, |d| d.jobs as f64));
            metrics::gauge!("clearview_jobs_oldest_age_seconds", &labels).set(depth.map_or(0.0, |d| d.oldest_seconds));
        }
    }
}
