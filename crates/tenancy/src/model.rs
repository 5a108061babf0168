//! Tenancy values, parsed once.

use clearview_kernel::{EmailAddress, Role, SessionId, TenantId, UserId, ValidationErrors, required_text};
use std::fmt;
use std::str::FromStr;

/// Whether reps see every record of their organization or only their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepVisibility {
    All,
    Own,
}

impl RepVisibility {
    pub const fn as_str(self) -> &'static str {
        match self {
            RepVisibility::All => "all",
            RepVisibility::Own => "own",
        }
    }
}

impl FromStr for RepVisibility {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(RepVisibility::All),
            "own" => Ok(RepVisibility::Own),
            _ => Err("must be `all` or `own`".into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationName(String);

impl OrganizationName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        required_text(raw, 200).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        required_text(raw, 200).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed: 10 to 128 characters, any Unicode. (bcrypt reads
/// only 72 bytes; the hasher adapter digests a longer input first, so
/// nothing is ever silently truncated.)
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.chars().count() < Self::MIN_CHARS {
            return Err(format!("must be at least {} characters", Self::MIN_CHARS));
        }
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A sign-up: a new organization with its first admin.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub organization_name: OrganizationName,
    pub name: PersonName,
    pub email: EmailAddress,
    pub password: Password,
}

impl NewRegistration {
    pub fn parse(organization_name: &str, name: &str, email: &str, password: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let organization_name = errors.check("organization_name", OrganizationName::parse(organization_name));
        let name = errors.check("name", PersonName::parse(name));
        let email = errors.check("email", EmailAddress::parse(email));
        let password = errors.check("password", Password::parse(password));
        match (organization_name, name, email, password) {
            (Some(organization_name), Some(name), Some(email), Some(password)) => Ok(Self {
                organization_name,
                name,
                email,
                password,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: TenantId,
    pub name: String,
    pub rep_visibility: RepVisibility,
    pub default_currency: String,
    pub mfa_required: crate::mfa::MfaPolicy,
}

/// Validated changes to an organization's name and settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationChanges {
    pub name: Option<OrganizationName>,
    pub rep_visibility: Option<RepVisibility>,
    pub default_currency: Option<clearview_kernel::Currency>,
    pub mfa_required: Option<crate::mfa::MfaPolicy>,
}

impl OrganizationChanges {
    /// The names of the settings this change sets, comma-separated (what
    /// the audit entry records: never the values an admin typed).
    pub fn field_names(&self) -> String {
        [
            ("name", self.name.is_some()),
            ("rep_visibility", self.rep_visibility.is_some()),
            ("default_currency", self.default_currency.is_some()),
            ("mfa_required", self.mfa_required.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, changed)| changed.then_some(field))
        .collect::<Vec<_>>()
        .join(",")
    }
}

/// One of a person's memberships, as the login look-up returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginCandidate {
    pub user_id: UserId,
    pub password_hash: String,
    pub membership: Option<(TenantId, String, Role)>,
}

/// Who a live session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionIdentity {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub role: Role,
    pub session_id: SessionId,
    /// The organization requires a second factor of this member and they
    /// have none: the session may only enroll one (ADR 0027).
    pub mfa_enrollment_pending: bool,
}

/// What a successful login or refresh hands to the transport: the identity
/// to put in an access token and the refresh secret to put in a cookie.
#[derive(Debug, Clone)]
pub struct SessionGrant {
    pub identity: SessionIdentity,
    pub refresh_token: String,
}

/// The caller as `GET /api/auth/me` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub organization: Organization,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_bounds_are_characters() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("exactly10!").is_ok());
        assert!(Password::parse(&"a".repeat(128)).is_ok());
        assert!(Password::parse(&"a".repeat(129)).is_err());
        // 128 four-byte characters: 512 bytes, still one password.
        assert!(Password::parse(&"🔑".repeat(128)).is_ok());
        assert!(Password::parse(&"€".repeat(9)).is_err());
    }

    #[test]
    fn password_debug_is_redacted() {
        let password = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }

    #[test]
    fn registration_reports_every_bad_field() {
        let errors = NewRegistration::parse("", "Ada", "not-an-email", "short").unwrap_err();
        let fields: Vec<_> = errors.fields().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["organization_name", "email", "password"]);
    }
}
