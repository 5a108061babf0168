//! What an audit entry says: the action names, where a request came from,
//! and one entry to append. The trail itself (storage, reading, the hash
//! chain) belongs to `clearview_tenancy::audit`; the vocabulary lives here
//! so that every domain crate's write ports can take the entry that their
//! adapter appends in the same transaction as the change (ADR 0035).

use std::net::IpAddr;
use uuid::Uuid;

/// Every action name recorded. Names are `area.verb`, lower case.
pub mod actions {
    /// A new organization was registered with its first admin.
    pub const ORGANIZATION_CREATED: &str = "organization.created";
    /// Name or settings of the organization changed (`details.fields`).
    pub const ORGANIZATION_UPDATED: &str = "organization.updated";
    /// The organization was deleted (its trail goes with it).
    pub const ORGANIZATION_DELETED: &str = "organization.deleted";
    pub const SIGN_IN: &str = "auth.sign_in";
    /// A wrong password for an identity that is a member here.
    pub const SIGN_IN_FAILED: &str = "auth.sign_in_failed";
    pub const SIGN_OUT: &str = "auth.sign_out";
    /// Two-step sign-in was turned on (a confirmed authenticator).
    pub const MFA_ENABLED: &str = "auth.mfa_enabled";
    /// Two-step sign-in was turned off.
    pub const MFA_DISABLED: &str = "auth.mfa_disabled";
    /// A wrong or replayed second-factor code at sign-in (`details.second_factor`
    /// names `code` or `recovery_code`).
    pub const MFA_FAILED: &str = "auth.mfa_failed";
    /// The caller downloaded everything stored about them.
    pub const USER_EXPORTED: &str = "user.exported";
    /// A member erased themselves (recorded in each of their organizations).
    pub const USER_ERASED: &str = "user.erased";
    // Reserved for the member, invitation, import/export and job routes.
    pub const MEMBER_ROLE_CHANGED: &str = "member.role_changed";
    pub const MEMBER_REMOVED: &str = "member.removed";
    pub const INVITATION_CREATED: &str = "invitation.created";
    pub const INVITATION_REVOKED: &str = "invitation.revoked";
    pub const INVITATION_ACCEPTED: &str = "invitation.accepted";
    /// A CSV export; `details` name the filters used (ids, `status`, and
    /// `search: true` — never the search text).
    pub const CONTACTS_EXPORTED: &str = "contacts.exported";
    pub const COMPANIES_EXPORTED: &str = "companies.exported";
    pub const DEALS_EXPORTED: &str = "deals.exported";
    pub const CONTACTS_IMPORTED: &str = "contacts.imported";
    pub const JOB_RETRIED: &str = "job.retried";
    /// An admin created an API key (`details.role`, `details.scope`).
    pub const API_KEY_CREATED: &str = "api_key.created";
    pub const API_KEY_REVOKED: &str = "api_key.revoked";
    pub const WEBHOOK_CREATED: &str = "webhook.created";
    pub const WEBHOOK_DELETED: &str = "webhook.deleted";
    pub const WEBHOOK_SECRET_ROTATED: &str = "webhook.secret_rotated";
    /// A record came back from the trash (`target_type` is its kind).
    pub const RECORD_RESTORED: &str = "record.restored";
    /// An admin deleted a trashed record for good before its 30 days.
    pub const RECORD_PURGED: &str = "record.purged";
    /// A contact or company was merged into another (target: the winner;
    /// `details.loser_id`: the one sent to the trash).
    pub const CONTACTS_MERGED: &str = "contacts.merged";
    /// An admin defined, changed or deleted a custom field (ADR 0034).
    pub const CUSTOM_FIELD_CREATED: &str = "custom_field.created";
    pub const CUSTOM_FIELD_UPDATED: &str = "custom_field.updated";
    pub const CUSTOM_FIELD_DELETED: &str = "custom_field.deleted";
    pub const COMPANIES_MERGED: &str = "companies.merged";
    /// An admin issued (or replaced) or revoked the SCIM token (ADR 0036).
    pub const SCIM_TOKEN_CREATED: &str = "scim_token.created";
    pub const SCIM_TOKEN_REVOKED: &str = "scim_token.revoked";
    /// The identity provider changed its directory (no actor: the token).
    /// A user update's `details.active` says when it (de)activated them.
    pub const SCIM_USER_CREATED: &str = "scim_user.created";
    pub const SCIM_USER_UPDATED: &str = "scim_user.updated";
    pub const SCIM_USER_DELETED: &str = "scim_user.deleted";
    pub const SCIM_GROUP_CREATED: &str = "scim_group.created";
    pub const SCIM_GROUP_UPDATED: &str = "scim_group.updated";
    pub const SCIM_GROUP_DELETED: &str = "scim_group.deleted";
    /// An admin set up or changed (`details.issuer`) or removed single
    /// sign-on (ADR 0037).
    pub const SSO_UPDATED: &str = "sso.updated";
    pub const SSO_DELETED: &str = "sso.deleted";
    /// A person joined by signing in with the organization's provider.
    pub const MEMBER_JOINED_BY_SSO: &str = "member.joined_by_sso";
}

/// Where a request came from: the peer address, the request id, and the
/// API key that authenticated it, if one did (stored in the entry's
/// details as `api_key_id`, so the trail shows the key beside its creator).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOrigin {
    pub ip: Option<IpAddr>,
    pub request_id: Option<String>,
    pub api_key_id: Option<Uuid>,
}

/// One entry to record. Never put a password, token or free text typed by
/// a user in `details`: ids, field names and enum values only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub action: &'static str,
    pub target_type: Option<&'static str>,
    pub target_id: Option<Uuid>,
    pub details: Vec<(&'static str, String)>,
    pub origin: RequestOrigin,
}

impl AuditEntry {
    pub fn new(action: &'static str, origin: &RequestOrigin) -> Self {
        Self {
            action,
            target_type: None,
            target_id: None,
            details: Vec::new(),
            origin: origin.clone(),
        }
    }

    pub fn target(mut self, kind: &'static str, id: Uuid) -> Self {
        self.target_type = Some(kind);
        self.target_id = Some(id);
        self
    }

    pub fn detail(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.details.push((key, value.into()));
        self
    }
}
