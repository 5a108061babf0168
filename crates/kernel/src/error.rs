//! The error every repository port may return. Adapters translate their
//! driver errors into it at their edge (invariant 8): a named unique
//! constraint becomes `Duplicate`, a foreign key becomes `MissingReference`.

use thiserror::Error;
use uuid::Uuid;

#[derive(Debug, Error)]
pub enum RepoError {
    #[error("record not found")]
    NotFound,
    /// A unique rule was broken; `existing_id` names the record already there.
    #[error("duplicate {field}")]
    Duplicate {
        field: &'static str,
        existing_id: Option<Uuid>,
    },
    /// A referenced record does not exist in this tenant.
    #[error("referenced {field} does not exist")]
    MissingReference { field: &'static str },
    /// The change would break a rule the store enforces (e.g. deleting a
    /// pipeline that still holds deals).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The store is saturated (no free connection in time): the caller
    /// should answer "try again shortly", not fail.
    #[error("storage is busy")]
    Unavailable,
    #[error("unexpected storage failure")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl RepoError {
    pub fn unexpected(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unexpected(Box::new(err))
    }
}
