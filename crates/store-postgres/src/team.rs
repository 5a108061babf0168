//! `TeamRepository` and `ResetRepository` over PostgreSQL: members and the
//! last-admin rule, invitations with their outbox e-mail, password resets.

use crate::audit::append_for;
use crate::db::PgStore;
use crate::errors::{change_one, map_err};
use crate::jobs::enqueue_email;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::mail::Email;
use clearview_kernel::{RepoError, Role, SessionId, TenantContext, TenantId, UserId};
use clearview_tenancy::{Invitation, Joiner, KnownIdentity, Member, NewInvitation, ResetRepository, TeamRepository};
use sqlx::PgConnection;
use uuid::Uuid;

fn role_of(raw: &str) -> Result<Role, RepoError> {
    raw.parse().map_err(|e: String| RepoError::Unexpected(e.into()))
}

type InvitationRow = (Uuid, String, String, Option<Uuid>, DateTime<Utc>, DateTime<Utc>);
const INVITATION_COLUMNS: &str = "id, email, role, invited_by, created_at, expires_at";

fn invitation_from(row: InvitationRow) -> Result<Invitation, RepoError> {
    let (id, email, role, invited_by, created_at, expires_at) = row;
    Ok(Invitation {
        id,
        email,
        role: role_of(&role)?,
        invited_by: invited_by.map(UserId::from_uuid),
        created_at,
        expires_at,
    })
}

/// A password hash no password matches, for an identity made by SCIM or
/// single sign-on: its person sets a password by resetting it (proving the
/// address), or keeps signing in with their provider.
pub(crate) const NO_PASSWORD: &str = "!no-password";

/// The identity an organization's own directory (SCIM, single sign-on) may
/// use for `email`: the one already a member here; one a directory made
/// that nobody claimed (no password, no membership); or, when `create`, a
/// new one (named `name`, with no password). `None` for an identity a
/// person controls outside this organization (a password, or other
/// memberships): its person brings it in by accepting an invitation —
/// never an organization's provider, which could then act as them
/// (ADR 0036, 0037).
pub(crate) async fn directory_identity(
    conn: &mut PgConnection,
    tenant: Uuid,
    email: &str,
    name: &str,
    create: bool,
) -> Result<Option<Uuid>, RepoError> {
    let known: Option<(Uuid, bool, bool)> = sqlx::query_as(
        "SELECT u.id, EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = $1 AND m.user_id = u.id), \
                u.password_hash = $3 \
         FROM users u WHERE lower(u.email) = lower($2)",
    )
    .bind(tenant)
    .bind(email)
    .bind(NO_PASSWORD)
    .fetch_optional(&mut *conn)
    .await
    .map_err(map_err)?;
    match known {
        Some((identity, true, _)) => Ok(Some(identity)),
        Some((identity, false, true)) if !member_elsewhere(conn, tenant, email).await? => Ok(Some(identity)),
        Some(_) => Ok(None),
        None if !create => Ok(None),
        None => {
            let identity = Uuid::now_v7();
            sqlx::query("INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)")
                .bind(identity)
                .bind(email)
                .bind(name.chars().take(200).collect::<String>())
                .bind(NO_PASSWORD)
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
            Ok(Some(identity))
        }
    }
}

/// Whether the identity with `email` is a member of an organization other
/// than `tenant`, through the SECURITY DEFINER look-up (RLS hides other
/// tenants' memberships from this transaction).
pub(crate) async fn member_elsewhere(conn: &mut PgConnection, tenant: Uuid, email: &str) -> Result<bool, RepoError> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM login_candidates($2) c WHERE c.tenant_id IS NOT NULL AND c.tenant_id <> $1)",
    )
    .bind(tenant)
    .bind(email)
    .fetch_one(&mut *conn)
    .await
    .map_err(map_err)
}

