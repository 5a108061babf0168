//! Session cookies: `HttpOnly; Secure; SameSite=Lax`, never readable by
//! scripts. The refresh cookie is sent only to the auth routes.
//!
//! With `Secure` (every deployment but plain-HTTP tests) the access cookie
//! is named with the `__Host-` prefix: browsers then accept it only from
//! this exact origin over HTTPS, with `Path=/` and no `Domain`, so a
//! sibling subdomain or a plain-HTTP network attacker cannot plant one.

use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};
use clearview_tenancy::SESSION_LIFETIME_DAYS;

/// The access cookie's name when `Secure` is off (plain HTTP off localhost).
pub const ACCESS: &str = "cv_access";
/// The access cookie's name in every secure deployment.
pub const HOST_ACCESS: &str = "__Host-cv_access";
pub const REFRESH: &str = "cv_refresh";
const REFRESH_PATH: &str = "/api/auth";
/// The step between password and second factor (ADR 0027): sent only to
/// the route that answers it, and only for its few minutes.
pub const MFA_CHALLENGE: &str = "cv_mfa";
const MFA_CHALLENGE_PATH: &str = "/api/auth/mfa";

/// Binds a single sign-on to the browser that started it (ADR 0037): sent
/// only to the callback, for the ten minutes a sign-in may take.
pub const SSO_BROWSER: &str = "cv_sso";
const SSO_BROWSER_PATH: &str = "/api/auth/oidc";

fn base(name: &'static str, value: String, path: &'static str, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish()
}

/// The access cookie's name for this deployment.
pub fn access_name(secure: bool) -> &'static str {
    if secure { HOST_ACCESS } else { ACCESS }
}

pub fn access(token: String, ttl_seconds: i64, secure: bool) -> Cookie<'static> {
    let mut cookie = base(access_name(secure), token, "/", secure);
    cookie.set_max_age(Duration::seconds(ttl_seconds));
    cookie
}

pub fn refresh(token: String, secure: bool) -> Cookie<'static> {
    let mut cookie = base(REFRESH, token, REFRESH_PATH, secure);
    cookie.set_max_age(Duration::days(SESSION_LIFETIME_DAYS));
    cookie
}

pub fn mfa_challenge(token: String, secure: bool) -> Cookie<'static> {
    let mut cookie = base(MFA_CHALLENGE, token, MFA_CHALLENGE_PATH, secure);
    cookie.set_max_age(Duration::minutes(clearview_tenancy::CHALLENGE_MINUTES));
    cookie
}

pub fn sso_browser(secret: String, secure: bool) -> Cookie<'static> {
    let mut cookie = base(SSO_BROWSER, secret, SSO_BROWSER_PATH, secure);
    cookie.set_max_age(Duration::minutes(clearview_tenancy::sso::PENDING_MINUTES));
    cookie
}

/// A cookie that makes the browser forget a finished sign-on.
pub fn sso_browser_cleared(secure: bool) -> Cookie<'static> {
    let mut cookie = base(SSO_BROWSER, String::new(), SSO_BROWSER_PATH, secure);
    cookie.make_removal();
    cookie
}

/// A cookie that makes the browser forget the challenge.
pub fn mfa_challenge_cleared(secure: bool) -> Cookie<'static> {
    let mut cookie = base(MFA_CHALLENGE, String::new(), MFA_CHALLENGE_PATH, secure);
    cookie.make_removal();
    cookie
}

/// Cookies that make the browser forget both.
pub fn cleared(secure: bool) -> [Cookie<'static>; 2] {
    let mut access = base(access_name(secure), String::new(), "/", secure);
    access.make_removal();
    let mut refresh = base(REFRESH, String::new(), REFRESH_PATH, secure);
    refresh.make_removal();
    [access, refresh]
}
