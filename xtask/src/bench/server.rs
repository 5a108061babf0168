//! The server under test: the release binary, started against the
//! benchmark database, stopped at the end; its resident memory sampled.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Builds the release binary (incrementally) and starts it.
    /// The release server on `port`; with `web_dir`, it also serves the
    /// built web app from there (and accepts its origin).
    pub async fn start(root: &Path, app_url: &str, port: u16, web_dir: Option<&Path>) -> anyhow::Result<Server> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(&cargo)
            .current_dir(root)
            .args([
                "build",
                "--release",
                "--quiet",
                "--package",
                "clearview-app",
                "--bin",
                "clearview",
            ])
            .status()
            .context("run cargo build --release")?;
        if !status.success() {
            bail!("the release build failed");
        }
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| root.join("target"));
        let binary = target.join("release").join("clearview");
        let secret: String = (0..48).map(|_| char::from(b'a' + rand::random::<u8>() % 26)).collect();
        let mut command = Command::new(binary);
        command.arg("serve").env_clear();
        if let Some(dir) = web_dir {
            let origin = format!("http://127.0.0.1:{port}");
            command
                .env("WEB_DIR", dir)
                .env("ALLOWED_ORIGINS", &origin)
                .env("PUBLIC_BASE_URL", &origin);
        }
        let child = command
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("APP_DATABASE_URL", app_url)
            .env("PORT", port.to_string())
            .env("JWT_SECRET", secret)
            .env("REDIS_URL", "redis://127.0.0.1:6379")
            .env("DATABASE_MAX_CONNECTIONS", "8")
            .env("HTTP_WORKERS", "2")
            .env("RUST_LOG", "warn")
            .env("MAIL_DIR", target.join("bench-mail"))
            // The benchmark measures the work, not the abuse protection.
            .env("RATE_LIMIT_LOGIN_IP", "1000000/1m")
            .env("RATE_LIMIT_LOGIN_EMAIL", "1000000/1m")
            .env("RATE_LIMIT_LOGIN_ACCOUNT", "1000000/1m")
            .env("RATE_LIMIT_ACCOUNT_IP", "1000000/1m")
            .env("RATE_LIMIT_ORG_API", "100000000/1m")
            .env("IMPORT_MAX_BYTES", (1u64 << 30).to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("start the release server")?;
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let started = Instant::now();
        while client.get(format!("{}/healthz", server.base)).send().await.is_err() {
            if started.elapsed() > Duration::from_secs(30) {
                bail!("the server did not answer /healthz within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Resident memory of a process in MiB, from /proc.
pub fn rss_mib(pid: u32) -> f64 {
    {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
            .map(|kb| kb / 1024.0)
            .unwrap_or(0.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
