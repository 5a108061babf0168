//! Abuse protection over HTTP: the named policies, the client address they
//! key on, a 429 with `Retry-After` when one is exhausted, and the
//! `RateLimit-Policy` / `RateLimit` headers (IETF
//! draft-ietf-httpapi-ratelimit-headers) on every limited response.
//!
//! Routes call one line, e.g. `state.limits.password_reset(&req, &email).await?;`
//! or, for any policy, `state.limits.check(&req, policy, key).await?;`. Each
//! check is recorded in the request's extensions; [`headers`] (wrapped
//! around `/api`) turns the record into response headers, so a 401 or 409
//! from a limited route carries them too.

use crate::problem::ApiError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest};
use clearview_kernel::SessionId;
use clearview_kernel::TenantId;
use clearview_kernel::rate_limit::{Admission, Decision, Policy, RateLimiter, ceil_seconds};
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// Every policy the API applies, and whether proxy headers name the client.
/// Defaults are documented in the README's configuration table.
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    /// `POST /api/auth/login` per client address.
    pub login_ip: Policy,
    /// `POST /api/auth/login` per account email (lower-cased, hashed) *and*
    /// client address: a stranger who spends it locks out only themselves.
    pub login_email: Policy,
    /// `POST /api/auth/login` per account from all addresses together: a
    /// much looser ceiling on distributed guessing.
    pub login_account: Policy,
    /// Authenticated requests per organization.
    pub organization_api: Policy,
    /// Requests per API key, counted inside the organization's budget too:
    /// one busy integration cannot spend it all.
    pub api_key: Policy,
    /// Password-reset requests per client address.
    pub password_reset_ip: Policy,
    /// Password-reset requests per account email and client address.
    pub password_reset_email: Policy,
    /// Password-reset requests per account from all addresses (a ceiling
    /// on mail-bombing an inbox).
    pub password_reset_account: Policy,
    /// Invitations sent per organization.
    pub invitation_organization: Policy,
    /// Unauthenticated requests that hash or check a password besides
    /// sign-in (sign-up, its verification, reset confirmation, accepting
    /// an invitation), per client address.
    pub account_ip: Policy,
    /// Second-factor codes checked (enrollment, sign-in, turning it off),
    /// per person and per client address: with six digits, the ceiling on
    /// guessing across challenges (each takes five tries at most anyway).
    pub mfa: Policy,
    /// Take the client address from the right-most `X-Forwarded-For` entry
    /// (the one the trusted reverse proxy appended) instead of the peer.
    pub trust_proxy_headers: bool,
}

const MINUTE: Duration = Duration::from_secs(60);

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            login_ip: Policy::new("login-ip", 20, MINUTE),
            login_email: Policy::new("login-email", 10, 15 * MINUTE),
            login_account: Policy::new("login-account", 100, 60 * MINUTE),
            organization_api: Policy::new("org-api", 600, MINUTE),
            api_key: Policy::new("api-key", 300, MINUTE),
            password_reset_ip: Policy::new("password-reset-ip", 10, 15 * MINUTE),
            password_reset_email: Policy::new("password-reset-email", 3, 60 * MINUTE),
            password_reset_account: Policy::new("password-reset-account", 10, 60 * MINUTE),
            invitation_organization: Policy::new("invitation-org", 50, 60 * MINUTE),
            account_ip: Policy::new("account-ip", 20, 15 * MINUTE),
            mfa: Policy::new("mfa", 10, 15 * MINUTE),
            trust_proxy_headers: false,
        }
    }
}

/// The policies with the limiter that counts them.
pub struct Limits {
    limiter: Arc<dyn RateLimiter>,
    settings: RateLimitSettings,
}

/// The checks made for one request, for the response headers.
#[derive(Default, Clone)]
struct Applied(Vec<(Policy, Decision)>);

impl Limits {
    /// `limiter` should degrade by itself when its store fails (the
    /// Redis-backed one falls back to in-process limits); an `Err` from it
    /// fails the request closed with a 500.
    pub fn new(limiter: Arc<dyn RateLimiter>, settings: RateLimitSettings) -> Self {
        Self { limiter, settings }
    }

    pub fn policies(&self) -> &RateLimitSettings {
        &self.settings
    }

