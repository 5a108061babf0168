//! The audit log and the GDPR use cases over PostgreSQL. The audit table is
//! append-only for the application role; the cross-tenant parts of an
//! erasure or an export go through the narrow `SECURITY DEFINER` functions
//! of `migrations/…07_audit_log.sql`.

use crate::db::PgStore;
use crate::errors::map_err;
use crate::records::push_page;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::{Cursor, Page, RepoError, SessionId, TenantContext, TenantId, UserId};
use clearview_tenancy::{
    AuditEntry, AuditLog, AuditQuery, AuditRecord, ChainBreak, ChainCheck, IdentityData, MembershipData,
    OrganizationData, OwnedRecord, PersonalData, PrivacyRepository, RequestOrigin, SessionData,
};
use sqlx::{FromRow, Postgres, QueryBuilder};
use uuid::Uuid;

/// SQLSTATE raised by `erase_identity` when the caller is the last admin of
/// an organization that has other members.
const LAST_ADMIN: &str = "CV409";
const ONLY_MEMBER: &str = "CV412";

const AUDIT_COLUMNS: &str = "id, actor_id, actor_name, action, target_type, target_id, host(ip) AS ip, request_id, \
                             details::text AS details, created_at";

#[derive(FromRow)]
struct AuditRow {
    id: Uuid,
    actor_id: Option<Uuid>,
    actor_name: Option<String>,
    action: String,
    target_type: Option<String>,
    target_id: Option<Uuid>,
    ip: Option<String>,
    request_id: Option<String>,
    details: String,
    created_at: DateTime<Utc>,
}

impl From<AuditRow> for AuditRecord {
    fn from(r: AuditRow) -> Self {
        AuditRecord {
            id: r.id,
            actor_id: r.actor_id.map(UserId::from_uuid),
            actor_name: r.actor_name,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            ip: r.ip,
            request_id: r.request_id,
            details_json: r.details,
            created_at: r.created_at,
        }
    }
}

#[async_trait]
impl AuditLog for PgStore {
    async fn record(&self, tenant_id: TenantId, actor: Option<UserId>, entry: &AuditEntry) -> Result<(), RepoError> {
        let mut tx = self.tenant_tx(tenant_id).await.map_err(map_err)?;
        append(&mut tx, tenant_id, actor, entry).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn list(&self, ctx: &TenantContext, query: &AuditQuery) -> Result<Page<AuditRecord>, RepoError> {
        let mut sql =
            QueryBuilder::<Postgres>::new(format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE tenant_id = "));
        sql.push_bind(ctx.tenant_id.as_uuid());
        if let Some(actor) = query.actor_id {
            sql.push(" AND actor_id = ").push_bind(actor.as_uuid());
        }
        if let Some(action) = &query.action {
            sql.push(" AND action = ").push_bind(action.clone());
        }
        if let Some(since) = query.since {
            sql.push(" AND created_at >= ").push_bind(since);
        }
        push_page(&mut sql, &query.page)?;
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let rows: Vec<AuditRow> = sql.build_query_as().fetch_all(&mut *tx).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        let records = rows.into_iter().map(AuditRecord::from).collect();
        Ok(Page::from_rows(records, &query.page, |r: &AuditRecord| {
            Cursor::at(r.created_at, r.id)
        }))
    }

    async fn verify(&self, ctx: &TenantContext) -> Result<ChainCheck, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let check = verify_chain(&mut tx, ctx.tenant_id).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(check)
    }
}

/// Appends `entry` to `tenant`'s trail on `conn`: every audited write calls
/// this inside the transaction of its change, so the entry commits or rolls
/// back with it (ADR 0035). The chain's hash is set by the table's trigger.
pub(crate) async fn append(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    actor: Option<UserId>,
    entry: &AuditEntry,
) -> Result<(), sqlx::Error> {
    let (mut keys, mut values): (Vec<String>, Vec<String>) =
        entry.details.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).unzip();
    if let Some(key) = entry.origin.api_key_id {
        keys.push("api_key_id".into());
        values.push(key.to_string());
    }
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, actor_id, actor_name, action, target_type, target_id, ip, \
                                request_id, details) \
         VALUES ($1, $2, $3, (SELECT name FROM users WHERE id = $3), $4, $5, $6, $7::inet, $8, \
                 jsonb_object($9::text[], $10::text[]))",
    )
    .bind(tenant.as_uuid())
    .bind(Uuid::now_v7())
    .bind(actor.map(|a| a.as_uuid()))
    .bind(entry.action)
    .bind(entry.target_type)
    .bind(entry.target_id)
    .bind(entry.origin.ip.map(|ip| ip.to_string()))
    .bind(entry.origin.request_id.as_deref())
    .bind(keys)
    .bind(values)
    .execute(conn)
    .await?;
    Ok(())
}

