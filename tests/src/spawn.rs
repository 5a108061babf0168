//! Spawning the server on a fresh database.

use crate::client::User;
use crate::smtp::{SmtpSink, token_in};
use clearview_app::{Application, Config, Secret};
use clearview_app::{Policy, RateLimitSettings};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery staple";

fn shared_server_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// The same server as the owner URL, connecting as another role.
fn as_role(base: &str, role: &str, database: &str) -> String {
    let (scheme, rest) = base.split_once("://").expect("TEST_DATABASE_URL is a URL");
    let host = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    format!("{scheme}://{role}@{host}/{database}")
}

/// What a test may change about the server it spawns.
#[derive(Clone)]
pub struct AppOptions {
    pub redis_url: Option<String>,
    pub max_body_bytes: usize,
    /// Connect the server as the owner instead of the application role.
    pub connect_as_owner: bool,
    /// Where mail goes (`smtp://127.0.0.1:<port>`); `None` writes files.
    pub smtp_url: Option<String>,
    /// Run an outbox worker inside the server.
    pub embedded_worker: bool,
    /// Rate limits; by default [`generous_limits`], so that tests sharing
    /// one Redis (and 127.0.0.1) never limit each other.
    pub rate_limits: RateLimitSettings,
    /// `IMPORT_MAX_BYTES`, `IMPORT_MAX_ROWS` and `IMPORT_BATCH_ROWS`.
    pub import_max_bytes: u64,
    pub import_max_rows: i64,
    pub import_batch_rows: usize,
    /// `IMPORT_QUOTA_BYTES`.
    pub import_quota_bytes: u64,
    /// `DATABASE_MAX_CONNECTIONS` and `DATABASE_ACQUIRE_TIMEOUT_MS`.
    pub database_max_connections: u32,
    pub database_acquire_timeout_ms: u64,
    /// `CLIENT_STALL_SECONDS`.
    pub client_stall_seconds: u64,
    /// `ORG_MAX_CONCURRENT_TRANSFERS`.
    pub org_max_concurrent_transfers: usize,
    /// `WEB_DIR`: the built app to serve at `/` (none by default).
    pub web_dir: Option<String>,
    /// `METRICS_ADDR` (none by default).
    pub metrics_addr: Option<String>,
    /// A PostgreSQL server of the test's own (a superuser URL without a
    /// database name) instead of the shared one.
    pub database_server: Option<String>,
    /// `WEBHOOK_ALLOW_HOSTS` (a receiver on loopback); http is allowed.
    pub webhook_allow_hosts: Vec<String>,
    /// `host:port` of identity providers on loopback (the tests' own).
    pub oidc_allow_hosts: Vec<String>,
}

/// The production policy names with limits no test reaches by accident.
pub fn generous_limits() -> RateLimitSettings {
    let generous = |p: Policy| Policy::new(p.name, 1_000_000, p.period);
    let d = RateLimitSettings::default();
    RateLimitSettings {
        login_ip: generous(d.login_ip),
        login_email: generous(d.login_email),
        login_account: generous(d.login_account),
        organization_api: generous(d.organization_api),
        api_key: generous(d.api_key),
        password_reset_ip: generous(d.password_reset_ip),
        password_reset_email: generous(d.password_reset_email),
        password_reset_account: generous(d.password_reset_account),
        invitation_organization: generous(d.invitation_organization),
        account_ip: generous(d.account_ip),
        mfa: generous(d.mfa),
        trust_proxy_headers: false,
    }
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            redis_url: Some(std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())),
            max_body_bytes: 1024 * 1024,
            connect_as_owner: false,
            smtp_url: None,
            embedded_worker: true,
            rate_limits: generous_limits(),
            import_max_bytes: 256 * 1024 * 1024,
            import_max_rows: 2_000_000,
            import_batch_rows: 5_000,
            import_quota_bytes: 1024 * 1024 * 1024,
            database_max_connections: 4,
            // Generous: parallel tests on two cores can be slow to answer.
            database_acquire_timeout_ms: 10_000,
            client_stall_seconds: 30,
            org_max_concurrent_transfers: 2,
            web_dir: None,
            metrics_addr: None,
            database_server: None,
            webhook_allow_hosts: Vec::new(),
            oidc_allow_hosts: Vec::new(),
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub database: String,
    /// The schema owner's pool (bypasses RLS as superuser): for arranging
    /// what the API cannot do yet and for asserting what was stored.
    pub owner: PgPool,
    pub http: reqwest::Client,
    /// The server's configuration (to start more workers like it).
    pub config: Config,
    /// `http://127.0.0.1:<port>` of `/metrics` when `metrics_addr` was set.
    pub metrics_address: Option<String>,
    /// The PostgreSQL server's superuser URL (no database name).
    server: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await.expect("the server starts")
}

