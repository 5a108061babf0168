//! Production's shape on loopback (issue 10 §4): two `clearview serve`
//! instances and a separate `clearview worker` behind nginx (Debian's
//! package), which runs the repository's `deploy/nginx.conf` with only what
//! a loopback machine needs changed: the app hosts become local ports, TLS
//! becomes plain HTTP, and nginx's files go to a directory of its own.
//! `cargo xtask stack` and the tests through nginx both start it from here.

use crate::process::ServerProcess;
use crate::smtp::unused_port;
use clearview_app::Config;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// The repository's nginx configuration.
pub fn deploy_nginx_conf() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nginx.conf");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// How [`localize`] adapts `deploy/nginx.conf` to this machine.
pub struct Local<'a> {
    /// Ports of the app instances, in the order of the upstream's servers.
    pub upstreams: &'a [u16],
    /// Where the TLS server listens instead of 443.
    pub port: u16,
    /// Where the redirect server listens instead of 80.
    pub redirect_port: u16,
    /// Certificate and key to keep TLS with (`nginx -t` of the real file);
    /// `None` serves plain HTTP (the loopback stack).
    pub tls: Option<(&'a Path, &'a Path)>,
    /// nginx's pid, logs and temporary files.
    pub dir: &'a Path,
}

/// `deploy/nginx.conf` with its hosts, ports, certificates and file paths
/// replaced; every other line — the upstream's keepalive, proxy headers,
/// body size, timeouts — is kept as written. Panics when the file no
/// longer has the lines this relies on, so the stack cannot drift from it.
pub fn localize(real: &str, local: &Local) -> String {
    let dir = local.dir.display();
    let mut out = format!("pid {dir}/nginx.pid;\nerror_log {dir}/error.log;\n");
    let mut upstreams = local.upstreams.iter();
    let mut in_upstream = false;
    for line in real.lines() {
        let trimmed = line.trim();
        let indent = &line[..line.len() - line.trim_start().len()];
        if trimmed.starts_with("upstream ") {
            in_upstream = true;
        } else if in_upstream && trimmed == "}" {
            in_upstream = false;
            assert!(
                upstreams.next().is_none(),
                "nginx.conf has fewer upstream servers than instances"
            );
        }
        let replaced = if in_upstream && trimmed.starts_with("server ") {
            let port = upstreams.next().expect("an instance for every upstream server");
            format!("{indent}server 127.0.0.1:{port};")
        } else if trimmed == "listen 80;" {
            format!("{indent}listen 127.0.0.1:{};", local.redirect_port)
        } else if trimmed.starts_with("listen 443 ssl") {
            match local.tls {
                Some(_) => format!("{indent}listen 127.0.0.1:{} ssl http2;", local.port),
                None => format!("{indent}listen 127.0.0.1:{};", local.port),
            }
        } else if trimmed.starts_with("ssl_certificate_key ") {
            match local.tls {
                Some((_, key)) => format!("{indent}ssl_certificate_key {};", key.display()),
                None => String::new(),
            }
        } else if trimmed.starts_with("ssl_certificate ") {
            match local.tls {
                Some((cert, _)) => format!("{indent}ssl_certificate {};", cert.display()),
                None => String::new(),
            }
        } else if trimmed.starts_with("ssl_") && local.tls.is_none() {
            String::new()
        } else if trimmed == "http {" {
            let paths = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
                .map(|kind| format!("    {kind}_temp_path {dir}/{kind};"))
                .join("\n");
            format!("http {{\n    access_log {dir}/access.log;\n{paths}")
        } else {
            line.to_owned()
        };
        out.push_str(&replaced);
        out.push('\n');
    }
    assert!(
        out.contains("127.0.0.1:"),
        "nginx.conf has no upstream or listen lines to localize"
    );
    out
}

/// A directory nginx's unprivileged workers may write to.
fn nginx_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cv-nginx-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("an nginx directory");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    dir
}

/// `nginx -t` on a configuration text; `Err` holds nginx's complaint.
pub fn nginx_test(conf: &str, dir: &Path) -> Result<(), String> {
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).map_err(|e| e.to_string())?;
    let output = std::process::Command::new("nginx")
        .arg("-t")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&path)
        .output()
        .map_err(|e| format!("nginx is not installed ({e}); apt-get install nginx"))?;
    match output.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&output.stderr).into_owned()),
    }
}

/// nginx in the foreground with a configuration of its own; stopped when
/// dropped.
pub struct Nginx {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Nginx {
    /// Starts nginx in front of `upstreams`, listening on `port`.
    pub async fn start(upstreams: &[u16], port: u16) -> Nginx {
        let dir = nginx_dir();
        let conf = localize(
            &deploy_nginx_conf(),
            &Local {
                upstreams,
                port,
                redirect_port: unused_port(),
                tls: None,
                dir: &dir,
            },
        );
        nginx_test(&conf, &dir).unwrap_or_else(|e| panic!("nginx refuses the localized deploy/nginx.conf: {e}"));
        let child = Command::new("nginx")
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("nginx starts");
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "nginx did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Nginx { child, port, dir }
    }

    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops nginx (SIGQUIT: finish what it serves).
    pub async fn stop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-QUIT", &pid.to_string()])
                .status();
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Two instances without a worker of their own, one worker, and nginx.
pub struct Stack {
    pub instances: Vec<ServerProcess>,
    pub worker: ServerProcess,
    pub nginx: Nginx,
}

impl Stack {
    /// Starts the stack on `config`'s database, nginx on `port`.
    pub async fn start(config: &Config, port: u16) -> Stack {
        let mut instance_config = config.clone();
        instance_config.embedded_worker = false;
        // Two instances cannot share one metrics port.
        instance_config.metrics_addr = None;
        // Behind nginx every peer is nginx: the client is the address it
        // appends to X-Forwarded-For.
        instance_config.rate_limits.trust_proxy_headers = true;
        let mut instances = Vec::new();
        for _ in 0..2 {
            instances.push(ServerProcess::serve(&instance_config).await);
        }
        let worker = ServerProcess::worker(config);
        let ports: Vec<u16> = instances.iter().map(ServerProcess::port).collect();
        let nginx = Nginx::start(&ports, port).await;
        Stack {
            instances,
            worker,
            nginx,
        }
    }

    pub fn address(&self) -> String {
        self.nginx.address()
    }

    /// Stops it as an orchestrator would: SIGTERM to every process, each
    /// finishing its requests and jobs, then nginx.
    pub async fn stop(mut self) {
        for process in self.instances.iter().chain([&self.worker]) {
            process.terminate();
        }
        for process in self.instances.iter_mut().chain([&mut self.worker]) {
            process.exit_status(Duration::from_secs(40)).await;
        }
        self.nginx.stop().await;
    }
}
