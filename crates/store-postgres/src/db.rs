//! Pools, migrations, the start-up role check and tenant transactions.

use clearview_kernel::TenantId;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// The schema, embedded at compile time from `migrations/`.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// Applies pending migrations. Run as the schema owner, never as the
/// application role.
pub async fn migrate(owner_pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(owner_pool).await
}

/// Sets the password of the application role (deployments where the
/// database requires password authentication). Run as the owner.
pub async fn set_app_role_password(owner_pool: &PgPool, password: &str) -> Result<(), sqlx::Error> {
    set_role_password(owner_pool, "clearview_app", password).await
}

/// Sets the password of the worker role (`clearview_worker`). Run as the owner.
pub async fn set_worker_role_password(owner_pool: &PgPool, password: &str) -> Result<(), sqlx::Error> {
    set_role_password(owner_pool, "clearview_worker", password).await
}

async fn set_role_password(owner_pool: &PgPool, role: &'static str, password: &str) -> Result<(), sqlx::Error> {
    // ALTER ROLE takes no bind parameters: quote the literal instead.
    let literal = format!("'{}'", password.replace('\'', "''"));
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER ROLE {role} WITH PASSWORD {literal}"
    )))
    .execute(owner_pool)
    .await
    .map(|_| ())
}

/// Opens a pool. Statements are prepared and cached per connection.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    connect_with(url, max_connections, Duration::from_secs(5)).await
}

/// Opens a pool whose callers give up after `acquire_timeout` when every
/// connection is busy (`RepoError::Unavailable`, a quick 503).
pub async fn connect_with(url: &str, max_connections: u32, acquire_timeout: Duration) -> Result<PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?.application_name("clearview");
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .connect_with(options)
        .await
}

/// Refuses a connection whose role would make row-level security moot: a
/// superuser, a `BYPASSRLS` role, or the owner of a table.
pub async fn assert_role_cannot_bypass_rls(pool: &PgPool) -> Result<(), String> {
    let (role, superuser, bypass): (String, bool, bool) =
        sqlx::query_as("SELECT rolname::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(pool)
            .await
            .map_err(|e| format!("cannot inspect the database role: {e}"))?;
    let owned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner \
         WHERE r.rolname = current_user AND c.relkind IN ('r', 'p')",
    )
    .fetch_one(pool)
    .await
    .map_err(|e| format!("cannot inspect table ownership: {e}"))?;
    if superuser || bypass || owned > 0 {
        return Err(format!(
            "database role `{role}` can bypass row-level security (superuser: {superuser}, \
             bypassrls: {bypass}, owns {owned} tables); connect as the application role \
             `clearview_app` instead"
        ));
    }
    Ok(())
}

/// The store behind every repository port.
#[derive(Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
    /// How long a streamed export waits for a client that reads nothing
    /// before giving its connection back (the client is dropped).
    pub(crate) client_stall: Duration,
    /// Seals e-mail jobs' payloads at rest.
    pub(crate) outbox_key: crate::sealing::OutboxKey,
}

impl PgStore {
    pub fn new(pool: PgPool, outbox_key: crate::sealing::OutboxKey) -> Self {
        Self {
            pool,
            client_stall: Duration::from_secs(30),
            outbox_key,
        }
    }

    /// The key that opens e-mail jobs' payloads (for the worker).
    pub fn outbox_key(&self) -> &crate::sealing::OutboxKey {
        &self.outbox_key
    }

    /// The same store with another stall timeout for streamed exports.
    pub fn with_client_stall(mut self, stall: Duration) -> Self {
        self.client_stall = stall;
        self
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Opens a transaction bound to one tenant: `set_config(…, true)` is
    /// `SET LOCAL`, so the setting dies with the transaction and a pooled
    /// connection never carries a tenant into the next request.
    pub(crate) async fn tenant_tx(&self, tenant: TenantId) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        // One round trip for both: `begin_with` sends its statement as a
        // simple query, so the tenant is inlined — safe, because a UUID
        // prints only hex digits and dashes.
        let begin = format!(
            "BEGIN; SELECT set_config('app.tenant_id', '{}', true)",
            tenant.as_uuid()
        );
        // Callers waiting for a pooled connection (and its BEGIN): the
        // pool's queue, which sqlx does not expose.
        let waiting = metrics::gauge!("clearview_db_pool_waiting");
        waiting.increment(1.0);
        let tx = self.pool.begin_with(sqlx::AssertSqlSafe(begin)).await;
        waiting.decrement(1.0);
        tx
    }
}
