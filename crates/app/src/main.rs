//! `clearview`: the Clearview CRM server.
//!
//! - `clearview serve` — serve the HTTP API (configuration from the
//!   environment, see the README).
//! - `clearview worker` — run an outbox worker alone (`serve` runs one
//!   inside unless `EMBEDDED_WORKER=false`).
//!
//! `serve` and `worker` stop gracefully on SIGTERM or Ctrl-C and exit 0.
//! - `clearview migrate` — apply database migrations as the schema owner
//!   (`DATABASE_URL`), for deployments; with `APP_DATABASE_PASSWORD` set it
//!   also sets the password of the `clearview_app` role the server uses.
//! - `clearview openapi` — print the OpenAPI document (the web app's typed
//!   client is generated from it; CI checks the committed copy is current).

use clearview_app::{Application, Config, shutdown_signal, telemetry};
use tokio_util::sync::CancellationToken;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    // Before the OTLP exporter builds its HTTP client (see the function).
    clearview_webhooks_http::install_tls_provider();
    let telemetry = telemetry::init();
    let outcome = run().await;
    // Buffered spans go out before the process ends (a blocking flush).
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    outcome
}

async fn run() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("serve") | None => {
            let config = Config::from_env()?;
            Application::build(config).await?.run_until(shutdown_signal()).await?;
        }
        Some("worker") => {
            // A worker alone: several may run beside any number of servers.
            let config = Config::from_env()?;
            let store = clearview_app::worker_store(&config).await?;
            let shutdown = CancellationToken::new();
            if let Some(address) = &config.metrics_addr {
                clearview_app::metrics::start(address, store.clone(), shutdown.clone())?;
            }
            let worker = clearview_app::spawn_worker(&config, store, shutdown.clone())?;
            tokio::spawn(async move {
                shutdown_signal().await;
                tracing::info!("shutting down: no new jobs; finishing or handing back running ones");
                shutdown.cancel();
            });
            worker.await?;
        }
        Some("migrate") => {
            let url = std::env::var("DATABASE_URL").map_err(|_| anyhow::anyhow!("DATABASE_URL is required"))?;
            let pool = clearview_store_postgres::connect(&url, 2).await?;
            clearview_store_postgres::migrate(&pool).await?;
            tracing::info!("migrations applied");
            if let Ok(password) = std::env::var("APP_DATABASE_PASSWORD") {
                clearview_store_postgres::set_app_role_password(&pool, &password).await?;
                tracing::info!("application role password set");
            }
            if let Ok(password) = std::env::var("WORKER_DATABASE_PASSWORD") {
                clearview_store_postgres::set_worker_role_password(&pool, &password).await?;
                tracing::info!("worker role password set");
            }
        }
        Some("openapi") => println!("{}", clearview_http_api::openapi_json()),
        Some(other) => {
            eprintln!(
                "unknown command `{other}`; use `clearview serve`, `clearview worker`, `clearview migrate` or `clearview openapi`"
            );
            std::process::exit(2);
        }
    }
    Ok(())
}
