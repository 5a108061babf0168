//! Single sign-on with OpenID Connect (issue 11, ADR 0037): an
//! organization names its identity provider, and its people sign in there
//! (authorization code flow with PKCE, `state` and `nonce`) instead of with
//! a Clearview password. The session afterwards is the usual cookie session.
//!
//! The provider is a port ([`IdentityProvider`]): discovery, the
//! authorization URL, redeeming the code and validating the ID token live
//! in an adapter. The rules live here: a pending sign-in is single-use and
//! bound to the browser that started it; a person is recognised only by an
//! address the provider says it verified; a newcomer joins only when the
//! organization lets them (allowed domains, a default role).

mod model;
mod service;

pub use model::{NewPendingSignIn, PendingSignIn, ProviderClaims, ProviderConfig, SsoInput, SsoSettings};
pub use service::{
    IdentityProvider, PENDING_MINUTES, ProviderError, SsoError, SsoMember, SsoRepository, SsoService, SsoStart,
};