    /// Counts one request against `policy` for `key`; 429 when exhausted.
    pub async fn check(&self, req: &HttpRequest, policy: &Policy, key: &str) -> Result<Decision, ApiError> {
        let decision = self
            .limiter
            .check(key, policy)
            .await
            .map_err(|e| ApiError::unexpected(&std::io::Error::other(e)))?;
        record(req, policy, decision)
    }

    /// The per-organization budget of an authenticated request, read
    /// together with its session's denial (one round trip to the store):
    /// what the denylist said (see [`Admission::denied`]; `None` when it
    /// was not read) and the budget's verdict (429 when spent).
    pub async fn organization_api(
        &self,
        req: &HttpRequest,
        tenant_id: TenantId,
        session_id: SessionId,
    ) -> (Option<Option<bool>>, Result<(), ApiError>) {
        let policy = &self.settings.organization_api;
        match self
            .limiter
            .check_session(&tenant_id.to_string(), policy, session_id)
            .await
        {
            Ok(Admission { budget, denied }) => (denied, record(req, policy, budget).map(drop)),
            Err(e) => (None, Err(ApiError::unexpected(&std::io::Error::other(e)))),
        }
    }

    /// A request with an API key: the organization's budget, then the
    /// key's own (429 when either is spent).
    pub async fn api_key(&self, req: &HttpRequest, tenant_id: TenantId, key_id: uuid::Uuid) -> Result<(), ApiError> {
        self.check(req, &self.settings.organization_api, &tenant_id.to_string())
            .await?;
        self.check(req, &self.settings.api_key, &key_id.to_string()).await?;
        Ok(())
    }

    /// Sign-in: per client address, per account from that address, then
    /// per account overall (a loose ceiling). Call before the password is
    /// verified. Keying the tight account limit by address too means a
    /// stranger cannot lock anyone out but themselves.
    pub async fn login(&self, req: &HttpRequest, email: &str) -> Result<(), ApiError> {
        let ip = self.client_ip(req);
        let account = email_key(email);
        self.check(req, &self.settings.login_ip, &ip).await?;
        self.check(req, &self.settings.login_email, &format!("{account}:{ip}"))
            .await?;
        self.check(req, &self.settings.login_account, &account).await?;
        Ok(())
    }

    /// Password-reset requests: per client address, per account from that
    /// address, then per account overall.
    pub async fn password_reset(&self, req: &HttpRequest, email: &str) -> Result<(), ApiError> {
        let ip = self.client_ip(req);
        let account = email_key(email);
        self.check(req, &self.settings.password_reset_ip, &ip).await?;
        self.check(req, &self.settings.password_reset_email, &format!("{account}:{ip}"))
            .await?;
        self.check(req, &self.settings.password_reset_account, &account).await?;
        Ok(())
    }

    /// Password work for an anonymous client (see `account_ip`). Call
    /// before any password is hashed or checked.
    pub async fn account(&self, req: &HttpRequest) -> Result<(), ApiError> {
        self.check(req, &self.settings.account_ip, &self.client_ip(req))
            .await
            .map(drop)
    }

    /// A second-factor code about to be checked: per client address, and
    /// per person when known (a signed-in person enrolling or turning it
    /// off, or the person a challenge belongs to).
    pub async fn mfa(&self, req: &HttpRequest, person: Option<uuid::Uuid>) -> Result<(), ApiError> {
        self.check(req, &self.settings.mfa, &format!("ip:{}", self.client_ip(req)))
            .await?;
        if let Some(person) = person {
            self.check(req, &self.settings.mfa, &format!("user:{person}")).await?;
        }
        Ok(())
    }

    /// Invitations sent by an organization.
    pub async fn invitation(&self, req: &HttpRequest, tenant_id: TenantId) -> Result<(), ApiError> {
        self.check(req, &self.settings.invitation_organization, &tenant_id.to_string())
            .await
            .map(drop)
    }

    /// The address a per-client limit keys on: the peer, or with
    /// `trust_proxy_headers` the right-most `X-Forwarded-For` entry. IPv6
    /// clients are grouped by their /64, which one host usually owns whole.
    pub fn client_ip(&self, req: &HttpRequest) -> String {
        match self.client_addr(req) {
            Some(ip) => ip_key(ip),
            None => "unknown".into(),
        }
    }

