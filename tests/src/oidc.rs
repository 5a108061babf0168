//! Single sign-on from the outside: a real OpenID Provider (`oidc-provider`
//! from npm, `tests/oidc/provider.mjs`, see its README) as a child process,
//! a person logging in at it over plain HTTP, and a browser at the app that
//! carries the app's cookies from the start of a sign-in to its callback.
//!
//! Two cookie jars, as two origins would have in a browser: the provider's
//! cookies stay inside [`Provider`] (one fresh jar per login), the app's in
//! the [`User`] that plays the browser. Both run on 127.0.0.1, where cookies
//! do not separate ports, so one shared jar would mix them.
//!
//! Neither side follows redirects: each step is checked. The provider's last
//! redirect goes to the app's *public* URL (`http://127.0.0.1:8080`, not
//! where the test server listens), so the test takes its query to the real
//! callback itself, as the browser would have.

use crate::{Response, TestApp, User};
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};
use uuid::Uuid;

/// The test server's `public_base_url` (spawn.rs): relative redirects from
/// the app are resolved against it, as a browser on that origin would.
pub const PUBLIC_BASE_URL: &str = "http://127.0.0.1:8080";
/// The redirect URI the app sends, `{PUBLIC_BASE_URL}/api/auth/oidc/callback`;
/// every client registered at the provider has it (known before the app
/// starts, which needs the provider's port first).
pub const CALLBACK: &str = "http://127.0.0.1:8080/api/auth/oidc/callback";
/// The client [`Provider::start`] registers.
pub const CLIENT_ID: &str = "clearview-test";
pub const CLIENT_SECRET: &str = "client-secret-for-clearview-test-Q7z4";

/// The README measured 0.45–1.0 s to the ready line; a busy 2-core machine
/// compiling in parallel can be much slower.
const READY_WITHIN: Duration = Duration::from_secs(20);
/// A fresh login is 7 requests (README "The steps"); more means a loop.
const MAX_STEPS: usize = 12;

/// A client that never follows redirects. reqwest is built with rustls and
/// no provider of its own, so the process's one is installed first.
fn no_redirects() -> reqwest::Client {
    clearview_app::install_tls_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("an HTTP client")
}

/// `oidc-provider` running as `node tests/oidc/provider.mjs`; killed when
/// dropped (and it exits by itself if this process dies: its stdin closes).
pub struct Provider {
    /// `http://127.0.0.1:<port>`, exactly as the ready line printed it.
    pub issuer: String,
    child: Child,
    /// Held open: with `OIDC_EXIT_ON_STDIN_CLOSE=1` the provider ends when
    /// it closes, so a killed test process leaves no provider behind.
    _stdin: ChildStdin,
    /// Held open after the ready line so stdout never becomes a broken pipe.
    _stdout: Lines<BufReader<ChildStdout>>,
    /// Its stderr (warnings, one line per refused request), drained as it
    /// comes so a full pipe never blocks it; shown when a test fails.
    log: Arc<Mutex<String>>,
    http: reqwest::Client,
}

impl Provider {
    /// A provider with one client, [`CLIENT_ID`] / [`CLIENT_SECRET`].
    pub async fn start() -> Self {
        Self::start_with(&[(CLIENT_ID, CLIENT_SECRET)]).await
    }

