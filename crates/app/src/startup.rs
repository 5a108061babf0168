//! Wiring: adapters into use cases, use cases into the HTTP server.

use crate::config::Config;
use crate::jobs::Jobs;
use crate::readiness::Probes;
use crate::worker::Worker;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::web::Data;
use actix_web::{App, HttpServer};
use clearview_activities::ActivityService;
use clearview_cache_redis::FallbackRateLimiter;
use clearview_cache_redis::RedisDenylist;
use clearview_contacts::{CompanyService, ContactService, ImportService};
use clearview_deals::DealService;
use clearview_http_api::Limits;
use clearview_http_api::security::api_key_secrets::{ApiKeySecrets, ScimTokenSecrets};
use clearview_http_api::security::mfa_secrets::MfaRandom;
use clearview_http_api::security::{password::BcryptHasher, secrets::RefreshSecrets, tokens::TokenKeys};
use clearview_http_api::{ApiState, HttpSettings, configure, request_id_middleware};
use clearview_kernel::export::ExportService;
use clearview_kernel::jobs::JobService;
use clearview_pipelines::PipelineService;
use clearview_store_postgres::{PgStore, assert_role_cannot_bypass_rls, connect_with};
use clearview_tenancy::{
    ApiKeyService, AuditService, MailDelivery, MfaPorts, MfaService, PrivacyService, SignupService, ViewService,
    WebhookService,
};
use clearview_tenancy::{AuthService, OrganizationService, PasswordResetService, SessionDenylist, TeamService};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A bound, not yet running server; `port()` tells where (port 0 in tests).
pub struct Application {
    port: u16,
    server: Server,
    /// Cancelled when shutdown starts: the server stops accepting and the
    /// embedded worker stops claiming (ADR 0020).
    shutdown: CancellationToken,
    worker: Option<JoinHandle<()>>,
    shutdown_timeout: Duration,
    metrics_port: Option<u16>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = connect_with(
            config.app_database_url.expose(),
            config.database_max_connections,
            std::time::Duration::from_millis(config.database_acquire_timeout_ms.max(1)),
        )
        .await?;
        assert_role_cannot_bypass_rls(&pool).await.map_err(anyhow::Error::msg)?;
        let store = Arc::new(
            PgStore::new(pool.clone(), config.outbox_key())
                .with_client_stall(std::time::Duration::from_secs(config.client_stall_seconds.max(1))),
        );

        let shutdown = CancellationToken::new();
        // First, so the recorder exists before anything is recorded.
        let metrics_port = match &config.metrics_addr {
            Some(address) => Some(crate::metrics::start(address, (*store).clone(), shutdown.clone())?),
            None => None,
        };

