//! A private PostgreSQL cluster under `target/pgdata`, for machines with no
//! database server of their own. It is built from the locally installed
//! server binaries, trusts local connections (development only) and listens
//! on 127.0.0.1 only, on a port that does not clash with a system server.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const PORT: u16 = 54329;

/// Initialises the cluster if needed, starts it if it is not running and
/// returns its owner URL.
pub fn ensure_running(root: &Path) -> anyhow::Result<String> {
    let bin = postgres_bin_dir()?;
    let target = root.join("target");
    let data = target.join("pgdata");
    // Unix socket paths are limited to ~107 bytes, so keep the directory
    // short; it lives inside target/ so that nothing leaks outside the tree.
    let sockets = target.join("pgsock");
    std::fs::create_dir_all(&data).with_context(|| format!("creating {}", data.display()))?;
    std::fs::create_dir_all(&sockets)?;

    // initdb refuses to run as root, so as root everything runs as the
    // `postgres` system user, which must own the directories it writes.
    let as_postgres = is_root()?;
    if as_postgres {
        for dir in [&data, &sockets] {
            run(Command::new("chown").arg("-R").arg("postgres:").arg(dir))?;
        }
    }

    if !data.join("PG_VERSION").exists() {
        println!("initialising a private PostgreSQL cluster in {}", data.display());
        run(pg_command(&bin.join("initdb"), as_postgres)
            .arg("--pgdata")
            .arg(&data)
            .args(["--username", "postgres", "--auth", "trust"])
            .args(["--encoding", "UTF8", "--locale", "C", "--no-instructions"]))?;
    }

    // `pg_ctl status` exits 0 when the server runs, 3 when it does not.
    let status = pg_command(&bin.join("pg_ctl"), as_postgres)
        .arg("status")
        .arg("--pgdata")
        .arg(&data)
        .output()
        .context("running pg_ctl status")?;
    if !status.status.success() {
        println!("starting the private PostgreSQL cluster on port {PORT}");
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={PORT} -c unix_socket_directories={}",
            sockets.display()
        );
        run(pg_command(&bin.join("pg_ctl"), as_postgres)
            .arg("start")
            .arg("--wait")
            .arg("--pgdata")
            .arg(&data)
            // Inside the data directory because the server user can write there.
            .arg("--log")
            .arg(data.join("server.log"))
            .arg("-o")
            .arg(options))?;
    }

    Ok(format!("postgres://postgres@127.0.0.1:{PORT}/clearview"))
}

/// `/usr/lib/postgresql/<highest version>/bin`.
fn postgres_bin_dir() -> anyhow::Result<PathBuf> {
    let base = Path::new("/usr/lib/postgresql");
    let entries = std::fs::read_dir(base).with_context(|| {
        format!(
            "no PostgreSQL reachable and no server binaries in {}; \
             set DATABASE_URL or install PostgreSQL",
            base.display()
        )
    })?;
    let highest = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version);
    match highest {
        Some((_, bin)) => Ok(bin),
        None => bail!("no PostgreSQL server binaries under {}", base.display()),
    }
}

/// Whether we run as root, asked of `id -u` so that no libc binding is needed.
fn is_root() -> anyhow::Result<bool> {
    let output = Command::new("id").arg("-u").output().context("running id -u")?;
    Ok(String::from_utf8_lossy(&output.stdout).trim() == "0")
}

fn pg_command(program: &Path, as_postgres: bool) -> Command {
    if as_postgres {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command.status().with_context(|| format!("running {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}
