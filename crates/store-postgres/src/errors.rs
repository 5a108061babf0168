//! Translation of driver errors into the domain's `RepoError`.

use clearview_kernel::RepoError;

/// What a named constraint means to the domain.
pub(crate) enum Meaning {
    Duplicate(&'static str),
    MissingReference(&'static str),
}

/// Every named constraint the domain cares about. Names are fixed in the
/// migrations so this table stays true.
const CONSTRAINTS: &[(&str, Meaning)] = &[
    ("users_email_key", Meaning::Duplicate("email")),
    ("contacts_email_key", Meaning::Duplicate("email")),
    ("companies_domain_key", Meaning::Duplicate("domain")),
    ("contacts_company_fkey", Meaning::MissingReference("company_id")),
    ("contacts_owner_fkey", Meaning::MissingReference("owner_id")),
    ("companies_owner_fkey", Meaning::MissingReference("owner_id")),
    ("pipelines_name_key", Meaning::Duplicate("name")),
    ("pipeline_stages_name_key", Meaning::Duplicate("name")),
    ("deals_stage_fkey", Meaning::MissingReference("stage_id")),
    ("deals_company_fkey", Meaning::MissingReference("company_id")),
    ("deals_owner_fkey", Meaning::MissingReference("owner_id")),
    ("deal_contacts_contact_fkey", Meaning::MissingReference("contact_ids")),
    ("activities_deal_fkey", Meaning::MissingReference("deal_id")),
    ("activities_contact_fkey", Meaning::MissingReference("contact_id")),
    ("activities_company_fkey", Meaning::MissingReference("company_id")),
    ("activities_owner_fkey", Meaning::MissingReference("owner_id")),
    ("saved_views_name_key", Meaning::Duplicate("name")),
    ("custom_fields_key_key", Meaning::Duplicate("key")),
    ("scim_users_user_name_key", Meaning::Duplicate("userName")),
    // Two directory users with the same address would be one person.
    ("scim_users_user_key", Meaning::Duplicate("userName")),
    ("scim_group_members_user_fkey", Meaning::MissingReference("members")),
];

/// The meaning of a constraint violation, if it is one the domain knows.
pub(crate) fn constraint_meaning(err: &sqlx::Error) -> Option<&'static Meaning> {
    let name = err.as_database_error()?.constraint()?;
    CONSTRAINTS.iter().find(|(n, _)| *n == name).map(|(_, meaning)| meaning)
}

/// The connection failed or the server is shutting down or starting
/// (SQLSTATE class 08, 57P01–57P03), as opposed to a failed statement.
pub(crate) fn is_connection_failure(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::PoolClosed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

/// Maps a driver error; unknown failures keep their full cause for the log.
pub(crate) fn map_err(err: sqlx::Error) -> RepoError {
    match (&err, constraint_meaning(&err)) {
        (sqlx::Error::RowNotFound, _) => RepoError::NotFound,
        // Every pooled connection is busy (perhaps held by slow work):
        // answer 503 quickly rather than queue requests behind it.
        (sqlx::Error::PoolTimedOut, _) => RepoError::Unavailable,
        // The database is down or restarting: also a quick 503, and the
        // pool reconnects by itself once it is back.
        _ if is_connection_failure(&err) => RepoError::Unavailable,
        (_, Some(Meaning::Duplicate(field))) => RepoError::Duplicate {
            field,
            existing_id: None,
        },
        (_, Some(Meaning::MissingReference(field))) => RepoError::MissingReference { field },
        _ => RepoError::unexpected(err),
    }
}

/// Runs one statement on one row of the caller's tenant (`$1` the tenant,
/// `$2` the row's id) in its own tenant transaction; `NotFound` (and
/// nothing written) when it touched none. `audit`, when given, is appended
/// in the same transaction.
pub(crate) async fn change_one(
    store: &crate::db::PgStore,
    ctx: &clearview_kernel::TenantContext,
    sql: &'static str,
    id: uuid::Uuid,
    audit: Option<&clearview_kernel::audit::AuditEntry>,
) -> Result<(), RepoError> {
    let mut tx = store.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
    let done = sqlx::query(sql)
        .bind(ctx.tenant_id.as_uuid())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    touched_one(&done)?;
    if let Some(entry) = audit {
        crate::audit::append_for(&mut tx, ctx, entry).await.map_err(map_err)?;
    }
    tx.commit().await.map_err(map_err)
}

/// `NotFound` when a statement that targets one row by id touched none
/// (unknown, another tenant's, or already in the target state).
pub(crate) fn touched_one(done: &sqlx::postgres::PgQueryResult) -> Result<(), RepoError> {
    if done.rows_affected() == 0 {
        Err(RepoError::NotFound)
    } else {
        Ok(())
    }
}

/// Deletes the caller's organization's one row of `table` (a setting kept
/// once per organization) and appends `audit` in the same transaction;
/// `NotFound` (and nothing written) when there is none.
pub(crate) async fn delete_setting(
    store: &crate::db::PgStore,
    ctx: &clearview_kernel::TenantContext,
    table: &'static str,
    audit: &clearview_kernel::audit::AuditEntry,
) -> Result<(), RepoError> {
    let mut tx = store.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
    let deleted = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE tenant_id = $1")))
        .bind(ctx.tenant_id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    if deleted.rows_affected() == 0 {
        return Err(RepoError::NotFound);
    }
    crate::audit::append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
    tx.commit().await.map_err(map_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_or_closed_connection_is_unavailable_and_a_missing_row_is_not() {
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(matches!(map_err(refused), RepoError::Unavailable));
        assert!(matches!(map_err(sqlx::Error::PoolClosed), RepoError::Unavailable));
        assert!(matches!(map_err(sqlx::Error::PoolTimedOut), RepoError::Unavailable));
        assert!(matches!(map_err(sqlx::Error::RowNotFound), RepoError::NotFound));
        assert!(!is_connection_failure(&sqlx::Error::Protocol("odd".into())));
    }
}
