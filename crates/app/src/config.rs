//! Configuration from environment variables, parsed once at start-up.
//! Secrets redact themselves in `Debug` (invariant 9). Every variable, its
//! default and meaning is listed in the README.

use clearview_http_api::RateLimitSettings;
use clearview_kernel::rate_limit::Policy;
use std::env;
use std::fmt;
use std::time::Duration;
/// A configuration problem, naming the variable.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// A secret value: usable, never printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// The application role's connection (may hold a password).
    pub app_database_url: Secret,
    /// The outbox worker's connection (role `clearview_worker`, the only one
    /// that may claim jobs across tenants).
    pub worker_database_url: Secret,
    pub database_max_connections: u32,
    pub redis_url: Option<Secret>,
    pub jwt_secret: Secret,
    pub access_token_ttl_seconds: i64,
    pub bcrypt_cost: u32,
    pub allowed_origins: Vec<String>,
    pub secure_cookies: bool,
    pub max_body_bytes: usize,
    pub workers: usize,
    /// Where links in e-mails point (the web app's origin).
    pub public_base_url: String,
    /// Real SMTP (`smtp://host:port`, `smtps://user:pass@host`); none: files.
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    /// Where `.eml` files go when there is no SMTP.
    pub mail_dir: String,
    /// Run an outbox worker inside `serve` (`clearview worker` runs one alone).
    pub embedded_worker: bool,
    pub job_backoff_base_ms: u64,
    pub job_lease_seconds: u64,
    pub job_poll_ms: u64,
    /// Rate-limit policies and whether `X-Forwarded-For` names the client.
    pub rate_limits: RateLimitSettings,
    /// Largest accepted CSV upload, in bytes (`IMPORT_MAX_BYTES`).
    pub import_max_bytes: u64,
    /// Most data rows one import takes (`IMPORT_MAX_ROWS`).
    pub import_max_rows: i64,
    /// Rows written per import transaction (`IMPORT_BATCH_ROWS`).
    pub import_batch_rows: usize,
    /// Stored import data one organization may hold (`IMPORT_QUOTA_BYTES`).
    pub import_quota_bytes: u64,
    /// How long a request waits for a pooled connection before it gets 503
    /// (`DATABASE_ACQUIRE_TIMEOUT_MS`).
    pub database_acquire_timeout_ms: u64,
    /// How long a client may stall (send no byte of an upload, read no byte
    /// of an export) before it is dropped (`CLIENT_STALL_SECONDS`).
    pub client_stall_seconds: u64,
    /// Uploads and exports one organization may run at once on one
    /// instance (`ORG_MAX_CONCURRENT_TRANSFERS`).
    pub org_max_concurrent_transfers: usize,
    /// The built web app to serve at `/` (`WEB_DIR`; default `web/dist`
    /// when it holds an `index.html`; `none` serves the API only).
    pub web_dir: Option<String>,
    /// `SHUTDOWN_TIMEOUT_SECONDS`: after SIGTERM or Ctrl-C, how long
    /// in-flight requests and running jobs may take to finish.
    pub shutdown_timeout_seconds: u64,
    /// `METRICS_ADDR`: where `GET /metrics` listens (for example
    /// `127.0.0.1:9090`); unset, there is no metrics listener.
    pub metrics_addr: Option<String>,
    /// `WEBHOOK_ALLOW_HTTP`: webhook URLs may be plain http (off: https only).
    pub webhook_allow_http: bool,
    /// `WEBHOOK_ALLOW_HOSTS`: `host:port` pairs webhooks may reach even on a
    /// private or loopback address (comma-separated; for tests).
    pub webhook_allow_hosts: Vec<String>,
    /// `OIDC_ALLOW_HTTP`: identity providers may be reached over plain http
    /// (off: https only; ADR 0037).
    pub oidc_allow_http: bool,
    /// `OIDC_ALLOW_HOSTS`: `host:port` pairs an identity provider may be
    /// reached at even on a private or loopback address (comma-separated; a
    /// provider on the same network, or the tests' on loopback).
    pub oidc_allow_hosts: Vec<String>,
}

/// Where the variables come from: the process environment, or a map a
/// tool fills (`Config::from_lookup`).
struct Vars<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Vars<'_> {
    fn var(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    fn parsed<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, ConfigError> {
        match self.var(name) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|_| ConfigError(format!("{name} has an invalid value"))),
        }
    }
}

