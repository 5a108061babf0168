//! The cryptography of sessions: password hashing, refresh secrets and
//! access tokens, plus the extractor that turns a cookie into a
//! `TenantContext` and the `Origin` check against cross-site writes.

pub mod api_key_secrets;
pub mod cookies;
pub mod mfa_secrets;
pub mod origin;
pub mod password;
pub mod rate_limit;
pub mod secrets;
pub mod session;
pub mod tokens;
pub mod transfers;