        // One multiplexed connection shared by the denylist and the limiter.
        let redis_connection = match &config.redis_url {
            Some(url) => Some(clearview_cache_redis::connect(url.expose())?),
            None => None,
        };
        let redis = redis_connection
            .clone()
            .map(|conn| Arc::new(RedisDenylist::new(conn, config.access_token_ttl_seconds as u64)));
        // Shares limits across instances through Redis; limits in process
        // when Redis is absent or failing (invariant 6).
        let rate_limiter = FallbackRateLimiter::new(redis_connection);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let hasher = {
            let cost = config.bcrypt_cost;
            // Hashing may use every core but one, so a login flood cannot
            // starve the other requests of CPU.
            let hashing_threads = cores.saturating_sub(1).max(1);
            Arc::new(tokio::task::spawn_blocking(move || BcryptHasher::new(cost, hashing_threads)).await??)
        };
        let secrets = Arc::new(RefreshSecrets);
        let denylist = redis.clone().map(|r| r as Arc<dyn SessionDenylist>);
        let auth = AuthService::new(
            store.clone(),
            hasher.clone(),
            secrets.clone(),
            denylist.clone(),
            chrono::Duration::seconds(config.access_token_ttl_seconds),
            store.clone(),
        );
        let mfa = MfaService::new(MfaPorts {
            repo: store.clone(),
            accounts: store.clone(),
            hasher: hasher.clone(),
            minter: secrets.clone(),
            secrets: Arc::new(MfaRandom),
            auth: auth.clone(),
            log: store.clone(),
        });
        let signups = SignupService::new(
            store.clone(),
            store.clone(),
            hasher.clone(),
            secrets.clone(),
            auth.clone(),
            config.public_base_url.clone(),
        );
        let team = TeamService::new(
            store.clone(),
            store.clone(),
            hasher.clone(),
            secrets.clone(),
            denylist.clone(),
            config.public_base_url.clone(),
        );
        let resets = PasswordResetService::new(
            store.clone(),
            store.clone(),
            hasher.clone(),
            secrets.clone(),
            denylist.clone(),
            config.public_base_url.clone(),
        );
        let worker = match config.embedded_worker {
            true => Some(start_worker(&config, shutdown.clone()).await?),
            false => None,
        };
        let sso = clearview_tenancy::sso::SsoService::new(
            store.clone(),
            config.identity_provider(),
            secrets.clone(),
            auth.clone(),
            config.public_base_url.clone(),
        );
        let state = Data::new(ApiState {
            signups,
            team,
            resets,
            jobs: JobService::new(store.clone()),
            exports: ExportService::new(store.clone()),
            transfers: clearview_http_api::security::transfers::TransferSlots::new(config.org_max_concurrent_transfers),
            auth,
            contacts: ContactService::new(store.clone(), store.clone(), store.clone()),
            imports: ImportService::new(store.clone()),
            companies: CompanyService::new(store.clone(), store.clone(), store.clone()),
            organizations: OrganizationService::new(store.clone()),
            pipelines: PipelineService::new(store.clone(), store.clone()),
            deals: DealService::new(store.clone(), store.clone(), store.clone()),
            activities: ActivityService::new(store.clone(), store.clone(), store.clone()),
            tokens: TokenKeys::new(config.jwt_secret.expose().as_bytes(), config.access_token_ttl_seconds),
            readiness: Arc::new(Probes {
                pool,
                redis: redis.clone(),
            }),
            limits: Limits::new(Arc::new(rate_limiter), config.rate_limits.clone()),
            audit: AuditService::new(store.clone(), store.clone()),
            mfa,
            views: ViewService::new(store.clone()),
            custom_fields: clearview_kernel::custom_fields::CustomFieldService::new(store.clone()),
            trash: clearview_kernel::trash::TrashService::new(store.clone(), store.clone()),
            reports: clearview_pipelines::ReportService::new(store.clone(), store.clone(), store.clone()),
            contact_merges: clearview_contacts::ContactMergeService::new(
                ContactService::new(store.clone(), store.clone(), store.clone()),
                store.clone(),
                store.clone(),
            ),
            company_merges: clearview_contacts::CompanyMergeService::new(
                CompanyService::new(store.clone(), store.clone(), store.clone()),
                store.clone(),
                store.clone(),
            ),
            rates: clearview_pipelines::RateService::new(store.clone()),
            api_keys: ApiKeyService::new(store.clone(), Arc::new(ApiKeySecrets)),
            sso,
            scim: clearview_tenancy::scim::ScimService::new(
                store.clone(),
                Arc::new(ScimTokenSecrets),
                denylist.clone(),
            ),
            webhooks: WebhookService::new(store.clone(), config.webhook_sender(), config.public_base_url.clone()),
            privacy: PrivacyService::new(
                store.clone(),
                store.clone(),
                store.clone(),
                redis.map(|r| r as Arc<dyn SessionDenylist>),
            ),
        });
        let settings = HttpSettings {
            allowed_origins: config.allowed_origins.clone(),
            secure_cookies: config.secure_cookies,
            max_body_bytes: config.max_body_bytes,
            import_max_bytes: config.import_max_bytes,
            import_quota_bytes: config.import_quota_bytes,
            client_stall: std::time::Duration::from_secs(config.client_stall_seconds.max(1)),
            web_dir: config.web_dir.as_ref().map(std::path::PathBuf::from),
            public_base_url: config.public_base_url.clone(),
        };

