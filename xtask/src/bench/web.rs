//! `cargo xtask bench web [--quick]`: the web app's speed targets, measured
//! in Chromium by `web/perf/` (Playwright) against the release server with
//! the benchmark dataset, and written as the "Web app" section of
//! `docs/benchmarks.md` (or `benchmarks-quick.md`), which `cargo xtask
//! bench` keeps when it rewrites the rest.
//!
//! The whale organization (org 0) is the contacts list; org 1 is the board
//! (500 deals in the quick dataset, 2,000 in the full one). A long task of
//! 100 ms or more counts as a visible stall (the RAIL response budget).

use super::Settings;
use super::scenarios::Row;
use super::server::Server;
use crate::large::{self, BENCH_PASSWORD, Size};
use anyhow::{Context, bail};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Duration;

pub const START: &str = "<!-- web-app: written by cargo xtask bench web -->";
pub const END: &str = "<!-- /web-app -->";

/// A stall a person sees: one long task this long or longer.
const STALL_MS: f64 = 100.0;

pub async fn run(root: &Path, quick: bool) -> anyhow::Result<ExitCode> {
    let size = if quick { Size::QUICK } else { Size::FULL };
    let owner_root = crate::db::resolve(root).await?;
    let owner_url = large::seed(&owner_root, size, quick).await?;
    let app_url = crate::db::app_url(&owner_url)?;
    crate::web::ensure_installed(root)?;
    let dist = crate::web::ensure_built(root)?;
    let server = Server::start(root, &app_url, 18091, Some(&dist))
        .await
        .context("start the server")?;
    let out = root.join("target/web-perf.json");
    let status = Command::new("npx")
        .args(["playwright", "test", "--config", "perf/playwright.config.ts"])
        .current_dir(root.join("web"))
        .env("PERF_BASE_URL", &server.base)
        .env("PERF_DIST_DIR", &dist)
        .env("PERF_WHALE_EMAIL", large::admin_email(0))
        .env("PERF_BOARD_EMAIL", large::admin_email(1))
        .env("PERF_PASSWORD", BENCH_PASSWORD)
        .env("PERF_OUT", &out)
        .status()
        .context("running the Playwright measurements in web/perf")?;
    drop(server);
    let results: Value = serde_json::from_str(&std::fs::read_to_string(&out).context("reading target/web-perf.json")?)?;
    let rows = rows(&results, &size);
    if !status.success() {
        eprintln!("some measurements could not be taken; the table shows the others");
    }
    if rows.is_empty() {
        bail!("no measurement was taken (see the Playwright output above)");
    }
    let settings = Settings {
        quick,
        duration: Duration::ZERO,
        size,
    };
    let path = root
        .join("docs")
        .join(if quick { "benchmarks-quick.md" } else { "benchmarks.md" });
    let existing = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    std::fs::write(&path, with_section(&existing, &section(&rows, &settings)))?;
    println!("{}", super::report::table(&rows));
    println!("written to {}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn row(scenario: String, target: &str, load: &str, measured: String, met: Option<bool>) -> Row {
    Row {
        scenario,
        target: target.into(),
        load: load.into(),
        outcome: None,
        measured,
        met,
    }
}

fn num(value: &Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

/// The table rows for whatever measurements the run recorded.
fn rows(results: &Value, size: &Size) -> Vec<Row> {
    let mut rows = Vec::new();
    let js = &results["signin_js_gzip_kb"];
    if js.is_object() {
        let kb = num(&js["kb"]);
        rows.push(row(
            "web: sign-in route's JavaScript, gzipped".into(),
            "≤ 250 KB",
            "cold load of /sign-in",
            format!("{kb:.1} KB in {} files", js["file_count"]),
            Some(kb <= 250.0),
        ));
    }
    let contacts = &results["contacts_first_rows_ms"];
    if contacts.is_object() {
        let (median, max) = (num(&contacts["median_ms"]), num(&contacts["max_ms"]));
        rows.push(row(
            format!("web: contacts page, first rows ({} contacts)", size.whale),
            "< 1 s after navigation, cold",
            "5 cold loads",
            format!("median {median:.0} ms, max {max:.0} ms"),
            Some(max < 1000.0),
        ));
    }
    let board = &results["board_500"];
    if board.is_object() {
        let deals = &board["deals_in_column_counts"];
        let cards = &board["cards_rendered"];
        let scroll = &board["scroll"];
        let longest = num(&scroll["longest_ms"]);
        rows.push(row(
            format!("web: board of {deals} deals ({cards} cards drawn), scrolling"),
            "no visible stall (no long task ≥ 100 ms)",
            "every column to its end",
            format!("longest long task {longest:.0} ms; {} over 50 ms", scroll["over_50ms"]),
            Some(longest < STALL_MS),
        ));
        let drag = &board["drag"];
        let longest = num(&drag["longest_ms"]);
        rows.push(row(
            format!("web: board of {deals} deals, dragging a card to the next stage"),
            "no visible stall (no long task ≥ 100 ms)",
            "pointer drag, 15 moves",
            format!(
                "longest long task {longest:.0} ms; drop → card shown {:.0} ms; server answered {}",
                num(&drag["drop_to_visible_ms"]),
                drag["move_status"]
            ),
            Some(longest < STALL_MS),
        ));
    }
    let search = &results["search_typing"];
    if search.is_object() {
        let max = num(&search["max_event_ms"]);
        let kept = search["typed_value"] == search["text"];
        rows.push(row(
            format!("web: typing a search ({} contacts)", size.whale),
            "input never blocks (no event > 50 ms), no key lost",
            "5 keys, 50 ms apart",
            format!(
                "longest input event {max:.0} ms; results {:.0} ms after the last key; keys kept: {}",
                num(&search["results_after_last_key_ms"]),
                if kept { "all" } else { "no" }
            ),
            Some(max <= 50.0 && kept),
        ));
    }
    rows
}

fn section(rows: &[Row], s: &Settings) -> String {
    format!(
        "{START}\n## Web app\n\nMeasured by `cargo xtask bench web{quick}` on {date}: Chromium (Debian's) driven by \
         Playwright (`web/perf/`), against the release server serving the production bundle, on the same \
         machine and dataset as above. Times include the browser's own work on the 2 shared cores.\n\n{table}\n{END}\n",
        quick = if s.quick { " --quick" } else { "" },
        date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        table = super::report::table(rows),
    )
}

/// `document` with its web section replaced by `section` (appended when it
/// has none).
pub fn with_section(document: &str, section: &str) -> String {
    match (document.find(START), document.find(END)) {
        (Some(start), Some(end)) if end > start => {
            let after = document[end + END.len()..].trim_start_matches('\n');
            format!("{}{section}{after}", &document[..start])
        }
        _ => format!("{}\n\n{section}", document.trim_end()),
    }
}

/// The web section of `document`, if it has one (kept by `cargo xtask bench`).
pub fn existing_section(document: &str) -> Option<&str> {
    let start = document.find(START)?;
    let end = document.find(END)? + END.len();
    (end > start).then(|| &document[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_web_section_is_replaced_in_place_or_appended() {
        let first = with_section("# Benchmarks\n\ntable\n", &format!("{START}\nold\n{END}\n"));
        assert!(first.starts_with("# Benchmarks\n\ntable\n\n"));
        let second = with_section(&first, &format!("{START}\nnew\n{END}\n"));
        assert!(second.contains("new") && !second.contains("old"));
        assert_eq!(existing_section(&second), Some(format!("{START}\nnew\n{END}").as_str()));
    }
}
