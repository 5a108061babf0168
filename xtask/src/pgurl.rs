//! Just enough PostgreSQL URL handling to swap the user or the database of a
//! `postgres://user:password@host:port/database?options` URL. Everything we do
//! not touch (host, port, options such as `?host=/socket/dir`) is kept as is.

use anyhow::{Context, bail};

/// A PostgreSQL URL split into the parts xtask rewrites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgUrl {
    scheme: String,
    /// `user` or `user:password`, still percent-encoded; `None` if absent.
    userinfo: Option<String>,
    /// `host`, `host:port`, or empty when only `?host=` names a socket.
    hostport: String,
    /// The database name, possibly empty (PostgreSQL then uses the user name).
    pub database: String,
    /// Everything after `?`, without the `?`.
    query: Option<String>,
}

impl PgUrl {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let (scheme, rest) = url
            .split_once("://")
            .context("database URL has no scheme (expected postgres://…)")?;
        if scheme != "postgres" && scheme != "postgresql" {
            bail!("database URL scheme must be postgres:// or postgresql://, got {scheme}://");
        }
        let (rest, query) = match rest.split_once('?') {
            Some((before, after)) => (before, Some(after.to_string())),
            None => (rest, None),
        };
        let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
        // The last `@` ends the user info, so an unencoded `@` in a password
        // still parses the way libpq would.
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((user, host)) => (Some(user.to_string()), host),
            None => (None, authority),
        };
        Ok(Self {
            scheme: scheme.to_string(),
            userinfo,
            hostport: hostport.to_string(),
            database: database.to_string(),
            query,
        })
    }

    /// The same server and options, logged in as `user` with no password.
    pub fn with_user(&self, user: &str) -> Self {
        Self {
            userinfo: Some(user.to_string()),
            ..self.clone()
        }
    }

    /// The same server, user and options, on another database.
    pub fn with_database(&self, database: &str) -> Self {
        Self {
            database: database.to_string(),
            ..self.clone()
        }
    }
}

impl std::fmt::Display for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://", self.scheme)?;
        if let Some(userinfo) = &self.userinfo {
            write!(f, "{userinfo}@")?;
        }
        write!(f, "{}/{}", self.hostport, self.database)?;
        if let Some(query) = &self.query {
            write!(f, "?{query}")?;
        }
        Ok(())
    }
}

/// The URL the server itself connects with: the owner's server and database,
/// but as `clearview_app`, the role the migrations create without superuser
/// or BYPASSRLS so row-level security applies. No password: local development
/// clusters use trust authentication.
pub fn app_url(owner_url: &str) -> anyhow::Result<String> {
    Ok(PgUrl::parse(owner_url)?.with_user("clearview_app").to_string())
}

/// Shows a URL without its password, for printing.
pub fn redacted(url: &str) -> String {
    match PgUrl::parse(url) {
        Ok(mut parsed) => {
            if let Some(userinfo) = &parsed.userinfo
                && let Some((user, _password)) = userinfo.split_once(':')
            {
                parsed.userinfo = Some(format!("{user}:***"));
            }
            parsed.to_string()
        }
        Err(_) => "<unparsable database URL>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_url_replaces_user_and_password() {
        let url = app_url("postgres://owner:s3cret@db.internal:5433/clearview").unwrap();
        assert_eq!(url, "postgres://clearview_app@db.internal:5433/clearview");
    }

    #[test]
    fn app_url_without_password_or_port() {
        let url = app_url("postgres://postgres@127.0.0.1/clearview").unwrap();
        assert_eq!(url, "postgres://clearview_app@127.0.0.1/clearview");
    }

    #[test]
    fn app_url_without_user_keeps_options() {
        let url = app_url("postgresql://localhost:54329/crm?sslmode=disable").unwrap();
        assert_eq!(url, "postgresql://clearview_app@localhost:54329/crm?sslmode=disable");
    }

    #[test]
    fn app_url_with_at_sign_in_password() {
        let url = app_url("postgres://owner:p@ss@host:5432/db").unwrap();
        assert_eq!(url, "postgres://clearview_app@host:5432/db");
    }

    #[test]
    fn with_database_swaps_only_the_database() {
        let url = PgUrl::parse("postgres://postgres:pw@127.0.0.1:5432/clearview?x=1").unwrap();
        assert_eq!(
            url.with_database("postgres").to_string(),
            "postgres://postgres:pw@127.0.0.1:5432/postgres?x=1"
        );
    }

    #[test]
    fn redacted_hides_password() {
        assert_eq!(redacted("postgres://owner:s3cret@h:1/d"), "postgres://owner:***@h:1/d");
        assert_eq!(redacted("postgres://owner@h/d"), "postgres://owner@h/d");
    }

    #[test]
    fn rejects_other_schemes() {
        assert!(PgUrl::parse("mysql://root@localhost/db").is_err());
        assert!(PgUrl::parse("not a url").is_err());
    }
}
