//! Session cookies: `HttpOnly; Secure; SameSite=Lax`, never readable by
//! scripts. The refresh cookie is sent only to the auth routes.

use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};
use clearview_tenancy::SESSION_LIFETIME_DAYS;

pub const ACCESS: &str = "cv_access";
pub const REFRESH: &str = "cv_refresh";
const REFRESH_PATH: &str = "/api/auth";

fn base(name: &'static str, value: String, path: &'static str, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish()
}

pub fn access(token: String, ttl_seconds: i64, secure: bool) -> Cookie<'static> {
    let mut cookie = base(ACCESS, token, "/", secure);
    cookie.set_max_age(Duration::seconds(ttl_seconds));
    cookie
}

pub fn refresh(token: String, secure: bool) -> Cookie<'static> {
    let mut cookie = base(REFRESH, token, REFRESH_PATH, secure);
    cookie.set_max_age(Duration::days(SESSION_LIFETIME_DAYS));
    cookie
}

/// Cookies that make the browser forget both.
pub fn cleared(secure: bool) -> [Cookie<'static>; 2] {
    let mut access = base(ACCESS, String::new(), "/", secure);
    access.make_removal();
    let mut refresh = base(REFRESH, String::new(), REFRESH_PATH, secure);
    refresh.make_removal();
    [access, refresh]
}
