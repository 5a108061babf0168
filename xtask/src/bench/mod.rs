//! `cargo xtask bench [--quick]`: the performance targets of
//! `design/performance.md`, measured end to end on this machine and written
//! to `docs/benchmarks.md` with the command, the machine and the dataset.
//!
//! The server is the release binary against the synthetic dataset (`cargo
//! xtask seed --large`, built first if missing); load comes from this
//! process over loopback, open loop at fixed rates (see `load.rs`); pgbench
//! measures the same SQL without the HTTP stack as the ceiling. Never part
//! of the tests: timings on a shared 2-core machine are for reading, not
//! for asserting.

mod load;
mod report;
mod scenarios;
mod server;
mod starvation;
pub mod web;

use crate::large::{self, Size};
use anyhow::Context;
use std::process::ExitCode;
use std::time::Duration;

pub struct Settings {
    pub quick: bool,
    /// How long each measured run lasts.
    pub duration: Duration,
    pub size: Size,
}

pub async fn run(root: &std::path::Path, quick: bool) -> anyhow::Result<ExitCode> {
    let settings = Settings {
        quick,
        duration: Duration::from_secs(if quick { 4 } else { 10 }),
        size: if quick { Size::QUICK } else { Size::FULL },
    };
    let owner_root = crate::db::resolve(root).await?;
    let owner_url = large::seed(&owner_root, settings.size, quick).await?;
    let app_url = crate::db::app_url(&owner_url)?;
    let server = server::Server::start(root, &app_url, 18089, None)
        .await
        .context("start the server")?;
    let results = scenarios::run_all(&server, &owner_url, &app_url, &settings).await?;
    drop(server);
    let path = root
        .join("docs")
        .join(if quick { "benchmarks-quick.md" } else { "benchmarks.md" });
    // The web app's section (`cargo xtask bench web`) is kept.
    let mut document = report::markdown(&results, &settings);
    if let Some(web) = std::fs::read_to_string(&path)
        .ok()
        .as_deref()
        .and_then(web::existing_section)
    {
        document = web::with_section(&document, &format!("{web}\n"));
    }
    std::fs::write(&path, document)?;
    println!("{}", report::table(&results));
    println!("written to {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// Signs in as the admin of benchmark organization `org`; the access cookie.
async fn scenarios_login(client: &reqwest::Client, base: &str, org: usize) -> anyhow::Result<String> {
    scenarios::login(client, base, &large::admin_email(org)).await
}
