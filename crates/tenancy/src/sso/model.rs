//! What an organization's single sign-on holds, and what a provider says.

use chrono::{DateTime, Utc};
use clearview_kernel::Role;

/// An organization's identity provider, as admins see it (never the
/// client secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSettings {
    /// The provider's issuer URL (discovery is `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    pub client_id: String,
    /// Address domains whose people may join by signing in; empty: any.
    pub allowed_domains: Vec<String>,
    /// The role of a person who signs in without being a member; `None`:
    /// invitation only (only members sign in).
    pub default_role: Option<Role>,
    pub updated_at: DateTime<Utc>,
}

/// What an admin sends to set single sign-on up or change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoInput {
    pub issuer: String,
    pub client_id: String,
    /// Required the first time; `None` keeps the stored one.
    pub client_secret: Option<String>,
    pub allowed_domains: Vec<String>,
    pub default_role: Option<String>,
}

/// What the adapter needs to talk to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

/// The claims of a validated ID token that Clearview uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderClaims {
    pub subject: String,
    pub email: Option<String>,
    /// Only `Some(true)` lets the address identify a person.
    pub email_verified: Option<bool>,
    pub name: Option<String>,
}

/// A sign-in started and not finished yet (stored by the digest of its
/// `state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPendingSignIn {
    pub state_digest: Vec<u8>,
    /// Digest of the browser cookie set when it started.
    pub browser_digest: Vec<u8>,
    pub nonce: String,
    pub pkce_verifier: String,
    pub expires_at: DateTime<Utc>,
}

/// A pending sign-in taken back (once) by its `state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    pub browser_digest: Vec<u8>,
    pub nonce: String,
    pub pkce_verifier: String,
}