/// Creates and migrates a fresh database, then starts the server on it.
pub async fn spawn_app_with(options: AppOptions) -> Result<TestApp, String> {
    let database = format!("cv_test_{}", Uuid::new_v4().simple());
    let server = options.database_server.clone().unwrap_or_else(shared_server_url);
    let mut admin = PgConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("PostgreSQL is reachable (see TEST_DATABASE_URL)");
    admin
        .execute(sqlx::AssertSqlSafe(format!(r#"CREATE DATABASE "{database}""#)))
        .await
        .expect("can create a test database");
    let owner_url = format!("{server}/{database}");
    let owner = PgPool::connect(&owner_url).await.expect("owner connects");
    clearview_store_postgres::migrate(&owner)
        .await
        .expect("migrations apply");

    let app_url = if options.connect_as_owner {
        owner_url
    } else {
        as_role(&server, "clearview_app", &database)
    };
    let config = Config {
        host: "127.0.0.1".into(),
        port: 0,
        worker_database_url: Secret::new(as_role(&server, "clearview_worker", &database)),
        app_database_url: Secret::new(app_url),
        database_max_connections: options.database_max_connections,
        redis_url: options.redis_url.map(Secret::new),
        jwt_secret: Secret::new(Uuid::new_v4().simple().to_string() + &Uuid::new_v4().simple().to_string()),
        access_token_ttl_seconds: 900,
        // The lowest cost keeps tests fast; production defaults to 12.
        bcrypt_cost: 4,
        allowed_origins: vec!["http://127.0.0.1:8080".into()],
        secure_cookies: true,
        max_body_bytes: options.max_body_bytes,
        workers: 1,
        public_base_url: "http://127.0.0.1:8080".into(),
        smtp_url: options.smtp_url.map(Secret::new),
        mail_from: "Clearview <no-reply@clearview.test>".into(),
        mail_dir: std::env::temp_dir().join(&database).display().to_string(),
        embedded_worker: options.embedded_worker,
        // Short timings so retries and lease expiry happen within a test.
        job_backoff_base_ms: 50,
        job_lease_seconds: 2,
        job_poll_ms: 100,
        rate_limits: options.rate_limits,
        import_max_bytes: options.import_max_bytes,
        import_max_rows: options.import_max_rows,
        import_batch_rows: options.import_batch_rows,
        import_quota_bytes: options.import_quota_bytes,
        database_acquire_timeout_ms: options.database_acquire_timeout_ms,
        client_stall_seconds: options.client_stall_seconds,
        org_max_concurrent_transfers: options.org_max_concurrent_transfers,
        web_dir: options.web_dir.clone(),
        shutdown_timeout_seconds: 30,
        metrics_addr: options.metrics_addr.clone(),
        webhook_allow_http: true,
        webhook_allow_hosts: options.webhook_allow_hosts.clone(),
        oidc_allow_http: true,
        oidc_allow_hosts: options.oidc_allow_hosts.clone(),
    };
    let app = Application::build(config.clone()).await.map_err(|e| e.to_string())?;
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app.metrics_port().map(|port| format!("http://127.0.0.1:{port}"));
    tokio::spawn(app.run_until_stopped());
    Ok(TestApp {
        address,
        database,
        owner,
        http: crate::http_client(),
        config,
        metrics_address,
        server,
    })
}

impl TestApp {
    /// A client with no session.
    pub fn anonymous(&self) -> User {
        User::new(self.http.clone(), self.address.clone())
    }

    /// Signs up a new organization and confirms it through the e-mailed
    /// link; returns its signed-in admin.
    pub async fn register(&self, organization: &str) -> User {
        self.register_reading(organization, None, &self.address).await
    }

    /// `register` for a server that mails to `sink`.
    pub async fn register_via(&self, sink: &SmtpSink, organization: &str) -> User {
        self.register_reading(organization, Some(sink), &self.address).await
    }

    /// `register` through another server on this database (`address`).
    pub async fn register_at(&self, address: &str, organization: &str) -> User {
        self.register_reading(organization, None, address).await
    }

    async fn register_reading(&self, organization: &str, sink: Option<&SmtpSink>, address: &str) -> User {
        let email = format!(
            "admin-{}@{}.test",
            Uuid::new_v4().simple(),
            organization.to_lowercase().replace(' ', "-")
        );
        let mut user = self.anonymous().at(address);
        let response = user
            .post(
                "/api/auth/register",
                &serde_json::json!({"organization_name": organization, "name": "Admin", "email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status, 202, "register: {}", response.body);
        let mail = self.mail_to(&email, "/verify-email?token=", sink).await;
        let token = token_in(&mail).expect("a token in the confirmation e-mail");
        let response = user
            .post(
                "/api/auth/verify-email",
                &serde_json::json!({"token": token, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status, 201, "verify-email: {}", response.body);
        user.user_id = response.json["user"]["id"].as_str().unwrap().parse().unwrap();
        user.tenant_id = response.json["organization"]["id"].as_str().unwrap().parse().unwrap();
        self.forget_confirmation(user.tenant_id, &email, sink).await;
        user.email = email;
        user
    }

    /// Removes the confirmation e-mail's job (once no worker is sending
    /// it) and its delivered copy, so a test sees only the jobs and mail
    /// it caused itself.
    async fn forget_confirmation(&self, tenant: Uuid, email: &str, sink: Option<&SmtpSink>) {
        let started = std::time::Instant::now();
        loop {
            sqlx::query("DELETE FROM jobs WHERE tenant_id = $1 AND state <> 'running'")
                .bind(tenant)
                .execute(&self.owner)
                .await
                .unwrap();
            let left: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE tenant_id = $1")
                .bind(tenant)
                .fetch_one(&self.owner)
                .await
                .unwrap();
            if left == 0 {
                break;
            }
            assert!(started.elapsed().as_secs() < 10, "the confirmation job stays running");
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        if let Some(sink) = sink {
            sink.forget_mail_to(email);
        }
    }

    /// The newest e-mail to `address` whose text contains `marker`, with
    /// quoted-printable undone: read from the outbox while it is queued,
    /// else from the mail folder or `sink` once sent. Panics after 10 s.
    pub async fn mail_to(&self, address: &str, marker: &str, sink: Option<&SmtpSink>) -> String {
        let unfold = |m: &str| m.replace("=\r\n", "").replace("=3D", "=");
        let started = std::time::Instant::now();
        while started.elapsed() < std::time::Duration::from_secs(10) {
            // Queued e-mails are sealed; the test opens them with the
            // server's key, as the worker does.
            let rows: Vec<(Uuid, Uuid, serde_json::Value)> = sqlx::query_as(
                "SELECT tenant_id, id, payload FROM jobs WHERE kind = 'send_email' AND payload <> '{}' \
                 ORDER BY created_at DESC",
            )
            .fetch_all(&self.owner)
            .await
            .unwrap();
            let key = self.config.outbox_key();
            let queued: Vec<String> = rows
                .iter()
                .filter_map(|(tenant, id, payload)| key.open(*tenant, *id, payload).ok())
                .filter(|p| p["to"] == address)
                .filter_map(|p| p["text"].as_str().map(str::to_owned))
                .collect();
            // Outbox rows are already the address's; files and sink
            // messages are matched on their headers.
            let mut sent: Vec<String> = Vec::new();
            if let Ok(entries) = std::fs::read_dir(&self.config.mail_dir) {
                let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
                files.sort();
                sent.extend(
                    files
                        .iter()
                        .rev()
                        .filter_map(|f| std::fs::read_to_string(f).ok())
                        .map(|m| unfold(&m)),
                );
            }
            if let Some(sink) = sink {
                sent.extend(sink.messages().iter().rev().map(|m| unfold(m)));
            }
            let found = queued
                .into_iter()
                .find(|m| m.contains(marker))
                .or_else(|| sent.into_iter().find(|m| m.contains(address) && m.contains(marker)));
            if let Some(mail) = found {
                return mail;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("no e-mail to {address} containing {marker}");
    }

    /// Adds a member with `role` to the admin's organization (directly in the
    /// database: invitations arrive with their own issue) and signs them in.
    pub async fn member(&self, admin: &User, role: &str) -> User {
        let user_id = Uuid::now_v7();
        let email = format!("{role}-{}@members.test", user_id.simple());
        let hash = bcrypt::hash(PASSWORD, 4).unwrap();
        sqlx::query("INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)")
            .bind(user_id)
            .bind(&email)
            .bind(format!("A {role}"))
            .bind(hash)
            .execute(&self.owner)
            .await
            .unwrap();
        self.add_membership(admin.tenant_id, user_id, role).await;
        let mut member = self.anonymous();
        let response = member
            .post(
                "/api/auth/login",
                &serde_json::json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status, 200, "login: {}", response.body);
        member.email = email;
        member.user_id = user_id;
        member.tenant_id = admin.tenant_id;
        member
    }

    pub async fn add_membership(&self, tenant_id: Uuid, user_id: Uuid, role: &str) {
        sqlx::query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)")
            .bind(tenant_id)
            .bind(user_id)
            .bind(role)
            .execute(&self.owner)
            .await
            .unwrap();
    }

    /// Runs SQL as the owner (arranging state the API cannot set yet).
    pub async fn owner_exec(&self, sql: &'static str, id: Uuid) {
        sqlx::query(sql).bind(id).execute(&self.owner).await.unwrap();
    }
}

impl Drop for TestApp {
    /// Drops the test database in the background so runs leave nothing.
    fn drop(&mut self) {
        let (database, server) = (self.database.clone(), self.server.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(mut admin) = PgConnection::connect(&format!("{server}/postgres")).await {
                        let sql = format!(r#"DROP DATABASE IF EXISTS "{database}" WITH (FORCE)"#);
                        let _ = admin.execute(sqlx::AssertSqlSafe(sql)).await;
                    }
                });
            }
        });
    }
}
