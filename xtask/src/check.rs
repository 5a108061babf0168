//! `cargo xtask check`: rules the compiler does not enforce.
//!
//! 1. Domain crates are pure: no database, HTTP, cache, mail or async
//!    runtime crate may be reachable through their normal dependencies.
//!    Dev-dependencies (tests may use tokio) and build-dependencies are fine.
//! 2. Every library crate under `crates/` opens with a `//!` doc comment.

use anyhow::{Context, bail};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::process::{Command, ExitCode};

/// The crates that hold business rules and must stay free of I/O.
const DOMAIN_CRATES: &[&str] = &[
    "clearview-kernel",
    "clearview-tenancy",
    "clearview-contacts",
    "clearview-pipelines",
    "clearview-deals",
    "clearview-activities",
];

/// Packages that mean I/O or a runtime; none may reach a domain crate.
const FORBIDDEN: &[&str] = &[
    "sqlx",
    "sqlx-core",
    "sqlx-postgres",
    "actix-web",
    "actix-rt",
    "actix-server",
    "actix-http",
    "deadpool",
    "deadpool-redis",
    "redis",
    "lettre",
    "tokio",
    "mio",
    "reqwest",
    "hyper",
    "tokio-postgres",
    "socket2",
];

pub fn run(root: &Path) -> anyhow::Result<ExitCode> {
    let metadata = cargo_metadata(root)?;
    let purity = impure_paths(&metadata, DOMAIN_CRATES, FORBIDDEN)?;
    let (documented, undocumented) = lib_docs(root)?;

    for path in &purity.violations {
        eprintln!("impure domain crate: {path}");
    }
    for lib in &undocumented {
        eprintln!("missing `//!` doc at the top of {lib}");
    }
    if !purity.violations.is_empty() || !undocumented.is_empty() {
        eprintln!("xtask check: FAILED");
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "xtask check: ok ({} domain crates pure, {documented} crates documented)",
        purity.checked
    );
    Ok(ExitCode::SUCCESS)
}

fn cargo_metadata(root: &Path) -> anyhow::Result<Value> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1"])
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    serde_json::from_slice(&output.stdout).context("parsing cargo metadata")
}

#[derive(Debug)]
pub struct Purity {
    /// How many domain crates were found among the workspace members.
    pub checked: usize,
    /// `crate → dep → … → forbidden` for each forbidden package reached.
    pub violations: Vec<String>,
}

/// Walks the resolved graph from each domain crate over normal edges only and
/// reports every forbidden package reached, with the path that reaches it.
pub fn impure_paths(metadata: &Value, domain: &[&str], forbidden: &[&str]) -> anyhow::Result<Purity> {
    let packages = metadata["packages"].as_array().context("metadata has no packages")?;
    let names: HashMap<&str, &str> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .context("metadata has no resolve graph")?
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let members = metadata["workspace_members"]
        .as_array()
        .context("metadata has no workspace members")?;

    let mut purity = Purity {
        checked: 0,
        violations: Vec::new(),
    };
    for member in members.iter().filter_map(Value::as_str) {
        let Some(&name) = names.get(member) else {
            continue;
        };
        if !domain.contains(&name) {
            continue;
        }
        purity.checked += 1;

        // Breadth-first, remembering how each package was first reached so
        // that the report can show the shortest offending path.
        let mut parent: HashMap<&str, &str> = HashMap::from([(member, "")]);
        let mut queue = VecDeque::from([member]);
        while let Some(id) = queue.pop_front() {
            let deps = nodes.get(id).and_then(|n| n["deps"].as_array());
            for dep in deps.into_iter().flatten() {
                let Some(dep_id) = dep["pkg"].as_str() else {
                    continue;
                };
                if !is_normal(dep) || parent.contains_key(dep_id) {
                    continue;
                }
                parent.insert(dep_id, id);
                let dep_name = names.get(dep_id).copied().unwrap_or(dep_id);
                if forbidden.contains(&dep_name) {
                    purity.violations.push(path_to(dep_id, &parent, &names));
                }
                queue.push_back(dep_id);
            }
        }
    }
    Ok(purity)
}

/// An edge is normal if any of its kinds is `null` (neither dev nor build).
fn is_normal(dep: &Value) -> bool {
    dep["dep_kinds"]
        .as_array()
        .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null()))
}

fn path_to(id: &str, parent: &HashMap<&str, &str>, names: &HashMap<&str, &str>) -> String {
    let mut path = Vec::new();
    let mut current = id;
    while !current.is_empty() {
        path.push(names.get(current).copied().unwrap_or(current));
        current = parent.get(current).copied().unwrap_or("");
    }
    path.reverse();
    path.join(" → ")
}

/// Counts `crates/*/src/lib.rs` that start with `//!` and lists those that do not.
fn lib_docs(root: &Path) -> anyhow::Result<(usize, Vec<String>)> {
    let mut documented = 0;
    let mut undocumented = Vec::new();
    let crates = root.join("crates");
    let mut dirs: Vec<_> = std::fs::read_dir(&crates)
        .with_context(|| format!("reading {}", crates.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let lib = dir.join("src").join("lib.rs");
        let Ok(text) = std::fs::read_to_string(&lib) else {
            continue; // a binary-only crate has no lib.rs
        };
        if text.trim_start_matches('\u{feff}').starts_with("//!") {
            documented += 1;
        } else {
            let shown = lib.strip_prefix(root).unwrap_or(&lib);
            undocumented.push(shown.display().to_string());
        }
    }
    Ok((documented, undocumented))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dep(pkg: &str, kind: Value) -> Value {
        json!({ "name": pkg, "pkg": pkg, "dep_kinds": [{ "kind": kind, "target": null }] })
    }

    /// kernel → helper → tokio (normal), tenancy ⇢ tokio (dev only).
    fn metadata() -> Value {
        let ids = ["kernel", "tenancy", "helper", "tokio", "mio"];
        let packages: Vec<Value> = ids.map(|id| json!({ "id": id, "name": id })).into();
        json!({
            "packages": packages,
            "workspace_members": ["kernel", "tenancy"],
            "resolve": { "nodes": [
                { "id": "kernel", "deps": [dep("helper", Value::Null)] },
                { "id": "helper", "deps": [dep("tokio", Value::Null)] },
                { "id": "tenancy", "deps": [dep("tokio", json!("dev"))] },
                { "id": "tokio", "deps": [dep("mio", Value::Null)] },
                { "id": "mio", "deps": [] },
            ]}
        })
    }

    #[test]
    fn forbidden_crate_reached_through_an_intermediate_fails() {
        let purity = impure_paths(&metadata(), &["kernel"], &["tokio", "mio"]).unwrap();
        assert_eq!(purity.checked, 1);
        assert_eq!(
            purity.violations,
            ["kernel → helper → tokio", "kernel → helper → tokio → mio"]
        );
    }

    #[test]
    fn dev_dependency_on_a_forbidden_crate_passes() {
        let purity = impure_paths(&metadata(), &["tenancy"], &["tokio", "mio"]).unwrap();
        assert_eq!(purity.checked, 1);
        assert!(purity.violations.is_empty());
    }

    #[test]
    fn domain_crates_outside_the_workspace_are_not_counted() {
        let purity = impure_paths(&metadata(), &["clearview-deals"], &["tokio"]).unwrap();
        assert_eq!(purity.checked, 0);
    }
}
