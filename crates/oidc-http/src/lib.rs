//! The OpenID Connect adapter (ADR 0037): `IdentityProvider` over the
//! `openidconnect` crate. Every request to a provider — discovery, JWKS,
//! the token endpoint — goes through our reqwest client behind the same
//! SSRF guard as webhooks (an admin types the issuer URL): resolved once,
//! connected to that address, no redirects, https only unless allowed.
//!
//! Discovery (with its JWKS) is cached per issuer for ten minutes; an ID
//! token whose signature does not verify with the cached keys is checked
//! once more against freshly read keys, so a provider's key rotation is
//! honoured at once.

use async_trait::async_trait;
use clearview_tenancy::sso::{IdentityProvider, ProviderClaims, ProviderConfig, ProviderError};
use clearview_webhooks_http::Guard;
use openidconnect::AsyncHttpClient;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long discovery and keys are trusted before being read again.
const CACHE_FOR: Duration = Duration::from_secs(600);
/// Most issuers whose discovery is kept at once.
const CACHE_MAX: usize = 256;
/// One request to the provider may take this long.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest answer read from a provider.
const MAX_ANSWER: usize = 1024 * 1024;

type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpFailure(String);

pub struct OidcHttp {
    http: Guarded,
    cache: Mutex<HashMap<String, (Instant, CoreProviderMetadata)>>,
}

fn failed(what: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError(format!("{what}: {e}"))
}

impl OidcHttp {
    pub fn new(guard: Guard) -> Self {
        clearview_webhooks_http::install_tls_provider();
        Self {
            http: Guarded { guard },
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The provider's discovery document and keys, cached unless `fresh`.
    async fn metadata(&self, issuer: &str, fresh: bool) -> Result<CoreProviderMetadata, ProviderError> {
        if !fresh
            && let Some((at, cached)) = self.cache.lock().expect("cache lock").get(issuer)
            && at.elapsed() < CACHE_FOR
        {
            return Ok(cached.clone());
        }
        let metadata = self.fetch(issuer).await?;
        let mut cache = self.cache.lock().expect("cache lock");
        // Bounded: expired entries go, and past the cap everything does
        // (issuers are few; a full cache means someone is cycling them).
        cache.retain(|_, (at, _)| at.elapsed() < CACHE_FOR);
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(issuer.to_owned(), (Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    /// Reads the discovery document and keys.
    async fn fetch(&self, issuer: &str) -> Result<CoreProviderMetadata, ProviderError> {
        let url = IssuerUrl::new(issuer.to_owned()).map_err(|e| failed("the issuer is no URL", e))?;
        CoreProviderMetadata::discover_async(url, &self.http)
            .await
            .map_err(|e| failed("discovery failed", error_chain(&e)))
    }

    async fn client(&self, config: &ProviderConfig, redirect_uri: &str, fresh: bool) -> Result<Client, ProviderError> {
        let metadata = self.metadata(&config.issuer, fresh).await?;
        let redirect = RedirectUrl::new(redirect_uri.to_owned()).map_err(|e| failed("bad redirect URI", e))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(config.client_id.clone()),
            Some(ClientSecret::new(config.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }
}

/// The HTTP client `openidconnect` calls: each request through the guard.
struct Guarded {
    guard: Guard,
}

impl<'c> AsyncHttpClient<'c> for Guarded {
    type Error = HttpFailure;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<Vec<u8>>, HttpFailure>> + Send + 'c>>;

    fn call(&'c self, request: http::Request<Vec<u8>>) -> Self::Future {
        Box::pin(send(self.guard.clone(), request))
    }
}

/// One request: resolved and checked once, sent to that address, no
/// redirects, the answer read up to a limit.
async fn send(guard: Guard, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpFailure> {
    let target = guard.resolve(&request.uri().to_string()).await.map_err(HttpFailure)?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .resolve(&target.host, target.address)
        .build()
        .map_err(|e| HttpFailure(e.to_string()))?;
    let (parts, body) = request.into_parts();
    let mut response = client
        .request(parts.method, target.url)
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| HttpFailure(format!("could not reach the provider: {e}")))?;
    let mut answer = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| HttpFailure(e.to_string()))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ANSWER {
            return Err(HttpFailure("the provider's answer is too large".into()));
        }
    }
    answer.body(body).map_err(|e| HttpFailure(e.to_string()))
}

/// An error and its causes on one line (the provider's own words).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[async_trait]
impl IdentityProvider for OidcHttp {
    async fn discover(&self, issuer: &str) -> Result<(), ProviderError> {
        // Checked, not cached: a save that fails must leave nothing behind.
        self.fetch(issuer).await.map(drop)
    }

    async fn authorization_url(
        &self,
        config: &ProviderConfig,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
    ) -> Result<(String, String), ProviderError> {
        let client = self.client(config, redirect_uri, false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (state, nonce) = (state.to_owned(), nonce.to_owned());
        let (url, _, _) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok((url.to_string(), verifier.secret().clone()))
    }

    async fn redeem(
        &self,
        config: &ProviderConfig,
        redirect_uri: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<ProviderClaims, ProviderError> {
        let client = self.client(config, redirect_uri, false).await?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| failed("the provider has no token endpoint", e))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| failed("the token endpoint refused the code", error_chain(&e)))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| ProviderError("the provider sent no ID token".into()))?;
        let nonce = Nonce::new(nonce.to_owned());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            // Perhaps signed with a key published since: read the keys again.
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                let fresh = self.client(config, redirect_uri, true).await?;
                id_token
                    .claims(&fresh.id_token_verifier(), &nonce)
                    .map_err(|e| failed("the ID token is not valid", e))?
                    .clone()
            }
            Err(e) => return Err(failed("the ID token is not valid", e)),
        };
        Ok(ProviderClaims {
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_owned()),
            email_verified: claims.email_verified(),
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned()),
        })
    }
}
