//! `cargo xtask stack`: production's shape on loopback — two `clearview
//! serve` instances and a separate `clearview worker` behind nginx running
//! `deploy/nginx.conf` (Debian's nginx), on the development database with
//! demo data. The processes and the nginx configuration come from
//! `clearview_tests::stack`, the same code the tests through nginx use.

use crate::db;
use anyhow::Context;
use clearview_app::Config;
use clearview_tests::stack::Stack;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, ExitCode};

pub async fn run(root: &Path) -> anyhow::Result<ExitCode> {
    let (owner_url, dist) = crate::dev::prepare(root).await?;
    build_server(root)?;

    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080);
    let base = format!("http://127.0.0.1:{port}");
    let settings = HashMap::from([
        ("APP_DATABASE_URL", db::app_url(&owner_url)?),
        ("JWT_SECRET", crate::dev::dev_jwt_secret(root)?),
        ("ALLOWED_ORIGINS", format!("{base},http://localhost:{port}")),
        ("PUBLIC_BASE_URL", base.clone()),
        ("WEB_DIR", dist.display().to_string()),
        ("MAIL_DIR", root.join(".dev/mail").display().to_string()),
        ("REDIS_URL", "redis://127.0.0.1:6379".to_owned()),
    ]);
    // The environment wins, as for `cargo xtask dev`.
    let config = Config::from_lookup(&|name| std::env::var(name).ok().or_else(|| settings.get(name).cloned()))
        .context("stack configuration")?;

    let stack = Stack::start(&config, port).await;
    println!("Clearview through nginx on {base} — demo logins above");
    for (i, instance) in stack.instances.iter().enumerate() {
        println!(
            "  instance {}: {} (log {})",
            i + 1,
            instance.address,
            instance.log.display()
        );
    }
    println!("  worker log {}", stack.worker.log.display());
    println!("  nginx files in {}", stack.nginx.dir.display());
    println!("Ctrl-C stops everything gracefully.");
    tokio::signal::ctrl_c().await?;
    println!("stopping: SIGTERM to each process, then nginx");
    stack.stop().await;
    Ok(ExitCode::SUCCESS)
}

/// The `clearview` binary the stack runs, next to this xtask binary.
fn build_server(root: &Path) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--package", "clearview-app", "--bin", "clearview"])
        .status()?;
    anyhow::ensure!(status.success(), "building the server failed");
    Ok(())
}