/// `url` with its user replaced by `role` and any password dropped.
fn as_role(url: &str, role: &str, name: &str) -> Result<String, ConfigError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| ConfigError(format!("{name} is not a URL")))?;
    let host = rest.rsplit_once('@').map(|(_, host)| host).unwrap_or(rest);
    Ok(format!("{scheme}://{role}@{host}"))
}

/// The application role's URL: `APP_DATABASE_URL`, else `DATABASE_URL` with
/// its user replaced by `clearview_app` (the role the migrations create).
fn app_database_url(vars: &Vars) -> Result<String, ConfigError> {
    if let Some(url) = vars.var("APP_DATABASE_URL") {
        return Ok(url);
    }
    let owner = vars
        .var("DATABASE_URL")
        .ok_or_else(|| ConfigError("set APP_DATABASE_URL or DATABASE_URL".into()))?;
    as_role(&owner, "clearview_app", "DATABASE_URL")
}

/// The worker role's URL: `WORKER_DATABASE_URL`, else the application URL
/// with its user replaced by `clearview_worker` (password dropped).
fn worker_database_url(vars: &Vars, app_url: &str) -> Result<String, ConfigError> {
    match vars.var("WORKER_DATABASE_URL") {
        Some(url) => Ok(url),
        None => as_role(app_url, "clearview_worker", "APP_DATABASE_URL"),
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| env::var(name).ok())
    }

    /// The configuration `lookup` describes (a tool starting servers with
    /// settings of its own, `cargo xtask stack`).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = &Vars(lookup);
        let jwt_secret = vars
            .var("JWT_SECRET")
            .ok_or_else(|| ConfigError("JWT_SECRET is required (32+ random characters)".into()))?;
        if jwt_secret.len() < 32 {
            return Err(ConfigError("JWT_SECRET must be at least 32 characters".into()));
        }
        let bcrypt_cost = vars.parsed("BCRYPT_COST", 12u32)?;
        if !(4..=31).contains(&bcrypt_cost) {
            return Err(ConfigError("BCRYPT_COST must be between 4 and 31".into()));
        }
        let access_token_ttl_seconds = vars.parsed("ACCESS_TOKEN_TTL_SECONDS", 900i64)?;
        let app_url = app_database_url(vars)?;
        if !(1..=900).contains(&access_token_ttl_seconds) {
            return Err(ConfigError("ACCESS_TOKEN_TTL_SECONDS must be between 1 and 900".into()));
        }
        Ok(Config {
            host: vars.var("HOST").unwrap_or_else(|| "127.0.0.1".into()),
            port: vars.parsed("PORT", 8080u16)?,
            worker_database_url: Secret::new(worker_database_url(vars, &app_url)?),
            app_database_url: Secret::new(app_url),
            database_max_connections: vars.parsed("DATABASE_MAX_CONNECTIONS", 8u32)?,
            redis_url: vars.var("REDIS_URL").map(Secret::new),
            jwt_secret: Secret::new(jwt_secret),
            access_token_ttl_seconds,
            bcrypt_cost,
            allowed_origins: vars
                .var("ALLOWED_ORIGINS")
                .unwrap_or_else(|| "http://127.0.0.1:8080,http://localhost:8080".into())
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            secure_cookies: vars.parsed("COOKIE_SECURE", true)?,
            max_body_bytes: vars.parsed("MAX_BODY_BYTES", 1024 * 1024usize)?,
            workers: vars.parsed("HTTP_WORKERS", 2usize)?,
            public_base_url: vars
                .var("PUBLIC_BASE_URL")
                .unwrap_or_else(|| "http://127.0.0.1:8080".into()),
            smtp_url: vars.var("SMTP_URL").map(Secret::new),
            mail_from: vars
                .var("MAIL_FROM")
                .unwrap_or_else(|| "Clearview <no-reply@clearview.localhost>".into()),
            mail_dir: vars.var("MAIL_DIR").unwrap_or_else(|| ".dev/mail".into()),
            embedded_worker: vars.parsed("EMBEDDED_WORKER", true)?,
            job_backoff_base_ms: vars.parsed("JOB_BACKOFF_BASE_MS", 30_000u64)?,
            job_lease_seconds: vars.parsed("JOB_LEASE_SECONDS", 60u64)?,
            job_poll_ms: vars.parsed("JOB_POLL_MS", 1_000u64)?,
            rate_limits: rate_limits_from(vars)?,
            import_max_bytes: vars.parsed("IMPORT_MAX_BYTES", 256 * 1024 * 1024u64)?,
            import_max_rows: vars.parsed("IMPORT_MAX_ROWS", 2_000_000i64)?,
            import_batch_rows: vars.parsed("IMPORT_BATCH_ROWS", 5_000usize)?,
            import_quota_bytes: vars.parsed("IMPORT_QUOTA_BYTES", 1024 * 1024 * 1024u64)?,
            database_acquire_timeout_ms: vars.parsed("DATABASE_ACQUIRE_TIMEOUT_MS", 2_000u64)?,
            client_stall_seconds: vars.parsed("CLIENT_STALL_SECONDS", 30u64)?,
            org_max_concurrent_transfers: vars.parsed("ORG_MAX_CONCURRENT_TRANSFERS", 2usize)?,
            shutdown_timeout_seconds: vars.parsed("SHUTDOWN_TIMEOUT_SECONDS", 30u64)?,
            metrics_addr: vars.var("METRICS_ADDR"),
            webhook_allow_http: vars.parsed("WEBHOOK_ALLOW_HTTP", false)?,
            webhook_allow_hosts: host_list(vars.var("WEBHOOK_ALLOW_HOSTS")),
            oidc_allow_http: vars.parsed("OIDC_ALLOW_HTTP", false)?,
            oidc_allow_hosts: host_list(vars.var("OIDC_ALLOW_HOSTS")),
            web_dir: match vars.var("WEB_DIR") {
                Some(dir) if dir == "none" => None,
                Some(dir) => Some(dir),
                None => std::path::Path::new("web/dist/index.html")
                    .is_file()
                    .then(|| "web/dist".to_owned()),
            },
        })
    }
}

