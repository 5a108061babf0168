//! The web app's build, for `cargo xtask dev` and `cargo xtask test`:
//! `npm ci` when the lock file changed since the last install, and a
//! production build when any source is newer than the last one.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Files and folders whose change means a rebuild.
const SOURCES: &[&str] = &[
    "src",
    "public",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
];

fn newest(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_dir() {
        std::fs::read_dir(path)
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|entry| newest(&entry.path()))
            .max()
    } else {
        meta.modified().ok()
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Runs `npm <args>` in `web/`, failing when it fails.
pub fn npm(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    npm_in(&root.join("web"), args)
}

/// Runs npm in `dir`.
fn npm_in(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    println!("npm {} (in {})", args.join(" "), dir.display());
    let status = std::process::Command::new("npm")
        .args(args)
        .current_dir(dir)
        .status()
        .context("running npm (the web app needs Node 20+ and npm)")?;
    if !status.success() {
        bail!("npm {} failed in {}", args.join(" "), dir.display());
    }
    Ok(())
}

/// Installs the web app's dependencies when the lock file is newer than
/// the last install.
pub fn ensure_installed(root: &Path) -> anyhow::Result<()> {
    ensure_installed_in(&root.join("web"))
}

/// Installs the locked packages of `dir` unless they are current.
fn ensure_installed_in(dir: &Path) -> anyhow::Result<()> {
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    let locked = modified(&dir.join("package-lock.json"));
    if installed.is_none() || locked > installed {
        npm_in(dir, &["ci", "--no-audit", "--no-fund"])?;
    }
    Ok(())
}

/// The identity provider the single sign-on tests run (`tests/oidc`,
/// oidc-provider from npm; ADR 0037).
pub fn ensure_oidc_provider(root: &Path) -> anyhow::Result<()> {
    ensure_installed_in(&root.join("tests/oidc"))
}

/// Builds the web app when a source is newer than the last build; returns
/// the folder the server serves.
pub fn ensure_built(root: &Path) -> anyhow::Result<PathBuf> {
    ensure_installed(root)?;
    let web = root.join("web");
    let dist = web.join("dist");
    let built = modified(&dist.join("index.html"));
    let changed = SOURCES.iter().filter_map(|s| newest(&web.join(s))).max();
    if built.is_none() || changed > built {
        npm(root, &["run", "build"])?;
    } else {
        println!("web: the build in web/dist is current");
    }
    Ok(dist)
}