        let listener = TcpListener::bind((config.host.as_str(), config.port))?;
        let port = listener.local_addr()?.port();
        let server = HttpServer::new(move || {
            App::new()
                .configure(configure(state.clone(), settings.clone()))
                .wrap(from_fn(request_id_middleware))
                .wrap(actix_web::middleware::DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
        })
        .on_connect(clearview_http_api::stall::remember_client_socket)
        .workers(config.workers.max(1))
        // Graceful: no new connections, keep-alive off, in-flight requests
        // finish within the timeout. Signals are ours (`run_until`), so
        // Ctrl-C is as graceful as SIGTERM.
        .shutdown_signal(shutdown.clone().cancelled_owned())
        .shutdown_timeout(config.shutdown_timeout_seconds)
        // A client must send its request head within 5 s (slowloris); body
        // reads have their own stall timeout (CLIENT_STALL_SECONDS).
        .client_request_timeout(std::time::Duration::from_secs(5))
        .client_disconnect_timeout(std::time::Duration::from_secs(1))
        .listen(listener)?
        .run();
        tracing::info!(port, "clearview listening");
        Ok(Self {
            port,
            server,
            shutdown,
            worker,
            shutdown_timeout: config.shutdown_timeout(),
            metrics_port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port, when `METRICS_ADDR` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// Serves until the process ends (tests).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(std::future::pending()).await
    }

    /// Serves until `signal` completes, then shuts down gracefully: no new
    /// connections, in-flight requests and running jobs finish (or jobs
    /// are handed back) within `SHUTDOWN_TIMEOUT_SECONDS`.
    pub async fn run_until(self, signal: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            signal.await;
            tracing::info!("shutting down: no new connections; finishing requests and jobs");
            shutdown.cancel();
        });
        let served = self.server.await;
        self.shutdown.cancel();
        if let Some(worker) = self.worker {
            // The worker bounds itself by the same timeout; a margin covers
            // handing its jobs back.
            let bound = self.shutdown_timeout + Duration::from_secs(5);
            if tokio::time::timeout(bound, worker).await.is_err() {
                tracing::error!("the worker did not stop in time");
            }
        }
        served
    }
}

/// Completes on SIGTERM or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

/// The worker's database adapter, connected as `clearview_worker` (its own
/// small pool: the listener and the lanes' connections), checked like the
/// server's role: no superuser, no BYPASSRLS, no table owner.
pub async fn worker_store(config: &Config) -> anyhow::Result<PgStore> {
    let pool = connect_with(
        config.worker_database_url.expose(),
        4,
        std::time::Duration::from_millis(config.database_acquire_timeout_ms.max(1)),
    )
    .await?;
    assert_role_cannot_bypass_rls(&pool).await.map_err(anyhow::Error::msg)?;
    Ok(PgStore::new(pool, config.outbox_key()))
}

/// Starts an outbox worker on the current runtime; it stops when
/// `shutdown` is cancelled.
pub async fn start_worker(config: &Config, shutdown: CancellationToken) -> anyhow::Result<JoinHandle<()>> {
    spawn_worker(config, worker_store(config).await?, shutdown)
}

/// Wires a worker — the queue and the use cases behind it, the LISTEN that
/// wakes it, the schedules — and runs it until `shutdown` is cancelled.
pub fn spawn_worker(config: &Config, store: PgStore, shutdown: CancellationToken) -> anyhow::Result<JoinHandle<()>> {
    let settings = config.worker_settings();
    let handler = Jobs {
        mail: MailDelivery::new(config.mailer().map_err(anyhow::Error::msg)?),
        webhooks: WebhookService::new(
            Arc::new(store.clone()),
            config.webhook_sender(),
            config.public_base_url.clone(),
        ),
        store: store.clone(),
        lease: settings.lease,
        import: settings.import.clone(),
    };
    let worker = Worker::new(Arc::new(store.clone()), Arc::new(handler), settings.clone());
    let worker_id = worker.id().to_owned();
    let base_url = config.public_base_url.clone();
    let wake = Arc::new(Notify::new());
    Ok(tokio::spawn(async move {
        let listening = {
            let (store, wake) = (store.clone(), wake.clone());
            tokio::spawn(async move { store.listen_for_jobs(&wake, settings.poll).await })
        };
        let schedules = {
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                crate::schedules::run(&store, &base_url, &worker_id, settings.schedule_check, &shutdown).await
            })
        };
        worker.run(shutdown, wake).await;
        if let Err(err) = schedules.await {
            tracing::error!(error = %err, "the schedules task panicked");
        }
        listening.abort();
    }))
}
