//! `cargo xtask dev`: one command from a fresh checkout to a running server
//! with demo data. The server runs as a child `cargo run`, so it is rebuilt
//! when its sources changed, and its exit code becomes ours.

use crate::{db, seed};
use anyhow::Context;
use rand::Rng;
use std::path::Path;
use std::process::ExitCode;
use tokio::process::Command;

/// The server's own default port, used only for the printed address.
const DEFAULT_PORT: &str = "8080";

/// The development database migrated and seeded, and the built web app:
/// returns the owner URL and the app's directory.
pub(crate) async fn prepare(root: &Path) -> anyhow::Result<(String, std::path::PathBuf)> {
    let owner_url = db::resolve(root).await?;
    db::ensure_database(&owner_url).await?;
    db::migrate(&owner_url).await?;
    seed::run(&owner_url).await?;
    let dist = crate::web::ensure_built(root)?;
    Ok((owner_url, dist))
}

pub async fn run(root: &Path) -> anyhow::Result<ExitCode> {
    let (owner_url, dist) = prepare(root).await?;

    let app_url = db::app_url(&owner_url)?;
    let jwt_secret = dev_jwt_secret(root)?;
    let port = std::env::var("PORT").unwrap_or_else(|_| DEFAULT_PORT.to_string());
    let origins =
        std::env::var("ALLOWED_ORIGINS").unwrap_or_else(|_| format!("http://127.0.0.1:{port},http://localhost:{port}"));
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    // Off by default in production; on here, on loopback only.
    let metrics = std::env::var("METRICS_ADDR").unwrap_or_else(|_| "127.0.0.1:9090".into());

    let mut command = server_command(root);
    // Two roles on purpose: DATABASE_URL is the schema owner, APP_DATABASE_URL
    // the non-superuser role every request runs as, so row-level security is
    // in force locally just as in production. PORT and COOKIE_SECURE are
    // inherited untouched, so the server's own defaults apply unless set.
    command
        .env("DATABASE_URL", &owner_url)
        .env("APP_DATABASE_URL", &app_url)
        .env("JWT_SECRET", jwt_secret)
        .env("ALLOWED_ORIGINS", origins)
        .env("REDIS_URL", redis)
        .env("METRICS_ADDR", &metrics)
        .env("WEB_DIR", dist);

    println!("Clearview on http://127.0.0.1:{port} — demo logins above; metrics on http://{metrics}/metrics");
    let mut child = command.spawn().context("starting cargo run")?;

    // Ctrl-C reaches the server directly (same process group); catching it
    // here keeps xtask alive to report the server's exit code afterwards.
    let status = loop {
        tokio::select! {
            status = child.wait() => break status?,
            _ = tokio::signal::ctrl_c() => continue,
        }
    };
    let code = status.code().unwrap_or(1);
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

/// `cargo run --package clearview-app --bin clearview -- serve`, from the
/// workspace root with the terminal's stdio.
fn server_command(root: &Path) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args(["run", "--package", "clearview-app", "--bin", "clearview"])
        .args(["--", "serve"]);
    command
}

/// The JWT signing secret for local development, kept in `.dev/jwt-secret`
/// (gitignored) so sessions survive restarts. It is a development secret
/// only: production secrets come from the deployment's secret store.
pub(crate) fn dev_jwt_secret(root: &Path) -> anyhow::Result<String> {
    let dir = root.join(".dev");
    let path = dir.join("jwt-secret");
    if let Ok(secret) = std::fs::read_to_string(&path) {
        let secret = secret.trim();
        if !secret.is_empty() {
            return Ok(secret.to_string());
        }
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let bytes: [u8; 32] = rand::rng().random();
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, &secret)?;
    println!("created a development JWT secret in {}", path.display());
    Ok(secret)
}

/// Writes a file readable only by its owner.
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}