    /// The client's address: the right-most `X-Forwarded-For` entry behind
    /// the trusted proxy, else the TCP peer (also what the audit log keeps).
    pub fn client_addr(&self, req: &HttpRequest) -> Option<IpAddr> {
        let forwarded = if self.settings.trust_proxy_headers {
            req.headers()
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .last()
                .and_then(|v| v.trim().parse::<IpAddr>().ok())
        } else {
            None
        };
        forwarded.or_else(|| req.peer_addr().map(|a| a.ip()))
    }
}

/// Records the decision for the response headers; 429 when refused.
fn record(req: &HttpRequest, policy: &Policy, decision: Decision) -> Result<Decision, ApiError> {
    {
        let mut extensions = req.extensions_mut();
        if let Some(applied) = extensions.get_mut::<Applied>() {
            applied.0.push((policy.clone(), decision));
        } else {
            extensions.insert(Applied(vec![(policy.clone(), decision)]));
        }
    }
    if decision.allowed {
        Ok(decision)
    } else {
        tracing::info!(policy = %policy.name, "rate limited");
        metrics::counter!("clearview_rate_limit_refusals_total", "policy" => policy.name.clone()).increment(1);
        Err(ApiError::too_many_requests(ceil_seconds(decision.retry_after).max(1)))
    }
}

fn ip_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// Emails never appear in keys or logs: the SHA-256 of the trimmed,
/// lower-cased address (first 128 bits, hex).
pub fn email_key(email: &str) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    digest[..16].iter().fold(String::with_capacity(32), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Adds `RateLimit-Policy` and `RateLimit` to responses of requests that
/// were checked against a policy.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let applied = response.request().extensions().get::<Applied>().cloned();
    if let Some(Applied(checks)) = applied {
        let policies: Vec<String> = checks
            .iter()
            .map(|(p, _)| format!("\"{}\";q={};w={}", p.name, p.limit, ceil_seconds(p.period)))
            .collect();
        let states: Vec<String> = checks
            .iter()
            .map(|(p, d)| format!("\"{}\";r={};t={}", p.name, d.remaining, ceil_seconds(d.reset_after)))
            .collect();
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&policies.join(", ")) {
            headers.insert(RATELIMIT_POLICY, value);
        }
        if let Ok(value) = HeaderValue::from_str(&states.join(", ")) {
            headers.insert(RATELIMIT, value);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn limits(trust: bool) -> Limits {
        struct Never;
        #[async_trait::async_trait]
        impl RateLimiter for Never {
            async fn check(
                &self,
                _: &str,
                _: &Policy,
            ) -> Result<Decision, clearview_kernel::rate_limit::RateLimitError> {
                Err("unused".to_owned().into())
            }
        }
        let settings = RateLimitSettings {
            trust_proxy_headers: trust,
            ..RateLimitSettings::default()
        };
        Limits::new(Arc::new(Never), settings)
    }

    #[test]
    fn the_client_is_the_peer_unless_proxy_headers_are_trusted() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.9:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "1.2.3.4, 203.0.113.7"))
            .to_http_request();
        assert_eq!(limits(false).client_ip(&req), "10.0.0.9");
        // The right-most entry is the one the trusted proxy appended; the
        // left ones are whatever the client claimed.
        assert_eq!(limits(true).client_ip(&req), "203.0.113.7");
        let garbage = TestRequest::default()
            .peer_addr("10.0.0.9:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "not-an-ip"))
            .to_http_request();
        assert_eq!(limits(true).client_ip(&garbage), "10.0.0.9");
    }

    #[test]
    fn ipv6_clients_are_grouped_by_their_64_and_mapped_v4_is_v4() {
        assert_eq!(ip_key("2001:db8:1:2:aaaa::1".parse().unwrap()), "2001:db8:1:2::/64");
        assert_eq!(ip_key("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1");
    }

    #[test]
    fn email_keys_ignore_case_and_spaces_and_hide_the_address() {
        let key = email_key(" Ada@Example.TEST ");
        assert_eq!(key, email_key("ada@example.test"));
        assert_eq!(key.len(), 32);
        assert!(!key.contains("ada"));
    }
}
