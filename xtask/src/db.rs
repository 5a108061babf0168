//! Which database the development commands use, and creating, dropping and
//! migrating it. All of this runs as the "owner": the role that owns the
//! schema and applies migrations. The server itself connects as the
//! application role instead (see [`app_url`]).

use crate::cluster;
use crate::pgurl::{self, PgUrl};
use anyhow::{Context, bail};
use sqlx::{Connection, PgConnection};
use std::path::Path;
use std::time::Duration;

/// The local server tried when `DATABASE_URL` is not set.
const LOCAL_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const LOCAL_DATABASE: &str = "postgres://postgres@127.0.0.1:5432/clearview";

/// Finds the owner URL: `DATABASE_URL` as is, else the `clearview` database
/// on a local server at 127.0.0.1:5432, else a private cluster under
/// `target/pgdata`. Prints which one it picked.
pub async fn resolve(root: &Path) -> anyhow::Result<String> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        println!("database: {} (from DATABASE_URL)", pgurl::redacted(&url));
        return Ok(url);
    }
    if reachable(LOCAL_SERVER).await {
        println!("database: {LOCAL_DATABASE} (local server)");
        return Ok(LOCAL_DATABASE.to_string());
    }
    // The cluster helpers block on child processes; that is fine here since
    // nothing else runs yet.
    let url = cluster::ensure_running(root)?;
    println!("database: {url} (private cluster in target/pgdata)");
    Ok(url)
}

/// The URL the server connects with. See [`pgurl::app_url`].
pub fn app_url(owner_url: &str) -> anyhow::Result<String> {
    pgurl::app_url(owner_url)
}

/// Whether a server answers and lets us in within a short time, so that a
/// missing server costs two seconds rather than a long connect timeout.
async fn reachable(url: &str) -> bool {
    let attempt = tokio::time::timeout(Duration::from_secs(2), PgConnection::connect(url));
    match attempt.await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            true
        }
        _ => false,
    }
}

/// Connects to the `postgres` maintenance database of the owner's server,
/// the place to create or drop the target database from.
async fn connect_maintenance(owner: &PgUrl) -> anyhow::Result<PgConnection> {
    let url = owner.with_database("postgres").to_string();
    PgConnection::connect(&url)
        .await
        .with_context(|| format!("connecting to {}", pgurl::redacted(&url)))
}

/// Creates the owner URL's database if it does not exist yet.
pub async fn ensure_database(owner_url: &str) -> anyhow::Result<()> {
    let owner = PgUrl::parse(owner_url)?;
    // No name means "the user's own database", which we do not create.
    if owner.database.is_empty() || owner.database == "postgres" {
        return Ok(());
    }
    let mut connection = connect_maintenance(&owner).await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&owner.database)
        .fetch_one(&mut connection)
        .await?;
    if !exists {
        let sql = format!("CREATE DATABASE {}", quote_identifier(&owner.database));
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut connection)
            .await
            .with_context(|| format!("creating database {}", owner.database))?;
        println!("created database {}", owner.database);
    }
    connection.close().await?;
    Ok(())
}

/// Drops the owner URL's database, disconnecting whoever is still on it.
pub async fn drop_database(owner_url: &str) -> anyhow::Result<()> {
    let owner = PgUrl::parse(owner_url)?;
    if owner.database.is_empty() || owner.database == "postgres" {
        bail!("refusing to drop the maintenance database; name a database in the URL");
    }
    let mut connection = connect_maintenance(&owner).await?;
    let sql = format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_identifier(&owner.database)
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut connection)
        .await
        .with_context(|| format!("dropping database {}", owner.database))?;
    println!("dropped database {}", owner.database);
    connection.close().await?;
    Ok(())
}

/// Applies pending migrations as the owner.
pub async fn migrate(owner_url: &str) -> anyhow::Result<()> {
    let pool = clearview_store_postgres::connect(owner_url, 2)
        .await
        .context("connecting as the schema owner")?;
    clearview_store_postgres::migrate(&pool)
        .await
        .context("applying migrations")?;
    pool.close().await;
    Ok(())
}

/// Quotes an SQL identifier: CREATE/DROP DATABASE take no bind parameters,
/// so the name is spliced in and must not be able to end the identifier.
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::quote_identifier;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("clearview"), "\"clearview\"");
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
    }
}
