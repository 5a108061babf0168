//! GDPR: a person's export of everything stored about them, their erasure,
//! and an admin's deletion of the whole organization. See
//! `docs/adr/0011-audit-log-and-gdpr.md`.

use crate::audit::{AuditEntry, AuditLog, AuditRecord, RequestOrigin, actions};
use crate::ports::{AccountRepository, SessionDenylist, deny_sessions};
use chrono::{DateTime, Utc};
use clearview_kernel::records::RecordError;
use clearview_kernel::{RepoError, Role, SessionId, TenantContext, TenantId, UserId};
use std::sync::Arc;
use uuid::Uuid;

/// The identity itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityData {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub created_at: DateTime<Utc>,
}

/// One of the person's memberships, in any organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipData {
    pub organization_id: TenantId,
    pub organization_name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// One of the person's sessions (never token material).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionData {
    pub organization_id: TenantId,
    pub id: SessionId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A record the person owns in the current organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedRecord {
    /// `contact`, `company`, `deal` or `activity`.
    pub kind: &'static str,
    pub id: Uuid,
    /// Name, title or subject.
    pub label: String,
    pub created_at: DateTime<Utc>,
}

/// Everything stored about the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalData {
    pub identity: IdentityData,
    pub memberships: Vec<MembershipData>,
    pub sessions: Vec<SessionData>,
    pub owned_records: Vec<OwnedRecord>,
    /// Their entries as actor in the current organization, oldest first.
    pub audit_entries: Vec<AuditRecord>,
    /// The same for every other organization they belong to.
    pub other_organizations: Vec<OrganizationData>,
}

/// What a person owns and did in one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationData {
    pub organization_id: TenantId,
    pub owned_records: Vec<OwnedRecord>,
    pub audit_entries: Vec<AuditRecord>,
}

/// Storage of the GDPR use cases.
#[cfg_attr(test, mockall::automock)]
#[async_trait::async_trait]
pub trait PrivacyRepository: Send + Sync {
    /// Everything stored about `ctx.user_id`: identity, memberships and
    /// sessions everywhere; owned records and audit entries of `ctx.tenant_id`
    /// and, apart, of each other organization they belong to.
    async fn personal_data(&self, ctx: &TenantContext) -> Result<PersonalData, RepoError>;

    /// Erases the identity of `ctx.user_id` in one transaction: records
    /// `user.erased` in each organization, erases their name from the audit
    /// trail, deletes memberships (sessions cascade) and the identity.
    /// `Conflict` when they are the last admin of an organization that has
    /// other members (nothing changes). Returns the sessions that were live.
    async fn erase_identity(&self, ctx: &TenantContext, origin: &RequestOrigin) -> Result<Vec<SessionId>, RepoError>;

    /// Deletes every row of the caller's organization. Returns the sessions
    /// that were live in it.
    async fn delete_organization(&self, ctx: &TenantContext) -> Result<Vec<SessionId>, RepoError>;
}

#[derive(Clone)]
pub struct PrivacyService {
    store: Arc<dyn PrivacyRepository>,
    accounts: Arc<dyn AccountRepository>,
    audit: Arc<dyn AuditLog>,
    denylist: Option<Arc<dyn SessionDenylist>>,
}

impl PrivacyService {
    pub fn new(
        store: Arc<dyn PrivacyRepository>,
        accounts: Arc<dyn AccountRepository>,
        audit: Arc<dyn AuditLog>,
        denylist: Option<Arc<dyn SessionDenylist>>,
    ) -> Self {
        Self {
            store,
            accounts,
            audit,
            denylist,
        }
    }

    /// Everything stored about the caller. The export itself is recorded.
    pub async fn export(&self, ctx: &TenantContext, origin: &RequestOrigin) -> Result<PersonalData, RecordError> {
        let entry = AuditEntry::new(actions::USER_EXPORTED, origin).target("user", ctx.user_id.as_uuid());
        self.audit.record(ctx.tenant_id, Some(ctx.user_id), &entry).await?;
        Ok(self.store.personal_data(ctx).await?)
    }

    /// Erases the caller (GDPR art. 17). Their sessions die at once.
    pub async fn erase(&self, ctx: &TenantContext, origin: &RequestOrigin) -> Result<(), RecordError> {
        // The store names which rule refused (last admin, or only member).
        let sessions = self.store.erase_identity(ctx, origin).await?;
        deny_sessions(self.denylist.as_ref(), &sessions).await;
        Ok(())
    }