/// Gives a member a new role and ends their sessions (sessions carry the
/// role, so the new one applies at once); returns the sessions ended.
pub(crate) async fn set_role(
    conn: &mut PgConnection,
    tenant: Uuid,
    user: Uuid,
    role: Role,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query("UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant)
        .bind(user)
        .bind(role.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(
        "UPDATE sessions SET revoked_at = now() WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id",
    )
    .bind(tenant)
    .bind(user)
    .fetch_all(&mut *conn)
    .await
}

/// Removes a membership; its sessions cascade and are remembered as ended
/// (returned, for the denylist). Owned records stay, with no owner.
pub(crate) async fn leave(conn: &mut PgConnection, tenant: Uuid, user: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    let sessions: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM sessions WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL")
            .bind(tenant)
            .bind(user)
            .fetch_all(&mut *conn)
            .await?;
    crate::ended_sessions::remember(&mut *conn, &sessions).await?;
    sqlx::query("DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant)
        .bind(user)
        .execute(&mut *conn)
        .await?;
    Ok(sessions)
}

/// Locks the organization's admins and returns the target's current role,
/// so two concurrent demotions cannot both pass the last-admin check.
pub(crate) async fn lock_admins(conn: &mut PgConnection, tenant: Uuid, user: Uuid) -> Result<(Role, usize), RepoError> {
    let admins: Vec<Uuid> =
        sqlx::query_scalar("SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'admin' FOR UPDATE")
            .bind(tenant)
            .fetch_all(&mut *conn)
            .await
            .map_err(map_err)?;
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant)
        .bind(user)
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_err)?;
    Ok((role_of(&role.ok_or(RepoError::NotFound)?)?, admins.len()))
}

async fn member(conn: &mut PgConnection, tenant: Uuid, user: Option<Uuid>) -> Result<Vec<Member>, RepoError> {
    let rows: Vec<(Uuid, String, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT m.user_id, u.name, u.email, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.tenant_id = $1 AND ($2::uuid IS NULL OR m.user_id = $2) ORDER BY lower(u.name), m.user_id",
    )
    .bind(tenant)
    .bind(user)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    rows.into_iter()
        .map(|(id, name, email, role, joined_at)| {
            Ok(Member {
                user_id: UserId::from_uuid(id),
                name,
                email,
                role: role_of(&role)?,
                joined_at,
            })
        })
        .collect()
}

#[async_trait]
impl TeamRepository for PgStore {
    async fn members(&self, ctx: &TenantContext) -> Result<Vec<Member>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let members = member(&mut tx, ctx.tenant_id.as_uuid(), None).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(members)
    }

    async fn change_role(
        &self,
        ctx: &TenantContext,
        user: UserId,
        role: Role,
        audit: &AuditEntry,
    ) -> Result<(Member, Vec<SessionId>), RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let (current, admins) = lock_admins(&mut tx, tenant, user.as_uuid()).await?;
        if current == Role::Admin && role != Role::Admin && admins == 1 {
            return Err(RepoError::Conflict(
                "the last admin cannot be demoted; make someone else an admin first",
            ));
        }
        let sessions = set_role(&mut tx, tenant, user.as_uuid(), role).await.map_err(map_err)?;
        let updated = member(&mut tx, tenant, Some(user.as_uuid()))
            .await?
            .pop()
            .ok_or(RepoError::NotFound)?;
        append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok((updated, sessions.into_iter().map(SessionId::from_uuid).collect()))
    }

    async fn remove_member(
        &self,
        ctx: &TenantContext,
        user: UserId,
        audit: &AuditEntry,
    ) -> Result<Vec<SessionId>, RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let (current, admins) = lock_admins(&mut tx, tenant, user.as_uuid()).await?;
        if current == Role::Admin && admins == 1 {
            return Err(RepoError::Conflict(
                "the last admin cannot be removed; make someone else an admin first",
            ));
        }
        let sessions = leave(&mut tx, tenant, user.as_uuid()).await.map_err(map_err)?;
        append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(sessions.into_iter().map(SessionId::from_uuid).collect())
    }

    async fn invite(
        &self,
        ctx: &TenantContext,
        invitation: &NewInvitation,
        audit: &AuditEntry,
    ) -> Result<(Invitation, bool), RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let member: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.tenant_id = $1 AND lower(u.email) = lower($2))",
        )
        .bind(tenant)
        .bind(invitation.email.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        if member {
            return Err(RepoError::Duplicate {
                field: "email",
                existing_id: None,
            });
        }
        // An expired pending invitation gives way to the new one.
        sqlx::query(
            "UPDATE invitations SET revoked_at = now() WHERE tenant_id = $1 AND lower(email) = lower($2) \
             AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= now()",
        )
        .bind(tenant)
        .bind(invitation.email.as_str())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let inserted: Option<InvitationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO invitations (tenant_id, id, email, role, token_hash, invited_by, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (tenant_id, lower(email)) WHERE accepted_at IS NULL AND revoked_at IS NULL DO NOTHING \
             RETURNING {INVITATION_COLUMNS}"
        )))
        .bind(tenant)
        .bind(invitation.id)
        .bind(invitation.email.as_str())
        .bind(invitation.role.as_str())
        .bind(&invitation.token_hash)
        .bind(ctx.user_id.as_uuid())
        .bind(invitation.expires_at)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let result = match inserted {
            Some(row) => {
                enqueue_email(&mut tx, tenant, &invitation.message, &self.outbox_key)
                    .await
                    .map_err(map_err)?;
                append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
                (invitation_from(row)?, true)
            }
            None => {
                let row: InvitationRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {INVITATION_COLUMNS} FROM invitations WHERE tenant_id = $1 AND lower(email) = lower($2) \
                     AND accepted_at IS NULL AND revoked_at IS NULL"
                )))
                .bind(tenant)
                .bind(invitation.email.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                (invitation_from(row)?, false)
            }
        };
        tx.commit().await.map_err(map_err)?;
        Ok(result)
    }

    async fn invitations(&self, ctx: &TenantContext) -> Result<Vec<Invitation>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let rows: Vec<InvitationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE tenant_id = $1 \
             AND accepted_at IS NULL AND revoked_at IS NULL ORDER BY created_at DESC, id DESC"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows.into_iter().map(invitation_from).collect()
    }

    async fn revoke_invitation(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<(), RepoError> {
        change_one(
            self,
            ctx,
            "UPDATE invitations SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 \
             AND accepted_at IS NULL AND revoked_at IS NULL",
            id,
            Some(audit),
        )
        .await
    }

    async fn pending_invitation(&self, tenant: TenantId, token_hash: &[u8]) -> Result<Option<Invitation>, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let row: Option<InvitationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE tenant_id = $1 AND token_hash = $2 \
             AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()"
        )))
        .bind(tenant.as_uuid())
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.map(invitation_from).transpose()
    }

    async fn identity_by_email(&self, email: &str) -> Result<Option<KnownIdentity>, RepoError> {
        // Memberships of every tenant count, so through the SECURITY
        // DEFINER look-up (RLS would hide the others').
        let rows: Vec<(Uuid, String, Option<Uuid>)> =
            sqlx::query_as("SELECT user_id, password_hash, tenant_id FROM login_candidates($1)")
                .bind(email)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
        Ok(rows.first().map(|(user, hash, _)| KnownIdentity {
            user_id: UserId::from_uuid(*user),
            password_hash: hash.clone(),
            is_member: rows.iter().any(|(_, _, tenant)| tenant.is_some()),
        }))
    }

    async fn accept(
        &self,
        tenant: TenantId,
        invitation: Uuid,
        joiner: &Joiner,
        audit: &AuditEntry,
    ) -> Result<(UserId, Role), RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT email, role FROM invitations WHERE tenant_id = $1 AND id = $2 \
             AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() FOR UPDATE",
        )
        .bind(tenant.as_uuid())
        .bind(invitation)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let (email, role) = found.ok_or(RepoError::NotFound)?;
        let user = match joiner {
            Joiner::Existing(user) => *user,
            Joiner::Claimed {
                id,
                name,
                password_hash,
            } => {
                sqlx::query("UPDATE users SET name = $2, password_hash = $3 WHERE id = $1")
                    .bind(id.as_uuid())
                    .bind(name)
                    .bind(password_hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                *id
            }
            Joiner::New {
                id,
                name,
                password_hash,
            } => {
                sqlx::query("INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)")
                    .bind(id.as_uuid())
                    .bind(&email)
                    .bind(name)
                    .bind(password_hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                *id
            }
        };
        let joined = sqlx::query(
            "INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(tenant.as_uuid())
        .bind(user.as_uuid())
        .bind(&role)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if joined.rows_affected() == 0 {
            return Err(RepoError::Duplicate {
                field: "email",
                existing_id: None,
            });
        }
        sqlx::query("UPDATE invitations SET accepted_at = now() WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_uuid())
            .bind(invitation)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        crate::audit::append(&mut tx, tenant, Some(user), audit)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok((user, role_of(&role)?))
    }
}

#[async_trait]
impl ResetRepository for PgStore {
    async fn create_reset(
        &self,
        user: UserId,
        token_hash: &[u8],
        expires_at: DateTime<Utc>,
        via: TenantId,
        message: &Email,
    ) -> Result<(), RepoError> {
        let mut tx = self.tenant_tx(via).await.map_err(map_err)?;
        sqlx::query("INSERT INTO password_resets (id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(Uuid::now_v7())
            .bind(user.as_uuid())
            .bind(token_hash)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        enqueue_email(&mut tx, via.as_uuid(), message, &self.outbox_key)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn complete_reset(&self, token_hash: &[u8], password_hash: &str) -> Result<Vec<SessionId>, RepoError> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let user: Option<Uuid> = sqlx::query_scalar(
            "UPDATE password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL \
             AND expires_at > now() RETURNING user_id",
        )
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let user = user.ok_or(RepoError::NotFound)?;
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user)
            .bind(password_hash)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        // Other outstanding reset links of the person die with this one.
        sqlx::query("UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL")
            .bind(user)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let sessions: Vec<Uuid> = sqlx::query_scalar("SELECT session_id FROM revoke_identity_sessions($1)")
            .bind(user)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(sessions.into_iter().map(SessionId::from_uuid).collect())
    }
}
