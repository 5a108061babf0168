//! Developer tasks for the Clearview CRM workspace, run as `cargo xtask <command>`.
//!
//! - `db migrate` / `db reset`: apply the schema to the development database,
//!   or drop, recreate and migrate it.
//! - `seed`: create the demo organization, its users, companies, contacts,
//!   pipelines, deals and activities (idempotent: a second run only prints
//!   the counts and logins; an org from an older seed gets what it lacks).
//! - `dev`: migrate, seed, build the web app if needed, then run the server
//!   against that database.
//! - `stack`: the same, as two instances and a worker behind nginx.
//! - `test`: the Rust tests, the web unit tests, the browser tests and the
//!   contract test (schemathesis against the server's OpenAPI document).
//! - `contract`: only the contract test.
//! - `bench [--quick]`, `bench web [--quick]`: the performance targets of the
//!   server, and of the web app in Chromium, written to `docs/benchmarks.md`.
//! - `check`: architecture checks cargo itself cannot express: domain crates
//!   stay free of I/O dependencies, and every library crate is documented.
//! - `audit verify [TENANT_ID]`: walks the audit log's hash chain (ADR 0024)
//!   of one organization or of each, as the schema owner.
//!
//! The database is found by [`db::resolve`]: `DATABASE_URL`, else a local
//! PostgreSQL on 127.0.0.1:5432, else a private cluster under `target/pgdata`.
//! Arguments are parsed by hand to keep this crate's dependencies small.

mod audit;
mod bench;
mod check;
mod cluster;
mod contract;
mod db;
mod demo_activities;
mod demo_data;
mod demo_deals;
#[cfg(test)]
mod demo_tests;
mod dev;
mod large;
mod large_custom;
mod names;
mod pgurl;
mod seed;
mod seed_sales;
mod stack;
mod test;
mod web;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  db migrate   create the development database if missing and apply migrations
  db reset     drop and recreate the development database, then migrate
  seed         migrate, then add the demo organization (no-op if present)
  seed --large [--quick]
               build the benchmark dataset in its own database: 1,000 organizations and
               1,000,000 contacts (--quick: 50 and 40,000)
  dev          migrate, seed, build the web app if its sources changed, then run the server
               (cargo run -p clearview-app) with the app at http://127.0.0.1:8080
  stack        like dev, but production's shape: two server instances and a separate worker
               behind nginx (Debian's package) running deploy/nginx.conf, on http://127.0.0.1:8080
  test         every test: cargo test --workspace, the web app's unit tests, and its browser
               tests (Playwright, Chromium) against the server on a fresh database, then the
               contract test (schemathesis over every operation of the OpenAPI document)
  contract     only the contract test, against the server on a fresh database
  check        domain crates are free of I/O dependencies; lib.rs files are documented
  audit verify [TENANT_ID]
               walk the audit log's hash chain of one organization (or of each) and report
               the first edited or deleted entry; exits 1 when a chain is broken
  bench [--quick]
               measure the performance targets against the large dataset (--quick: a small
               one, a few minutes) and write docs/benchmarks.md (or docs/benchmarks-quick.md)
  bench web [--quick]
               measure the web app in Chromium (web/perf/) against the same dataset and write
               the Web app section of that file
  help         show this text

The database is DATABASE_URL if set, else postgres://postgres@127.0.0.1:5432/clearview
if that server is reachable, else a private cluster in target/pgdata (port 54329).";

/// The workspace root: this crate lives in `<root>/xtask`.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

#[tokio::main]
async fn main() -> ExitCode {
    // reqwest comes with rustls and no crypto provider of its own (through
    // clearview-app's webhook adapter, ADR 0026): install one before any
    // client is built.
    clearview_app::install_tls_provider();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = workspace_root();

    let result = match args.as_slice() {
        [] | ["help" | "-h" | "--help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        ["db", "migrate"] => db_migrate(&root).await,
        ["db", "reset"] => db_reset(&root).await,
        ["seed"] => seed_command(&root).await,
        ["seed", "--large"] => large_seed(&root, false).await,
        ["seed", "--large", "--quick"] => large_seed(&root, true).await,
        ["dev"] => dev::run(&root).await,
        ["stack"] => stack::run(&root).await,
        ["check"] => check::run(&root),
        ["audit", "verify"] => audit_verify(&root, None).await,
        ["audit", "verify", tenant] => audit_verify(&root, Some(tenant)).await,
        ["test"] => test::run(&root).await,
        ["contract"] => test::contract_only(&root).await,
        ["bench"] => bench::run(&root, false).await,
        ["bench", "--quick"] => bench::run(&root, true).await,
        ["bench", "web"] => bench::web::run(&root, false).await,
        ["bench", "web", "--quick"] => bench::web::run(&root, true).await,
        _ => {
            eprintln!("unknown command: {}\n\n{USAGE}", args.join(" "));
            return ExitCode::from(2);
        }
    };

    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn audit_verify(root: &std::path::Path, tenant: Option<&str>) -> anyhow::Result<ExitCode> {
    let owner_url = db::resolve(root).await?;
    audit::verify(&owner_url, tenant).await
}

async fn db_migrate(root: &std::path::Path) -> anyhow::Result<ExitCode> {
    let owner_url = db::resolve(root).await?;
    db::ensure_database(&owner_url).await?;
    db::migrate(&owner_url).await?;
    println!("migrations applied");
    Ok(ExitCode::SUCCESS)
}

async fn db_reset(root: &std::path::Path) -> anyhow::Result<ExitCode> {
    let owner_url = db::resolve(root).await?;
    db::drop_database(&owner_url).await?;
    db::ensure_database(&owner_url).await?;
    db::migrate(&owner_url).await?;
    println!("database recreated and migrated");
    Ok(ExitCode::SUCCESS)
}

async fn seed_command(root: &std::path::Path) -> anyhow::Result<ExitCode> {
    let owner_url = db::resolve(root).await?;
    db::ensure_database(&owner_url).await?;
    db::migrate(&owner_url).await?;
    seed::run(&owner_url).await?;
    Ok(ExitCode::SUCCESS)
}

async fn large_seed(root: &std::path::Path, quick: bool) -> anyhow::Result<ExitCode> {
    let owner_url = db::resolve(root).await?;
    let size = if quick { large::Size::QUICK } else { large::Size::FULL };
    large::seed(&owner_url, size, quick).await?;
    Ok(ExitCode::SUCCESS)
}
