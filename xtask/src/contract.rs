//! The contract test: schemathesis (pinned in `tests/contract/requirements.txt`,
//! installed in a virtualenv under the target directory) runs every operation
//! of the server's own OpenAPI document against the running server, signed in
//! as the admin of an organization of its own (`tests/contract/clearview_auth.py`),
//! with every check. Any failure or schema error fails the run. Then the SCIM
//! conformance check: scim2-tester (same venv) against `/scim/v2`
//! (`tests/contract/scim_conformance.py`).

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Examples per operation and phase: enough to reach every documented
/// status of every route, small enough to keep CI within its budget.
const MAX_EXAMPLES: &str = "12";

fn venv(target: &Path) -> PathBuf {
    target.join("contract-venv")
}

/// The virtualenv with the pinned schemathesis; reinstalled when the pin
/// changes (the requirements file is copied in as the marker).
pub fn ensure_installed(root: &Path, target: &Path) -> anyhow::Result<PathBuf> {
    let requirements = root.join("tests/contract/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).context("reading tests/contract/requirements.txt")?;
    let venv = venv(target);
    let marker = venv.join("clearview-requirements.txt");
    let tool = venv.join("bin/schemathesis");
    if tool.exists() && std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(tool);
    }
    println!("test: installing the contract test's tool into {}", venv.display());
    let _ = std::fs::remove_dir_all(&venv);
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements))?;
    std::fs::write(&marker, wanted)?;
    Ok(tool)
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command.status().with_context(|| format!("running {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed");
    }
    Ok(())
}

/// Runs schemathesis against the server at `url`, whose mail directory is
/// `mail_dir` (the hooks read the sign-up confirmation from it).
pub fn run_against(root: &Path, target: &Path, url: &str, mail_dir: &Path) -> anyhow::Result<()> {
    let tool = ensure_installed(root, target)?;
    let report = target.join("contract-report");
    let _ = std::fs::remove_dir_all(&report);
    // A fixed seed keeps CI repeatable; CONTRACT_SEED explores other inputs.
    let seed = std::env::var("CONTRACT_SEED").unwrap_or_else(|_| "20261126".into());
    println!("test: contract test (schemathesis, every operation, seed {seed}) against {url}");
    run(Command::new(tool)
        .current_dir(root.join("tests/contract"))
        .env("SCHEMATHESIS_HOOKS", "clearview_auth")
        .env("PYTHONPATH", root.join("tests/contract"))
        .env("CV_BASE_URL", url)
        .env("CV_MAIL_DIR", mail_dir)
        .env("NO_COLOR", "1")
        .args(["--config-file", "schemathesis.toml"])
        .args(["run", &format!("{url}/api/openapi.json")])
        // SCIM (`/scim/v2`) takes its own token, not the admin session the
        // hooks sign in with, and free-form SCIM JSON: scim2-tester checks
        // it (below), not schemathesis.
        .args(["--exclude-path-regex", "^/scim/"])
        // One worker: this machine's Python 3.11.7 can fail to parse source
        // in two threads at once ("AST constructor recursion depth
        // mismatch", CPython issue 106905), which Hypothesis does when it
        // describes its strategies; seen once here as a runtime error.
        .args(["--max-examples", MAX_EXAMPLES, "--workers", "1"])
        .args(["--seed", &seed, "--generation-database", "none"])
        // PostgreSQL text cannot hold NUL; the server refuses it with a 422
        // (unit tests), and the document's patterns exclude it where they
        // can, but not inside free JSON such as activity metadata.
        .args(["--generation-allow-x00", "false"])
        .args(["--report", "junit,ndjson", "--report-dir"])
        .arg(&report))
    .context("the contract test found failures (report under target/contract-report)")
}

/// Runs the SCIM conformance check (scim2-tester through the `scim2` CLI,
/// pinned beside schemathesis) against the server at `url`, as the admin
/// of a fresh organization signed up through `mail_dir`.
pub fn scim_against(root: &Path, target: &Path, url: &str, mail_dir: &Path) -> anyhow::Result<()> {
    let python = ensure_installed(root, target)?.with_file_name("python");
    println!("test: SCIM conformance (scim2-tester) against {url}/scim/v2");
    run(Command::new(python)
        .current_dir(root.join("tests/contract"))
        .env("PYTHONPATH", root.join("tests/contract"))
        .env("CV_BASE_URL", url)
        .env("CV_MAIL_DIR", mail_dir)
        .arg("scim_conformance.py"))
    .context("the SCIM conformance check failed (its output is above)")
}