    /// Deletes the caller's organization and everything in it. Admins only;
    /// `confirm` must repeat the organization's name exactly.
    pub async fn delete_organization(
        &self,
        ctx: &TenantContext,
        id: TenantId,
        confirm: &str,
        origin: &RequestOrigin,
    ) -> Result<(), RecordError> {
        if id != ctx.tenant_id {
            return Err(RecordError::NotFound);
        }
        if ctx.role != Role::Admin {
            return Err(RecordError::Forbidden("only admins delete the organization"));
        }
        let organization = self.accounts.organization(ctx).await?;
        if organization.name != confirm {
            return Err(RecordError::Contradicts {
                field: "confirm",
                why: "must repeat the organization's name exactly",
            });
        }
        // Recorded first, so a deletion that fails half-way is on record;
        // a completed one takes the trail with it.
        let entry = AuditEntry::new(actions::ORGANIZATION_DELETED, origin).target("organization", id.as_uuid());
        self.audit.record(ctx.tenant_id, Some(ctx.user_id), &entry).await?;
        let sessions = self.store.delete_organization(ctx).await?;
        deny_sessions(self.denylist.as_ref(), &sessions).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::MockAuditLog;
    use crate::model::{Organization, RepVisibility};
    use crate::ports::{MockAccountRepository, MockSessionDenylist};
    use mockall::predicate::eq;

    fn ctx(role: Role) -> TenantContext {
        TenantContext::new(TenantId::generate(), UserId::generate(), role)
    }

    fn accounts_with_name(name: &'static str) -> MockAccountRepository {
        let mut accounts = MockAccountRepository::new();
        accounts.expect_organization().returning(move |ctx| {
            Ok(Organization {
                id: ctx.tenant_id,
                name: name.into(),
                rep_visibility: RepVisibility::All,
                default_currency: "USD".into(),
                mfa_required: crate::mfa::MfaPolicy::Off,
            })
        });
        accounts
    }

    fn service(
        store: MockPrivacyRepository,
        accounts: MockAccountRepository,
        audit: MockAuditLog,
        denylist: Option<MockSessionDenylist>,
    ) -> PrivacyService {
        PrivacyService::new(
            Arc::new(store),
            Arc::new(accounts),
            Arc::new(audit),
            denylist.map(|d| Arc::new(d) as Arc<dyn SessionDenylist>),
        )
    }

    #[tokio::test]
    async fn deleting_another_organization_is_not_found_and_non_admins_are_forbidden() {
        let svc = service(
            MockPrivacyRepository::new(),
            MockAccountRepository::new(),
            MockAuditLog::new(),
            None,
        );
        let admin = ctx(Role::Admin);
        let err = svc
            .delete_organization(&admin, TenantId::generate(), "Acme", &RequestOrigin::default())
            .await
            .unwrap_err();
        assert!(matches!(err, RecordError::NotFound));
        for role in [Role::Manager, Role::Rep, Role::Viewer] {
            let ctx = ctx(role);
            let err = svc
                .delete_organization(&ctx, ctx.tenant_id, "Acme", &RequestOrigin::default())
                .await
                .unwrap_err();
            assert!(matches!(err, RecordError::Forbidden(_)), "{role}");
        }
    }

    #[tokio::test]
    async fn a_wrong_confirmation_names_confirm_and_deletes_nothing() {
        let svc = service(
            MockPrivacyRepository::new(),
            accounts_with_name("Acme"),
            MockAuditLog::new(),
            None,
        );
        let admin = ctx(Role::Admin);
        let err = svc
            .delete_organization(&admin, admin.tenant_id, "acme", &RequestOrigin::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, RecordError::Contradicts { field: "confirm", .. }),
            "expected 409 naming confirm"
        );
    }

    #[tokio::test]
    async fn deleting_the_organization_denies_its_live_sessions() {
        let session = SessionId::generate();
        let mut store = MockPrivacyRepository::new();
        store
            .expect_delete_organization()
            .times(1)
            .returning(move |_| Ok(vec![session]));
        let mut audit = MockAuditLog::new();
        audit
            .expect_record()
            .withf(|_, _, e| e.action == actions::ORGANIZATION_DELETED)
            .times(1)
            .returning(|_, _, _| Ok(()));
        let mut denylist = MockSessionDenylist::new();
        denylist.expect_deny().with(eq(session)).times(1).returning(|_| Ok(()));
        let svc = service(store, accounts_with_name("Acme"), audit, Some(denylist));
        let admin = ctx(Role::Admin);
        svc.delete_organization(&admin, admin.tenant_id, "Acme", &RequestOrigin::default())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn the_last_admin_conflict_becomes_a_409_and_denies_nothing() {
        let mut store = MockPrivacyRepository::new();
        store
            .expect_erase_identity()
            .returning(|_, _| Err(RepoError::Conflict("last admin")));
        let svc = service(
            store,
            MockAccountRepository::new(),
            MockAuditLog::new(),
            Some(MockSessionDenylist::new()),
        );
        let err = svc
            .erase(&ctx(Role::Admin), &RequestOrigin::default())
            .await
            .unwrap_err();
        assert!(matches!(err, RecordError::Conflict(_)));
    }
}