    /// A provider with these `(client_id, client_secret)` clients, each
    /// allowed to redirect to [`CALLBACK`] only.
    pub async fn start_with(clients: &[(&str, &str)]) -> Self {
        // CARGO_MANIFEST_DIR is the tests crate (`<repo>/tests`).
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the tests crate is inside the repository");
        assert!(
            root.join("tests/oidc/node_modules/oidc-provider").is_dir(),
            "the OpenID provider's packages are missing: run `npm ci` in tests/oidc"
        );
        let clients: Vec<Value> = clients
            .iter()
            .map(|(id, secret)| json!({"client_id": id, "client_secret": secret, "redirect_uris": [CALLBACK]}))
            .collect();
        let mut child = Command::new("node")
            .arg("tests/oidc/provider.mjs")
            .current_dir(root)
            .env("OIDC_PORT", "0")
            .env("OIDC_CLIENTS", Value::Array(clients).to_string())
            .env("OIDC_EXIT_ON_STDIN_CLOSE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts (Node.js runs the tests' OpenID provider)");
        let stdin = child.stdin.take().expect("a piped stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("a piped stdout")).lines();
        let log = Arc::new(Mutex::new(String::new()));
        let drained = tokio::spawn(drain(child.stderr.take().expect("a piped stderr"), log.clone()));

        let ready = tokio::time::timeout(READY_WITHIN, stdout.next_line()).await;
        let issuer = match &ready {
            Ok(Ok(Some(line))) => line.strip_prefix("OIDC_PROVIDER_READY ").map(str::to_owned),
            _ => None,
        };
        let Some(issuer) = issuer else {
            let _ = child.start_kill();
            // Let stderr say why (a bad OIDC_CLIENTS, a missing package).
            let _ = tokio::time::timeout(Duration::from_secs(2), drained).await;
            let stderr = log.lock().unwrap().clone();
            panic!("the OpenID provider did not start ({ready:?}); its stderr:\n{stderr}");
        };
        Self {
            issuer,
            child,
            _stdin: stdin,
            _stdout: stdout,
            log,
            http: no_redirects(),
        }
    }

    /// `host:port`, for `AppOptions::oidc_allow_hosts` (the app's SSRF guard
    /// refuses loopback otherwise).
    pub fn host(&self) -> String {
        self.issuer.trim_start_matches("http://").to_owned()
    }

    /// What the provider wrote to stderr so far.
    pub fn log(&self) -> String {
        // Also read while a failing test unwinds (Drop): never panic here.
        self.log
            .lock()
            .map(|log| log.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Logs in as `login` (an e-mail address: it becomes `sub`, `email` and,
    /// unless it starts with `unverified.`, a verified address) starting at
    /// `authorization_url` (the app's redirect), through the login and
    /// consent forms; returns the provider's redirect to [`CALLBACK`].
    pub async fn log_in(&self, authorization_url: &Url, login: &str) -> Url {
        self.authorize(authorization_url, Some(login)).await
    }

    /// Cancels at the login form (its `[ Cancel ]` link); returns the
    /// provider's redirect to [`CALLBACK`], with `error=access_denied`.
    pub async fn cancel(&self, authorization_url: &Url) -> Url {
        self.authorize(authorization_url, None).await
    }

    /// `POST /__test/rotate-keys`: a new signing key, the old one gone from
    /// the JWKS at once. Returns the new key's `kid`.
    pub async fn rotate_keys(&self) -> String {
        let response = self
            .http
            .post(format!("{}/__test/rotate-keys", self.issuer))
            .send()
            .await
            .expect("the provider answers");
        assert_eq!(response.status().as_u16(), 200, "rotate-keys; log:\n{}", self.log());
        let body: Value = serde_json::from_str(&response.text().await.unwrap_or_default()).expect("JSON");
        body["kid"].as_str().expect("the new kid").to_owned()
    }

    /// The `kid`s the provider's JWKS publishes now.
    pub async fn kids(&self) -> Vec<String> {
        let response = self
            .http
            .get(format!("{}/jwks", self.issuer))
            .send()
            .await
            .expect("the provider answers");
        let body: Value = serde_json::from_str(&response.text().await.unwrap_or_default()).expect("JSON");
        body["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .filter_map(|k| k["kid"].as_str().map(str::to_owned))
            .collect()
    }

    /// The README's loop: follow redirects by hand (resolving relative ones),
    /// answer each HTML form (login, then consent), stop at the redirect to
    /// [`CALLBACK`]. `login` `None` cancels at the login form instead.
    async fn authorize(&self, authorization_url: &Url, login: Option<&str>) -> Url {
        // A fresh jar: a new browser at the provider, so every login goes
        // through the forms (a kept `_session` would skip them).
        let mut jar: BTreeMap<String, String> = BTreeMap::new();
        let mut url = authorization_url.clone();
        let mut form: Option<String> = None;
        for _ in 0..MAX_STEPS {
            let mut request = match form.take() {
                Some(body) => self
                    .http
                    .post(url.as_str())
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(body),
                None => self.http.get(url.as_str()),
            };
            if !jar.is_empty() {
                request = request.header(COOKIE, cookie_header(&jar));
            }
            let response = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("the provider answers {url}: {e}"));
            keep_cookies(&mut jar, response.headers());
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .expect("a Location on a redirect");
                let next = url.join(location).expect("a URL in Location");
                if next.as_str().split('?').next() == Some(CALLBACK) {
                    return next;
                }
                url = next;
                continue;
            }
            let html = response.text().await.unwrap_or_default();
            assert_eq!(
                status.as_u16(),
                200,
                "the provider answered {url}: {html}\nits log:\n{}",
                self.log()
            );
            // A dev-interaction page: one form with a hidden `prompt`.
            let prompt = quoted_after(&html, r#"name="prompt" value=""#)
                .unwrap_or_else(|| panic!("a login or consent form at {url}: {html}"));
            let action = quoted_after(&html, r#"action=""#)
                .map(|a| a.replace("&#x2F;", "/").replace("&amp;", "&"))
                .unwrap_or_else(|| panic!("a form action at {url}: {html}"));
            match (prompt, login) {
                ("login", Some(login)) => {
                    form = Some(query(&[
                        ("prompt", "login"),
                        ("login", login),
                        ("password", "anything"),
                    ]));
                    url = url.join(&action).expect("a form action URL");
                }
                // The page's `[ Cancel ]` link (README step 2).
                ("login", None) => url = Url::parse(&format!("{}/abort", url.as_str())).expect("a URL"),
                ("consent", _) => {
                    form = Some(query(&[("prompt", "consent")]));
                    url = url.join(&action).expect("a form action URL");
                }
                (other, _) => panic!("an unexpected prompt {other:?} at {url}"),
            }
        }
        panic!(
            "no redirect to {CALLBACK} after {MAX_STEPS} steps; the provider's log:\n{}",
            self.log()
        );
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        if std::thread::panicking() {
            eprintln!("--- the OpenID provider's stderr ({}) ---\n{}", self.issuer, self.log());
        }
    }
}

async fn drain(stderr: ChildStderr, log: Arc<Mutex<String>>) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut log = log.lock().unwrap();
        log.push_str(&line);
        log.push('\n');
    }
}

/// The text between `before` and the next `"`.
fn quoted_after<'a>(html: &'a str, before: &str) -> Option<&'a str> {
    let start = html.find(before)? + before.len();
    let length = html[start..].find('"')?;
    Some(&html[start..start + length])
}

/// The provider's jar, keyed by name alone and sent whole on every request
/// to it: the README says this simple jar works (a later cookie of a name
/// replaces the earlier; each `.sig` cookie travels with its cookie).
fn keep_cookies(jar: &mut BTreeMap<String, String>, headers: &HeaderMap) {
    for set in headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
        let Some((name, value)) = set.split(';').next().and_then(|pair| pair.split_once('=')) else {
            continue;
        };
        // Deleted with an empty value, or (`.sig` cookies) a past expiry.
        let deleted = value.is_empty() || set.to_ascii_lowercase().contains("expires=thu, 01 jan 1970");
        if deleted {
            jar.remove(name.trim());
        } else {
            jar.insert(name.trim().to_owned(), value.to_owned());
        }
    }
}

