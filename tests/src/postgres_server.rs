//! A PostgreSQL server of a test's own (a fresh cluster in a temporary
//! directory on a free loopback port), so a test can stop and start it
//! without touching the server other tests share. Removed when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct OwnPostgres {
    pub port: u16,
    data: PathBuf,
    bin: PathBuf,
    /// initdb refuses to run as root: as root, run as the `postgres` user.
    as_postgres: bool,
}

impl OwnPostgres {
    /// Creates the cluster (trust authentication, loopback only) and
    /// starts it.
    pub async fn start() -> OwnPostgres {
        tokio::task::spawn_blocking(|| {
            let port = crate::smtp::unused_port();
            let data = std::env::temp_dir().join(format!("cv-pg-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&data).expect("a data directory");
            let as_postgres = is_root();
            if as_postgres {
                run(Command::new("chown").arg("postgres:").arg(&data));
            }
            let server = OwnPostgres {
                port,
                data,
                bin: bin_dir(),
                as_postgres,
            };
            run(server
                .command("initdb")
                .arg("--pgdata")
                .arg(&server.data)
                .args(["--username", "postgres", "--auth", "trust", "--no-instructions"])
                .args(["--encoding", "UTF8", "--locale", "C"]));
            server.start_again();
            server
        })
        .await
        .expect("the cluster starts")
    }

    /// The superuser URL without a database name.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    /// Stops the server the way an operator's restart does (`-m fast`:
    /// sessions are ended, in-flight queries fail).
    pub fn stop(&self) {
        run(self
            .command("pg_ctl")
            .args(["stop", "--wait", "-m", "fast", "--pgdata"])
            .arg(&self.data));
    }

    /// Starts the stopped server again on the same port and data.
    pub fn start_again(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} -c fsync=off -c max_connections=40",
            self.port,
            self.data.display()
        );
        run(self
            .command("pg_ctl")
            .args(["start", "--wait", "--pgdata"])
            .arg(&self.data)
            .arg("--log")
            .arg(self.data.join("server.log"))
            .arg("-o")
            .arg(options));
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["stop", "-m", "immediate", "--pgdata"])
            .arg(&self.data)
            .output();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// `/usr/lib/postgresql/<highest version>/bin`.
fn bin_dir() -> PathBuf {
    let base = Path::new("/usr/lib/postgresql");
    std::fs::read_dir(base)
        .expect("PostgreSQL server binaries under /usr/lib/postgresql")
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin)
        .expect("a PostgreSQL version with initdb")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
