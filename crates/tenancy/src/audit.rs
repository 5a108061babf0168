//! The audit log: an append-only trail of who did what, when and from
//! where, per organization. Any use case or route records through
//! [`AuditService::record`]; admins and viewers read it. Action names are
//! listed in [`actions`] and in `docs/adr/0011-audit-log-and-gdpr.md`.

use crate::ports::AccountRepository;
use chrono::{DateTime, Utc};
use clearview_kernel::records::RecordError;
use clearview_kernel::{EmailAddress, Page, PageRequest, RepoError, Role, Sort, TenantContext, TenantId, UserId};
use std::sync::Arc;
use uuid::Uuid;

pub use clearview_kernel::audit::{AuditEntry, RequestOrigin, actions};

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: Uuid,
    pub actor_id: Option<UserId>,
    /// The actor's name when they acted; `None` once they were erased.
    pub actor_name: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<Uuid>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The details object as JSON text.
    pub details_json: String,
    pub created_at: DateTime<Utc>,
}

/// Filters and page of `GET /api/audit-log`, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    pub actor_id: Option<UserId>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub page: PageRequest,
}

impl AuditQuery {
    /// The only order: newest first (ties broken on id).
    pub const SORT: Sort = Sort {
        field: "created_at",
        descending: true,
    };
}

/// The outcome of walking one organization's hash chain (ADR 0024).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCheck {
    /// Entries found intact, from the first.
    pub checked: i64,
    /// The first break, if any.
    pub broken: Option<ChainBreak>,
}

/// Where the chain breaks: the entry's place (`seq`, from 1), its id when
/// the entry is still there, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub id: Option<Uuid>,
    pub problem: String,
}

/// Storage of the audit log.
#[cfg_attr(test, mockall::automock)]
#[async_trait::async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends an entry to one organization's trail. The adapter copies the
    /// actor's current name.
    async fn record(&self, tenant_id: TenantId, actor: Option<UserId>, entry: &AuditEntry) -> Result<(), RepoError>;

    /// One page of the caller's organization's trail, newest first.
    async fn list(&self, ctx: &TenantContext, query: &AuditQuery) -> Result<Page<AuditRecord>, RepoError>;

    /// Walks the caller's organization's chain from its first entry.
    async fn verify(&self, ctx: &TenantContext) -> Result<ChainCheck, RepoError>;
}

#[derive(Clone)]
pub struct AuditService {
    log: Arc<dyn AuditLog>,
    accounts: Arc<dyn AccountRepository>,
}

impl AuditService {
    pub fn new(log: Arc<dyn AuditLog>, accounts: Arc<dyn AccountRepository>) -> Self {
        Self { log, accounts }
    }

    /// The hook every use case or route calls: records `entry` as done by
    /// the caller in the caller's organization.
    pub async fn record(&self, ctx: &TenantContext, entry: AuditEntry) -> Result<(), RepoError> {
        self.log.record(ctx.tenant_id, Some(ctx.user_id), &entry).await
    }

    /// Records `entry` for an identity that just signed in (no context exists
    /// yet): `tenant_id` and `actor` come from the verified sign-in.
    pub async fn record_sign_in(&self, tenant_id: TenantId, actor: UserId, entry: AuditEntry) -> Result<(), RepoError> {
        self.log.record(tenant_id, Some(actor), &entry).await
    }

    /// Records a failed sign-in in every organization of the identity with
    /// this email, if there is one. Unknown emails leave no trace.
    pub async fn sign_in_failed(&self, email: &str, origin: &RequestOrigin) -> Result<(), RepoError> {
        let Ok(email) = EmailAddress::parse(email) else {
            return Ok(());
        };
        let candidates = self.accounts.login_candidates(email.as_str()).await?;
        for candidate in &candidates {
            if let Some((tenant_id, _, _)) = &candidate.membership {
                let entry = AuditEntry::new(crate::audit::actions::SIGN_IN_FAILED, origin)
                    .target("user", candidate.user_id.as_uuid());
                self.log.record(*tenant_id, Some(candidate.user_id), &entry).await?;
            }
        }
        Ok(())
    }

