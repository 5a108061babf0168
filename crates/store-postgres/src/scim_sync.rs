//! Keeps a SCIM user's membership in step with what the provider says
//! (ADR 0036), inside the transaction of the SCIM write that changed it:
//! the facts are read here, `clearview_tenancy::scim::plan_membership`
//! decides, and the team's own statements carry it out.

use crate::errors::map_err;
use crate::scim_rows::load_user;
use crate::team::{directory_identity, leave, lock_admins, member_elsewhere, set_role};
use clearview_kernel::{RepoError, Role};
use clearview_tenancy::scim::{
    MembershipPlan, UserAttributes, group_role, has_access, highest_role, login_address, plan_membership,
};
use sqlx::PgConnection;
use uuid::Uuid;

/// Syncs each SCIM user's membership; returns the sessions it ended.
pub(crate) async fn sync_members(
    conn: &mut PgConnection,
    tenant: Uuid,
    users: &[Uuid],
) -> Result<Vec<Uuid>, RepoError> {
    let mut ended = Vec::new();
    for user in users {
        ended.extend(sync_one(conn, tenant, *user).await?);
    }
    Ok(ended)
}

async fn sync_one(conn: &mut PgConnection, tenant: Uuid, id: Uuid) -> Result<Vec<Uuid>, RepoError> {
    let Some((user, linked)) = load_user(conn, tenant, id).await? else {
        return Ok(Vec::new());
    };
    let access = has_access(&user.attributes);
    let identity = match linked {
        Some(identity) => identity,
        // A deactivated user is still linked to a member with its address
        // (one who joined by invitation meanwhile), so it can leave.
        None => match link_identity(conn, tenant, id, &user.attributes, access).await? {
            Some(identity) => identity,
            None => return Ok(Vec::new()),
        },
    };
    let groups: Vec<String> = sqlx::query_scalar(
        "SELECT g.display_name FROM scim_group_members m \
         JOIN scim_groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id \
         WHERE m.tenant_id = $1 AND m.user_id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let granted = highest_role(groups.iter().filter_map(|g| group_role(g)));
    let current: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant)
            .bind(identity)
            .fetch_optional(&mut *conn)
            .await
            .map_err(map_err)?;
    let current = current
        .map(|r| r.parse::<Role>())
        .transpose()
        .map_err(|e| RepoError::Unexpected(e.into()))?;
    match plan_membership(access, current, granted) {
        MembershipPlan::Nothing => Ok(Vec::new()),
        MembershipPlan::Join(role) => {
            // A linked person who meanwhile joined another organization is
            // theirs now: only an invitation brings them back (ADR 0036).
            if joined_elsewhere(conn, tenant, identity).await? {
                sqlx::query("UPDATE scim_users SET user_id = NULL WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant)
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                return Ok(Vec::new());
            }
            sqlx::query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)")
                .bind(tenant)
                .bind(identity)
                .bind(role.as_str())
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
            Ok(Vec::new())
        }
        MembershipPlan::ChangeRole(role) => {
            refuse_losing_last_admin(conn, tenant, identity, role != Role::Admin).await?;
            set_role(conn, tenant, identity, role).await.map_err(map_err)
        }
        MembershipPlan::Leave => {
            refuse_losing_last_admin(conn, tenant, identity, true).await?;
            leave(conn, tenant, identity).await.map_err(map_err)
        }
    }
}

/// Whether the identity is a member of an organization other than `tenant`.
async fn joined_elsewhere(conn: &mut PgConnection, tenant: Uuid, identity: Uuid) -> Result<bool, RepoError> {
    let email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(identity)
        .fetch_one(&mut *conn)
        .await
        .map_err(map_err)?;
    member_elsewhere(conn, tenant, &email).await
}

/// The provider may not leave the organization without an admin.
async fn refuse_losing_last_admin(
    conn: &mut PgConnection,
    tenant: Uuid,
    identity: Uuid,
    stops_being_admin: bool,
) -> Result<(), RepoError> {
    let (current, admins) = lock_admins(conn, tenant, identity).await?;
    if stops_being_admin && current == Role::Admin && admins == 1 {
        return Err(RepoError::Conflict(
            "this person is the organization's last admin; make someone else an admin first",
        ));
    }
    Ok(())
}

/// Links the SCIM user to the identity with its address when the directory
/// may use it (`team::directory_identity`; a new one only when `create`);
/// `None` leaves it unlinked, with no membership, until its person joins by
/// invitation or it gets an address.
async fn link_identity(
    conn: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
    user: &UserAttributes,
    create: bool,
) -> Result<Option<Uuid>, RepoError> {
    let Some(address) = login_address(user) else {
        return Ok(None);
    };
    let name = user
        .display_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| user.name.as_ref().and_then(|n| n.display()))
        .unwrap_or_else(|| address.as_str().to_owned());
    let Some(identity) = directory_identity(conn, tenant, address.as_str(), &name, create).await? else {
        return Ok(None);
    };
    sqlx::query("UPDATE scim_users SET user_id = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(identity)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    Ok(Some(identity))
}
