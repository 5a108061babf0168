//! `cargo xtask test`: every test of the project — the Rust workspace, the
//! web app's unit tests, and its browser tests in Chromium against the real
//! server on a fresh database (the README's test command, and CI's).

use crate::{contract, db, pgurl, web};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const E2E_DATABASE: &str = "clearview_e2e";

fn cargo(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    cargo_with(root, args, &[])
}

fn cargo_with(root: &Path, args: &[&str], env: &[(&str, &Path)]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("test: cargo {}", args.join(" "));
    let mut command = Command::new(cargo);
    for (name, value) in env {
        command.env(name, value);
    }
    let status = command.args(args).current_dir(root).status()?;
    if !status.success() {
        bail!("cargo {} failed", args.join(" "));
    }
    Ok(())
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The server (the workspace build of `clearview`) on a fresh database,
/// stopped when dropped.
struct E2eServer {
    child: std::process::Child,
    url: String,
    mail_dir: PathBuf,
    /// Where the webhook spec's receiver listens (allowed on loopback).
    webhook_port: u16,
    /// Where the browser tests start their identity provider.
    oidc_port: u16,
}

impl Drop for E2eServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_server(root: &Path, dist: &Path) -> anyhow::Result<E2eServer> {
    let server = db::resolve(root).await?;
    let owner = pgurl::PgUrl::parse(&server)?.with_database(E2E_DATABASE).to_string();
    db::drop_database(&owner).await?;
    db::ensure_database(&owner).await?;
    db::migrate(&owner).await?;
    let port = free_port()?;
    let webhook_port = free_port()?;
    let oidc_port = free_port()?;
    let url = format!("http://127.0.0.1:{port}");
    let mail_dir = target_dir(root).join("e2e-mail");
    let _ = std::fs::remove_dir_all(&mail_dir);
    std::fs::create_dir_all(&mail_dir)?;
    let log = std::fs::File::create(target_dir(root).join("e2e-server.log"))?;
    let child = Command::new(target_dir(root).join("debug/clearview"))
        .arg("serve")
        .current_dir(root)
        .env("DATABASE_URL", &owner)
        .env("APP_DATABASE_URL", db::app_url(&owner)?)
        .env("JWT_SECRET", "e2e-only-secret-0123456789abcdef0123456789")
        .env("PORT", port.to_string())
        .env("ALLOWED_ORIGINS", &url)
        .env("PUBLIC_BASE_URL", &url)
        // Its own Redis database: rate-limit buckets are keyed by policy and
        // client address, and a development server on the same Redis would
        // share them.
        .env("REDIS_URL", "redis://127.0.0.1:6379/1")
        .env("MAIL_DIR", &mail_dir)
        .env("WEB_DIR", dist)
        .env("BCRYPT_COST", "4")
        // Every spec signs up from 127.0.0.1.
        .env("RATE_LIMIT_ACCOUNT_IP", "100000/1m")
        .env("RATE_LIMIT_LOGIN_IP", "100000/1m")
        .env("RATE_LIMIT_LOGIN_EMAIL", "100000/1m")
        .env("RATE_LIMIT_LOGIN_ACCOUNT", "100000/1m")
        .env("RATE_LIMIT_PASSWORD_RESET_ACCOUNT", "100000/1m")
        .env("RATE_LIMIT_ORG_API", "100000000/1m")
        .env("RATE_LIMIT_MFA", "100000/1m")
        .env("WEBHOOK_ALLOW_HTTP", "true")
        .env("WEBHOOK_ALLOW_HOSTS", format!("127.0.0.1:{webhook_port}"))
        .env("OIDC_ALLOW_HTTP", "true")
        .env("OIDC_ALLOW_HOSTS", format!("127.0.0.1:{oidc_port}"))
        .env_remove("SMTP_URL")
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .spawn()
        .context("starting the server for the browser tests")?;
    let server = E2eServer {
        child,
        url,
        mail_dir,
        webhook_port,
        oidc_port,
    };
    let started = Instant::now();
    let client = reqwest::Client::new();
    loop {
        if let Ok(response) = client.get(format!("{}/readyz", server.url)).send().await
            && response.status().is_success()
        {
            return Ok(server);
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the server did not get ready; see target/e2e-server.log");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn run(root: &Path) -> anyhow::Result<ExitCode> {
    // The `clearview` binary first: the shutdown tests run it as a child
    // process, and the browser tests talk to it.
    cargo(root, &["build", "--workspace", "--locked"])?;
    // The webhook tests verify signatures with the reference Python
    // library, installed beside schemathesis.
    let python = contract::ensure_installed(root, &target_dir(root))?.with_file_name("python");
    // The single sign-on tests start a real provider (oidc-provider).
    web::ensure_oidc_provider(root)?;
    cargo_with(
        root,
        &["test", "--workspace", "--locked"],
        &[("CLEARVIEW_TEST_PYTHON", &python)],
    )?;
    web::ensure_installed(root)?;
    web::npm(root, &["test"])?;
    let dist = web::ensure_built(root)?;
    let server = start_server(root, &dist).await?;
    let screenshots = target_dir(root).join("screenshots");
    std::fs::create_dir_all(&screenshots)?;
    println!("test: browser tests against {}", server.url);
    let status = Command::new("npx")
        .args(["playwright", "test"])
        .current_dir(root.join("web"))
        .env("E2E_BASE_URL", &server.url)
        .env("E2E_MAIL_DIR", &server.mail_dir)
        .env("E2E_SCREENSHOT_DIR", &screenshots)
        .env("E2E_WEBHOOK_PORT", server.webhook_port.to_string())
        .env("E2E_OIDC_PORT", server.oidc_port.to_string())
        .status()
        .context("running Playwright")?;
    if !status.success() {
        bail!("browser tests failed (server log: target/e2e-server.log)");
    }
    println!("test: screenshots in {}", screenshots.display());
    contract::run_against(root, &target_dir(root), &server.url, &server.mail_dir)?;
    contract::scim_against(root, &target_dir(root), &server.url, &server.mail_dir)?;
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask contract`: only the contract test, against a freshly built
/// server on a fresh database.
pub async fn contract_only(root: &Path) -> anyhow::Result<ExitCode> {
    web::ensure_installed(root)?;
    let dist = web::ensure_built(root)?;
    cargo(root, &["build", "--workspace", "--locked"])?;
    let server = start_server(root, &dist).await?;
    contract::run_against(root, &target_dir(root), &server.url, &server.mail_dir)?;
    contract::scim_against(root, &target_dir(root), &server.url, &server.mail_dir)?;
    Ok(ExitCode::SUCCESS)
}