fn cookie_header(jar: &BTreeMap<String, String>) -> String {
    jar.iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `application/x-www-form-urlencoded` pairs: a query string or form body.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut url = Url::parse("http://form.invalid/").expect("a URL");
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().unwrap_or_default().to_owned()
}

/// A query parameter of `url`, decoded.
pub fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// A browser at the app: no session, and redirects not followed (the app's
/// sign-in answers are 302s whose cookies and Location the tests read).
pub fn browser(app: &TestApp) -> User {
    User::new(no_redirects(), app.address.clone())
}

/// The response's `Location`, resolved against [`PUBLIC_BASE_URL`] when
/// relative.
pub fn location(response: &Response) -> Url {
    let location = response
        .header("location")
        .unwrap_or_else(|| panic!("a Location header: {} {}", response.status, response.body));
    Url::parse(PUBLIC_BASE_URL)
        .and_then(|base| base.join(&location))
        .expect("a URL in Location")
}

/// `GET /api/auth/oidc/{org}/start`; the browser keeps the `cv_sso` cookie.
pub async fn start(browser: &mut User, org: Uuid) -> Response {
    browser.get(&format!("/api/auth/oidc/{org}/start")).await
}

/// Starts a sign-in that must start; returns the provider URL it leads to.
pub async fn begin(browser: &mut User, org: Uuid) -> Url {
    let started = start(browser, org).await;
    assert_eq!(started.status, 302, "start: {}", started.body);
    location(&started)
}

/// `GET /api/auth/oidc/callback?<query>` with the browser's cookies.
pub async fn callback(browser: &mut User, query: &str) -> Response {
    browser.get(&format!("/api/auth/oidc/callback?{query}")).await
}

/// Follows the provider's redirect to [`CALLBACK`] as the browser would:
/// its query, verbatim (`code`, `state`, `iss`, or `error`), to the app.
pub async fn follow(browser: &mut User, redirect: &Url) -> Response {
    assert_eq!(redirect.as_str().split('?').next(), Some(CALLBACK), "{redirect}");
    callback(browser, redirect.query().unwrap_or_default()).await
}

/// A whole sign-in to `org` in a new browser: start, log in as `login` at
/// the provider, back to the callback. The callback's answer, and the
/// browser (holding the session when it succeeded).
pub async fn sign_in(app: &TestApp, provider: &Provider, org: Uuid, login: &str) -> (Response, User) {
    let mut browser = browser(app);
    let authorization = begin(&mut browser, org).await;
    let back = provider.log_in(&authorization, login).await;
    let response = follow(&mut browser, &back).await;
    (response, browser)
}

/// Fixture rows for the single sign-on tables (`sso_settings`,
/// `sso_pending_sign_ins`), written as the owner: the table sweeps
/// (isolation, organization deletion) need rows, not a provider.
pub async fn fill_sso_tables(app: &TestApp, tenant: Uuid) {
    app.owner_exec(
        "INSERT INTO sso_settings (tenant_id, issuer, client_id, client_secret, allowed_domains, default_role) \
         VALUES ($1, 'https://idp.example.test', 'clearview', '{\"sealed\": \"fixture\"}', '{example.test}', 'rep')",
        tenant,
    )
    .await;
    app.owner_exec(
        "INSERT INTO sso_pending_sign_ins (tenant_id, state_hash, browser_hash, nonce, pkce_verifier, expires_at) \
         VALUES ($1, decode(md5(random()::text), 'hex'), decode(md5(random()::text), 'hex'), 'nonce', 'verifier', now() + interval '10 minutes')",
        tenant,
    )
    .await;
}