/// `RATE_LIMIT_*` variables (`<count>/<period>`, e.g. `20/1m`) over the
/// documented defaults of `RateLimitSettings`, and `TRUST_PROXY_HEADERS`.
fn rate_limits_from(vars: &Vars) -> Result<RateLimitSettings, ConfigError> {
    let defaults = RateLimitSettings::default();
    Ok(RateLimitSettings {
        login_ip: rate(vars, "RATE_LIMIT_LOGIN_IP", defaults.login_ip)?,
        login_email: rate(vars, "RATE_LIMIT_LOGIN_EMAIL", defaults.login_email)?,
        login_account: rate(vars, "RATE_LIMIT_LOGIN_ACCOUNT", defaults.login_account)?,
        organization_api: rate(vars, "RATE_LIMIT_ORG_API", defaults.organization_api)?,
        api_key: rate(vars, "RATE_LIMIT_API_KEY", defaults.api_key)?,
        password_reset_ip: rate(vars, "RATE_LIMIT_PASSWORD_RESET_IP", defaults.password_reset_ip)?,
        password_reset_email: rate(vars, "RATE_LIMIT_PASSWORD_RESET_EMAIL", defaults.password_reset_email)?,
        password_reset_account: rate(
            vars,
            "RATE_LIMIT_PASSWORD_RESET_ACCOUNT",
            defaults.password_reset_account,
        )?,
        invitation_organization: rate(vars, "RATE_LIMIT_INVITATIONS_ORG", defaults.invitation_organization)?,
        account_ip: rate(vars, "RATE_LIMIT_ACCOUNT_IP", defaults.account_ip)?,
        mfa: rate(vars, "RATE_LIMIT_MFA", defaults.mfa)?,
        trust_proxy_headers: vars.parsed("TRUST_PROXY_HEADERS", false)?,
    })
}

fn rate(vars: &Vars, name: &str, default: Policy) -> Result<Policy, ConfigError> {
    match vars.var(name) {
        None => Ok(default),
        Some(raw) => parse_rate(&raw)
            .map(|(limit, period)| Policy::new(default.name, limit, period))
            .ok_or_else(|| ConfigError(format!("{name} must look like 20/1m (count/period in s, m or h)"))),
    }
}