    /// Admins and viewers read the trail; managers and reps may not.
    pub async fn list(&self, ctx: &TenantContext, query: &AuditQuery) -> Result<Page<AuditRecord>, RecordError> {
        if !matches!(ctx.role, Role::Admin | Role::Viewer) {
            return Err(RecordError::Forbidden("only admins and viewers read the audit log"));
        }
        Ok(self.log.list(ctx, query).await?)
    }

    /// Admins check that no entry of their organization's trail was edited
    /// or deleted since it was written.
    pub async fn verify(&self, ctx: &TenantContext) -> Result<ChainCheck, RecordError> {
        if ctx.role != Role::Admin {
            return Err(RecordError::Forbidden("only admins verify the audit log"));
        }
        Ok(self.log.verify(ctx).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LoginCandidate;
    use crate::ports::MockAccountRepository;
    use clearview_kernel::Limit;

    fn query() -> AuditQuery {
        AuditQuery {
            actor_id: None,
            action: None,
            since: None,
            page: PageRequest {
                limit: Limit::DEFAULT,
                sort: AuditQuery::SORT,
                after: None,
            },
        }
    }

    #[tokio::test]
    async fn only_admins_and_viewers_read_the_trail() {
        let mut log = MockAuditLog::new();
        log.expect_list().times(2).returning(|_, _| {
            Ok(Page {
                items: vec![],
                next_cursor: None,
            })
        });
        let service = AuditService::new(Arc::new(log), Arc::new(MockAccountRepository::new()));
        for role in Role::ALL {
            let ctx = TenantContext::new(TenantId::generate(), UserId::generate(), role);
            let result = service.list(&ctx, &query()).await;
            match role {
                Role::Admin | Role::Viewer => assert!(result.is_ok()),
                _ => assert!(matches!(result, Err(RecordError::Forbidden(_)))),
            }
        }
    }

    #[tokio::test]
    async fn only_admins_verify_the_chain() {
        let mut log = MockAuditLog::new();
        log.expect_verify().times(1).returning(|_| {
            Ok(ChainCheck {
                checked: 3,
                broken: None,
            })
        });
        let service = AuditService::new(Arc::new(log), Arc::new(MockAccountRepository::new()));
        for role in Role::ALL {
            let ctx = TenantContext::new(TenantId::generate(), UserId::generate(), role);
            let result = service.verify(&ctx).await;
            match role {
                Role::Admin => assert_eq!(result.unwrap().checked, 3),
                _ => assert!(matches!(result, Err(RecordError::Forbidden(_)))),
            }
        }
    }

    #[tokio::test]
    async fn a_failed_sign_in_is_recorded_in_every_organization_of_the_identity() {
        let user = UserId::generate();
        let (a, b) = (TenantId::generate(), TenantId::generate());
        let mut accounts = MockAccountRepository::new();
        accounts.expect_login_candidates().returning(move |_| {
            Ok(vec![
                LoginCandidate {
                    user_id: user,
                    password_hash: "hash".into(),
                    membership: Some((a, "A".into(), Role::Admin)),
                },
                LoginCandidate {
                    user_id: user,
                    password_hash: "hash".into(),
                    membership: Some((b, "B".into(), Role::Rep)),
                },
            ])
        });
        let mut log = MockAuditLog::new();
        log.expect_record()
            .withf(move |tenant, actor, entry| {
                (*tenant == a || *tenant == b)
                    && *actor == Some(user)
                    && entry.action == actions::SIGN_IN_FAILED
                    && entry.details.is_empty()
            })
            .times(2)
            .returning(|_, _, _| Ok(()));
        let service = AuditService::new(Arc::new(log), Arc::new(accounts));
        service
            .sign_in_failed("ada@x.io", &RequestOrigin::default())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_malformed_email_is_not_looked_up() {
        let service = AuditService::new(Arc::new(MockAuditLog::new()), Arc::new(MockAccountRepository::new()));
        service
            .sign_in_failed("not an email", &RequestOrigin::default())
            .await
            .unwrap();
    }
}
