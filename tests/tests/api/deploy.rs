//! The deployment files say what the code needs (issue 10 §4): nginx
//! accepts `deploy/nginx.conf`, and the compose file and the Kubernetes
//! manifest parse and carry the settings the server depends on.

use clearview_tests::smtp::unused_port;
use clearview_tests::stack::{Local, deploy_nginx_conf, localize, nginx_test};
use std::path::Path;
use yaml_rust2::{Yaml, YamlLoader};

/// `IMPORT_MAX_BYTES`'s default: a proxy must admit a body this large.
const IMPORT_MAX_BYTES: u64 = 256 * 1024 * 1024;

fn deploy_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// nginx's size syntax (`256m`, `1g`, `1024k`, bytes) in bytes.
fn size(value: &str) -> u64 {
    let value = value.trim().to_lowercase();
    let (number, unit) = match value.chars().last() {
        Some('k') => (&value[..value.len() - 1], 1024),
        Some('m') => (&value[..value.len() - 1], 1024 * 1024),
        Some('g') => (&value[..value.len() - 1], 1024 * 1024 * 1024),
        _ => (value.as_str(), 1),
    };
    number.parse::<u64>().expect("a size") * unit
}

#[test]
fn nginx_accepts_the_deploy_config_with_only_hosts_ports_and_certificates_changed() {
    let dir = tempdir("nginx-t");
    let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let real = deploy_nginx_conf();
    let conf = localize(
        &real,
        &Local {
            upstreams: &[unused_port(), unused_port()],
            port: unused_port(),
            redirect_port: unused_port(),
            tls: Some((&cert, &key)),
            dir: &dir,
        },
    );
    nginx_test(&conf, &dir).unwrap_or_else(|e| panic!("nginx -t: {e}\n{conf}"));

    let body = real
        .lines()
        .find_map(|l| l.trim().strip_prefix("client_max_body_size "))
        .expect("client_max_body_size is set");
    assert!(
        size(body.trim_end_matches(';')) >= IMPORT_MAX_BYTES,
        "nginx admits the largest import"
    );
    assert!(
        real.contains("X-Forwarded-For $proxy_add_x_forwarded_for"),
        "nginx appends the client address"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cv-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    dir
}

/// `name: value` pairs of a Kubernetes container's `env`.
fn container_env(container: &Yaml) -> Vec<(String, Yaml)> {
    container["env"]
        .as_vec()
        .expect("the container has env")
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_owned(), e["value"].clone()))
        .collect()
}

#[test]
fn the_kubernetes_manifest_sets_what_the_server_needs() {
    let documents = YamlLoader::load_from_str(&deploy_file("k8s/clearview.yaml")).expect("the manifest parses");
    let of_kind = |kind: &str| {
        documents
            .iter()
            .find(|d| d["kind"].as_str() == Some(kind))
            .unwrap_or_else(|| panic!("a {kind}"))
    };
    let deployment = of_kind("Deployment");
    let pod = &deployment["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let env = container_env(container);
    let value = |name: &str| env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    assert_eq!(
        value("TRUST_PROXY_HEADERS")
            .and_then(|v| v.as_str().map(str::to_owned))
            .as_deref(),
        Some("true")
    );
    for required in [
        "APP_DATABASE_URL",
        "WORKER_DATABASE_URL",
        "REDIS_URL",
        "JWT_SECRET",
        "SMTP_URL",
    ] {
        assert!(value(required).is_some(), "{required} is set");
    }
    assert_eq!(container["readinessProbe"]["httpGet"]["path"].as_str(), Some("/readyz"));
    assert_eq!(container["livenessProbe"]["httpGet"]["path"].as_str(), Some("/healthz"));
    // Longer than SHUTDOWN_TIMEOUT_SECONDS (30) plus the preStop sleep.
    let grace = pod["terminationGracePeriodSeconds"].as_i64().expect("a grace period");
    let pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        .as_i64()
        .unwrap_or(0);
    assert!(
        grace > 30 + pre_stop,
        "grace {grace} s covers preStop {pre_stop} s + the 30 s shutdown"
    );

    let ingress = of_kind("Ingress");
    let body = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
        .as_str()
        .expect("the ingress sets a body size");
    assert!(size(body) >= IMPORT_MAX_BYTES, "the ingress admits the largest import");
    assert_eq!(
        of_kind("Job")["spec"]["template"]["spec"]["containers"][0]["args"][0].as_str(),
        Some("migrate")
    );
}

#[test]
fn the_compose_file_sets_what_the_server_needs() {
    let documents = YamlLoader::load_from_str(&deploy_file("compose.yaml")).expect("compose.yaml parses");
    let services = &documents[0]["services"];
    for app in ["app1", "app2"] {
        let env = &services[app]["environment"];
        assert_eq!(
            env["TRUST_PROXY_HEADERS"].as_str(),
            Some("true"),
            "{app} trusts nginx's X-Forwarded-For"
        );
        for required in ["APP_DATABASE_URL", "WORKER_DATABASE_URL", "REDIS_URL", "JWT_SECRET"] {
            assert!(!env[required].is_badvalue(), "{app} sets {required}");
        }
        assert_eq!(services[app]["command"][0].as_str(), Some("serve"));
        let grace = services[app]["stop_grace_period"]
            .as_str()
            .expect("a stop grace period");
        let seconds: u64 = grace.trim_end_matches('s').parse().expect("seconds");
        assert!(seconds > 30, "compose waits longer than the 30 s shutdown");
    }
    let mounts: Vec<&str> = services["nginx"]["volumes"]
        .as_vec()
        .expect("nginx mounts its config")
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert!(
        mounts.iter().any(|m| m.starts_with("./nginx.conf:")),
        "compose runs deploy/nginx.conf"
    );
    assert_eq!(services["migrate"]["command"][0].as_str(), Some("migrate"));
}