/// Appends `entry` as done by the caller of `ctx`.
pub(crate) async fn append_for(
    conn: &mut sqlx::PgConnection,
    ctx: &TenantContext,
    entry: &AuditEntry,
) -> Result<(), sqlx::Error> {
    append(conn, ctx.tenant_id, Some(ctx.user_id), entry).await
}

/// Walks one organization's hash chain with `verify_audit_chain`
/// (migration 20261127000005, ADR 0024) on a connection that can read it:
/// the application's, bound to that tenant, or the owner's.
pub async fn verify_chain(conn: &mut sqlx::PgConnection, tenant: TenantId) -> Result<ChainCheck, sqlx::Error> {
    let (ok, checked, seq, id, problem): (bool, i64, Option<i64>, Option<Uuid>, Option<String>) =
        sqlx::query_as("SELECT ok, checked, broken_seq, broken_id, problem FROM verify_audit_chain($1)")
            .bind(tenant.as_uuid())
            .fetch_one(conn)
            .await?;
    let broken = match (ok, seq) {
        (false, Some(seq)) => Some(ChainBreak {
            seq,
            id,
            problem: problem.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(ChainCheck { checked, broken })
}

impl PgStore {
    /// What `user` owns and did in one organization, read in its tenant.
    async fn organization_data(&self, tenant: TenantId, user: UserId) -> Result<OrganizationData, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let owned: Vec<(String, Uuid, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT 'contact', id, first_name || ' ' || last_name, created_at FROM contacts \
                 WHERE tenant_id = $1 AND owner_id = $2 \
             UNION ALL SELECT 'company', id, name, created_at FROM companies WHERE tenant_id = $1 AND owner_id = $2 \
             UNION ALL SELECT 'deal', id, title, created_at FROM deals WHERE tenant_id = $1 AND owner_id = $2 \
             UNION ALL SELECT 'activity', id, subject, created_at FROM activities \
                 WHERE tenant_id = $1 AND owner_id = $2 \
             ORDER BY 4, 2",
        )
        .bind(tenant.as_uuid())
        .bind(user.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        let audit: Vec<AuditRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE tenant_id = $1 AND actor_id = $2 ORDER BY created_at, id"
        )))
        .bind(tenant.as_uuid())
        .bind(user.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(OrganizationData {
            organization_id: tenant,
            owned_records: owned
                .into_iter()
                .map(|(kind, id, label, created_at)| OwnedRecord {
                    kind: match kind.as_str() {
                        "contact" => "contact",
                        "company" => "company",
                        "deal" => "deal",
                        _ => "activity",
                    },
                    id,
                    label,
                    created_at,
                })
                .collect(),
            audit_entries: audit.into_iter().map(AuditRecord::from).collect(),
        })
    }
}

#[async_trait]
impl PrivacyRepository for PgStore {
    async fn personal_data(&self, ctx: &TenantContext) -> Result<PersonalData, RepoError> {
        let user = ctx.user_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let (name, email, created_at): (String, String, DateTime<Utc>) =
            sqlx::query_as("SELECT name, email, created_at FROM users WHERE id = $1")
                .bind(user)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
        let memberships: Vec<(Uuid, String, String, DateTime<Utc>)> =
            sqlx::query_as("SELECT tenant_id, organization_name, role, created_at FROM identity_memberships($1)")
                .bind(user)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
        let sessions: Vec<(Uuid, Uuid, DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>)> =
            sqlx::query_as("SELECT tenant_id, id, created_at, expires_at, revoked_at FROM identity_sessions($1)")
                .bind(user)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        let current = self.organization_data(ctx.tenant_id, ctx.user_id).await?;
        let mut other_organizations = Vec::new();
        for (tenant, _, _, _) in &memberships {
            if *tenant != ctx.tenant_id.as_uuid() {
                other_organizations.push(
                    self.organization_data(TenantId::from_uuid(*tenant), ctx.user_id)
                        .await?,
                );
            }
        }
        Ok(PersonalData {
            identity: IdentityData {
                id: ctx.user_id,
                name,
                email,
                created_at,
            },
            memberships: memberships
                .into_iter()
                .map(|(tenant, organization_name, role, created_at)| MembershipData {
                    organization_id: TenantId::from_uuid(tenant),
                    organization_name,
                    role,
                    created_at,
                })
                .collect(),
            sessions: sessions
                .into_iter()
                .map(|(tenant, id, created_at, expires_at, revoked_at)| SessionData {
                    organization_id: TenantId::from_uuid(tenant),
                    id: SessionId::from_uuid(id),
                    created_at,
                    expires_at,
                    revoked_at,
                })
                .collect(),
            owned_records: current.owned_records,
            audit_entries: current.audit_entries,
            other_organizations,
        })
    }

    async fn erase_identity(&self, ctx: &TenantContext, origin: &RequestOrigin) -> Result<Vec<SessionId>, RepoError> {
        let user = ctx.user_id.as_uuid();
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        // One `user.erased` entry per organization, with application ids.
        let tenants: Vec<Uuid> = sqlx::query_scalar("SELECT tenant_id FROM identity_memberships($1)")
            .bind(user)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
        let entry_ids: Vec<Uuid> = tenants.iter().map(|_| Uuid::now_v7()).collect();
        // Imports' copies of earlier contact values name their owner: the
        // person's id goes from them too, tenant by tenant (RLS).
        for tenant in &tenants {
            sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
                .bind(tenant.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            sqlx::query(
                "UPDATE import_changes SET previous = jsonb_set(previous, '{owner_id}', 'null'::jsonb) \
                 WHERE tenant_id = $1 AND previous->>'owner_id' = $2::text",
            )
            .bind(tenant)
            .bind(user)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        let sessions: Result<Vec<Uuid>, sqlx::Error> =
            sqlx::query_scalar("SELECT session_id FROM erase_identity($1, $2, $3, $4::inet, $5)")
                .bind(user)
                .bind(&tenants)
                .bind(&entry_ids)
                .bind(origin.ip.map(|ip| ip.to_string()))
                .bind(origin.request_id.as_deref())
                .fetch_all(&mut *tx)
                .await;
        let sessions = match sessions {
            Ok(ids) => ids,
            Err(err) if err.as_database_error().and_then(|e| e.code()).as_deref() == Some(LAST_ADMIN) => {
                return Err(RepoError::Conflict(
                    "you are the last admin of an organization that still has other members: \
                     make another member admin first",
                ));
            }
            Err(err) if err.as_database_error().and_then(|e| e.code()).as_deref() == Some(ONLY_MEMBER) => {
                return Err(RepoError::Conflict(
                    "you are the only member of an organization: delete the organization first \
                     (or invite someone and make them an admin), so its data is not left with nobody",
                ));
            }
            Err(err) => return Err(map_err(err)),
        };
        crate::ended_sessions::remember(&mut tx, &sessions)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(sessions.into_iter().map(SessionId::from_uuid).collect())
    }

    async fn delete_organization(&self, ctx: &TenantContext) -> Result<Vec<SessionId>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let sessions: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM sessions WHERE tenant_id = $1 AND revoked_at IS NULL AND expires_at > now()",
        )
        .bind(ctx.tenant_id.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        crate::ended_sessions::remember(&mut tx, &sessions)
            .await
            .map_err(map_err)?;
        // Members who belong nowhere else would be left as identities that
        // nothing can reach: they are erased with the organization.
        let orphans: Vec<Uuid> = sqlx::query_scalar("SELECT user_id FROM sole_members($1)")
            .bind(ctx.tenant_id.as_uuid())
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
        // Subscriptions first, so the cascade below (records deleted) can
        // never queue webhook events for an organization that is going.
        sqlx::query("DELETE FROM webhooks WHERE tenant_id = $1")
            .bind(ctx.tenant_id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        // Every tenant table reaches `organizations` through ON DELETE
        // CASCADE foreign keys (directly or through a parent).
        let deleted = sqlx::query("DELETE FROM organizations WHERE tenant_id = $1")
            .bind(ctx.tenant_id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if deleted.rows_affected() == 0 {
            return Err(RepoError::NotFound);
        }
        sqlx::query("DELETE FROM users WHERE id = ANY($1)")
            .bind(&orphans)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(sessions.into_iter().map(SessionId::from_uuid).collect())
    }
}
