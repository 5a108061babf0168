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
];

/// The meaning of a constraint violation, if it is one the domain knows.
pub(crate) fn constraint_meaning(err: &sqlx::Error) -> Option<&'static Meaning> {
    let name = err.as_database_error()?.constraint()?;
    CONSTRAINTS.iter().find(|(n, _)| *n == name).map(|(_, meaning)| meaning)
}

/// Maps a driver error; unknown failures keep their full cause for the log.
pub(crate) fn map_err(err: sqlx::Error) -> RepoError {
    match (&err, constraint_meaning(&err)) {
        (sqlx::Error::RowNotFound, _) => RepoError::NotFound,
        // Every pooled connection is busy (perhaps held by slow work):
        // answer 503 quickly rather than queue requests behind it.
        (sqlx::Error::PoolTimedOut, _) => RepoError::Unavailable,
        (_, Some(Meaning::Duplicate(field))) => RepoError::Duplicate {
            field,
            existing_id: None,
        },
        (_, Some(Meaning::MissingReference(field))) => RepoError::MissingReference { field },
        _ => RepoError::unexpected(err),
    }
}