/// `<count>/<n>[s|m|h]`: a count of at least 1 per a period of at least 1 s
/// (a bare number is seconds).
fn parse_rate(raw: &str) -> Option<(u32, Duration)> {
    let (count, period) = raw.trim().split_once('/')?;
    let count: u32 = count.trim().parse().ok().filter(|c| *c >= 1)?;
    let period = period.trim();
    let (number, unit) = match period.char_indices().last()? {
        (i, 's') => (&period[..i], 1),
        (i, 'm') => (&period[..i], 60),
        (i, 'h') => (&period[..i], 3600),
        _ => (period, 1),
    };
    let number: u64 = number.trim().parse().ok().filter(|n| *n >= 1)?;
    Some((count, Duration::from_secs(number.checked_mul(unit)?)))
}

impl Config {
    /// The worker's timings from configuration.
    pub fn worker_settings(&self) -> crate::worker::WorkerSettings {
        crate::worker::WorkerSettings {
            lease: std::time::Duration::from_secs(self.job_lease_seconds.max(1)),
            backoff_base: std::time::Duration::from_millis(self.job_backoff_base_ms.max(1)),
            poll: std::time::Duration::from_millis(self.job_poll_ms.max(10)),
            import: clearview_contacts::ImportSettings {
                batch_rows: self.import_batch_rows.clamp(1, 50_000),
                max_rows: self.import_max_rows.max(1),
            },
            shutdown_grace: self.shutdown_timeout(),
            // Ten polls: 10 s in production; a second in the tests.
            schedule_check: std::time::Duration::from_millis(self.job_poll_ms.max(10) * 10),
        }
    }

    /// How long a graceful shutdown waits for requests and jobs.
    pub fn shutdown_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.shutdown_timeout_seconds)
    }

    /// The key that seals e-mail jobs at rest, derived from `JWT_SECRET`
    /// (so a database dump alone holds no usable link).
    pub fn outbox_key(&self) -> clearview_store_postgres::OutboxKey {
        clearview_store_postgres::OutboxKey::derive(self.jwt_secret.expose().as_bytes())
    }

    /// The webhook sender with this deployment's URL guard.
    pub fn webhook_sender(&self) -> std::sync::Arc<dyn clearview_tenancy::WebhookSender> {
        std::sync::Arc::new(clearview_webhooks_http::HttpWebhookSender::new(
            clearview_webhooks_http::Guard {
                allow_http: self.webhook_allow_http,
                allow_hosts: self.webhook_allow_hosts.clone(),
            },
        ))
    }

    /// The identity-provider client with this deployment's URL guard.
    pub fn identity_provider(&self) -> std::sync::Arc<dyn clearview_tenancy::sso::IdentityProvider> {
        std::sync::Arc::new(clearview_oidc_http::OidcHttp::new(clearview_webhooks_http::Guard {
            allow_http: self.oidc_allow_http,
            allow_hosts: self.oidc_allow_hosts.clone(),
        }))
    }

    /// The mail transport: SMTP when configured, else `.eml` files.
    pub fn mailer(&self) -> Result<std::sync::Arc<dyn clearview_kernel::mail::Mailer>, String> {
        Ok(match &self.smtp_url {
            Some(url) => std::sync::Arc::new(clearview_mail_smtp::SmtpMailer::new(url.expose(), &self.mail_from)?),
            None => std::sync::Arc::new(clearview_mail_smtp::FileMailer::new(&self.mail_dir, &self.mail_from)?),
        })
    }
}

/// A comma-separated list of `host:port` pairs.
fn host_list(raw: Option<String>) -> Vec<String> {
    raw.unwrap_or_default()
        .split(',')
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_count_slash_period() {
        assert_eq!(parse_rate("20/1m"), Some((20, Duration::from_secs(60))));
        assert_eq!(parse_rate(" 10 / 15m "), Some((10, Duration::from_secs(900))));
        assert_eq!(parse_rate("600/60"), Some((600, Duration::from_secs(60))));
        assert_eq!(parse_rate("3/2h"), Some((3, Duration::from_secs(7200))));
        assert_eq!(parse_rate("5/30s"), Some((5, Duration::from_secs(30))));
        for bad in ["", "20", "0/1m", "20/0s", "x/1m", "20/1d", "-1/1m", "20/m"] {
            assert_eq!(parse_rate(bad), None, "{bad}");
        }
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let secret = Secret::new("hunter2-hunter2");
        assert_eq!(format!("{secret:?}"), "<redacted>");
    }
}
