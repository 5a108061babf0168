//! The real `clearview` binary as a child process, for what only a process
//! shows: signals, exit codes, more than one instance on one database.

use crate::smtp::unused_port;
use clearview_app::Config;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// `clearview serve` (or `worker`) running with a test's configuration;
/// killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub address: String,
    /// Where its log lines go (shown when a test fails).
    pub log: PathBuf,
}

/// The binary `cargo build` made beside this test binary (`CLEARVIEW_BIN`
/// overrides). `cargo xtask test` builds it before the tests run.
fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("CLEARVIEW_BIN") {
        return path.into();
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/debug/deps/api-… (a test) or target/debug/xtask → target/debug/clearview
    let dir = exe.parent().expect("a target directory");
    let beside = dir.join("clearview");
    let path = if beside.is_file() {
        beside
    } else {
        dir.parent().expect("a target directory").join("clearview")
    };
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build -p clearview-app` first (`cargo xtask test` does)",
        path.display()
    );
    path
}

/// The environment that makes `Config::from_env` give back `config`'s
/// settings (the ones a test relies on), listening on `port`.
fn environment(config: &Config, port: u16) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("HOST", "127.0.0.1".to_owned()),
        ("PORT", port.to_string()),
        ("APP_DATABASE_URL", config.app_database_url.expose().to_owned()),
        ("WORKER_DATABASE_URL", config.worker_database_url.expose().to_owned()),
        ("DATABASE_MAX_CONNECTIONS", config.database_max_connections.to_string()),
        (
            "DATABASE_ACQUIRE_TIMEOUT_MS",
            config.database_acquire_timeout_ms.to_string(),
        ),
        ("JWT_SECRET", config.jwt_secret.expose().to_owned()),
        ("BCRYPT_COST", config.bcrypt_cost.to_string()),
        ("ALLOWED_ORIGINS", config.allowed_origins.join(",")),
        ("PUBLIC_BASE_URL", config.public_base_url.clone()),
        ("MAIL_FROM", config.mail_from.clone()),
        ("MAIL_DIR", config.mail_dir.clone()),
        ("EMBEDDED_WORKER", config.embedded_worker.to_string()),
        ("JOB_BACKOFF_BASE_MS", config.job_backoff_base_ms.to_string()),
        ("JOB_LEASE_SECONDS", config.job_lease_seconds.to_string()),
        ("JOB_POLL_MS", config.job_poll_ms.to_string()),
        ("HTTP_WORKERS", "1".to_owned()),
        ("WEB_DIR", config.web_dir.clone().unwrap_or_else(|| "none".to_owned())),
        ("COOKIE_SECURE", config.secure_cookies.to_string()),
        ("SHUTDOWN_TIMEOUT_SECONDS", config.shutdown_timeout_seconds.to_string()),
        (
            "TRUST_PROXY_HEADERS",
            config.rate_limits.trust_proxy_headers.to_string(),
        ),
        ("RUST_LOG", "info,sqlx=warn".to_owned()),
    ];
    let limits = &config.rate_limits;
    for (name, policy) in [
        ("RATE_LIMIT_LOGIN_IP", &limits.login_ip),
        ("RATE_LIMIT_LOGIN_EMAIL", &limits.login_email),
        ("RATE_LIMIT_LOGIN_ACCOUNT", &limits.login_account),
        ("RATE_LIMIT_ORG_API", &limits.organization_api),
        ("RATE_LIMIT_PASSWORD_RESET_IP", &limits.password_reset_ip),
        ("RATE_LIMIT_PASSWORD_RESET_EMAIL", &limits.password_reset_email),
        ("RATE_LIMIT_PASSWORD_RESET_ACCOUNT", &limits.password_reset_account),
        ("RATE_LIMIT_INVITATIONS_ORG", &limits.invitation_organization),
        ("RATE_LIMIT_ACCOUNT_IP", &limits.account_ip),
        ("RATE_LIMIT_MFA", &limits.mfa),
        ("RATE_LIMIT_API_KEY", &limits.api_key),
    ] {
        env.push((name, format!("{}/{}s", policy.limit, policy.period.as_secs().max(1))));
    }
    if let Some(redis) = &config.redis_url {
        env.push(("REDIS_URL", redis.expose().to_owned()));
    }
    if let Some(metrics) = &config.metrics_addr {
        env.push(("METRICS_ADDR", metrics.clone()));
    }
    if let Some(smtp) = &config.smtp_url {
        env.push(("SMTP_URL", smtp.expose().to_owned()));
    }
    env
}

/// A fresh database with an in-process server that runs no worker (to
/// sign up through), for tests whose servers under test are child
/// processes; mail goes to `smtp_url` when given.
pub async fn database_for_processes(smtp_url: Option<String>) -> crate::TestApp {
    crate::spawn_app_with(crate::AppOptions {
        smtp_url,
        embedded_worker: false,
        ..crate::AppOptions::default()
    })
    .await
    .expect("the server starts")
}

impl ServerProcess {
    /// Starts `clearview serve` with `config` and waits until it answers
    /// `/healthz`.
    pub async fn serve(config: &Config) -> Self {
        Self::serve_with_env(config, &[]).await
    }

    /// `serve` with settings `Config` does not hold (for example the
    /// OpenTelemetry exporter's `OTEL_*` variables).
    pub async fn serve_with_env(config: &Config, extra: &[(&'static str, String)]) -> Self {
        let port = unused_port();
        let process = Self::spawn("serve", config, port, extra);
        process.wait_until_healthy().await;
        process
    }

    /// Starts `clearview worker` with `config`.
    pub fn worker(config: &Config) -> Self {
        Self::spawn("worker", config, 0, &[])
    }

    fn spawn(command: &str, config: &Config, port: u16, extra: &[(&'static str, String)]) -> Self {
        let log = std::env::temp_dir().join(format!("clearview-{command}-{}.log", uuid::Uuid::new_v4().simple()));
        let file = std::fs::File::create(&log).expect("a log file");
        let child = Command::new(binary())
            .arg(command)
            .env_clear()
            .envs(environment(config, port))
            .envs(extra.iter().cloned())
            .stdout(Stdio::from(file.try_clone().expect("log file handle")))
            .stderr(Stdio::from(file))
            .kill_on_drop(true)
            .spawn()
            .expect("the clearview binary starts");
        Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    async fn wait_until_healthy(&self) {
        let started = Instant::now();
        let http = crate::http_client();
        loop {
            if let Ok(response) = http.get(format!("{}/healthz", self.address)).send().await
                && response.status().is_success()
            {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not start; its log: {}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGTERM, as an orchestrator stopping the process does.
    pub fn terminate(&self) {
        let pid = self.child.id().expect("the process is running");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM {pid} failed");
    }

    /// Waits for the process to exit, failing the test after `within`.
    pub async fn exit_status(&mut self, within: Duration) -> ExitStatus {
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(status) => status.expect("the process can be waited for"),
            Err(_) => panic!(
                "the process did not exit within {within:?}; its log: {}",
                self.log_text()
            ),
        }
    }

    /// The port `serve` listens on.
    pub fn port(&self) -> u16 {
        self.address
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port")
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.log);
    }
}
