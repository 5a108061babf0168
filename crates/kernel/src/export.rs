//! CSV export: the filters an export takes, the port that streams the file
//! (`CsvExport`) and the use case that applies the role rule (admins and
//! managers only; design/api.md, "Roles").
//!
//! The file is handed over as a pull-based [`ByteSource`]: the caller asks
//! for the next chunk only when it can take it, so a slow client slows the
//! producer down and memory stays flat whatever the size of the export. It
//! is a plain async trait so this crate needs no stream library.

use crate::records::RecordError;
use crate::{CompanyId, ContactId, PipelineId, RepoError, SearchTerm, StageId, TenantContext, UserId};
use async_trait::async_trait;
use std::sync::Arc;

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Contacts,
    Companies,
    Deals,
}

impl ExportKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ExportKind::Contacts => "contacts",
            ExportKind::Companies => "companies",
            ExportKind::Deals => "deals",
        }
    }
}

/// The list filters, parsed. A kind ignores the filters it has no column
/// for (the HTTP layer refuses them before they get here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportFilters {
    pub search: Option<SearchTerm>,
    pub owner_id: Option<UserId>,
    pub company_id: Option<CompanyId>,
    pub contact_id: Option<ContactId>,
    pub pipeline_id: Option<PipelineId>,
    pub stage_id: Option<StageId>,
    /// A stage kind (`open`, `won`, `lost`) from a fixed list.
    pub status: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportQuery {
    pub kind: ExportKind,
    pub filters: ExportFilters,
}

/// The file could not be produced to its end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("the export failed: {0}")]
    Failed(String),
}

impl From<String> for ExportError {
    fn from(reason: String) -> Self {
        Self::Failed(reason)
    }
}

/// A file produced chunk by chunk. `None` ends it; an `Err` means the file
/// is incomplete and the transfer must be aborted, not ended cleanly.
#[async_trait]
pub trait ByteSource: Send {
    async fn next_chunk(&mut self) -> Option<Result<Vec<u8>, ExportError>>;
}

/// Streams a tenant's records as CSV (RFC 4180, header row, UTF-8, CRLF),
/// formula-leading cells neutralised, ordered by `created_at, id`.
#[async_trait]
pub trait CsvExport: Send + Sync {
    async fn export_csv(&self, ctx: &TenantContext, query: &ExportQuery) -> Result<Box<dyn ByteSource>, RepoError>;
}

#[derive(Clone)]
pub struct ExportService {
    port: Arc<dyn CsvExport>,
}

impl ExportService {
    pub fn new(port: Arc<dyn CsvExport>) -> Self {
        Self { port }
    }

    /// Whether the caller may export at all (checked before anything runs).
    pub fn authorize(ctx: &TenantContext) -> Result<(), RecordError> {
        if ctx.role.manages_all_records() {
            Ok(())
        } else {
            Err(RecordError::Forbidden("only admins and managers can export"))
        }
    }

    /// Starts the export. Admins and managers read everything, so no read
    /// scope applies.
    pub async fn export(&self, ctx: &TenantContext, query: &ExportQuery) -> Result<Box<dyn ByteSource>, RecordError> {
        Self::authorize(ctx)?;
        Ok(self.port.export_csv(ctx, query).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Role, TenantId};
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Empty;

    #[async_trait]
    impl ByteSource for Empty {
        async fn next_chunk(&mut self) -> Option<Result<Vec<u8>, ExportError>> {
            None
        }
    }

    #[derive(Default)]
    struct Counting(AtomicUsize);

    #[async_trait]
    impl CsvExport for Counting {
        async fn export_csv(&self, _: &TenantContext, _: &ExportQuery) -> Result<Box<dyn ByteSource>, RepoError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(Empty))
        }
    }

    fn ctx(role: Role) -> TenantContext {
        TenantContext {
            tenant_id: TenantId::generate(),
            user_id: UserId::generate(),
            role,
        }
    }

    #[tokio::test]
    async fn only_admins_and_managers_export_and_others_never_reach_the_store() {
        let port = Arc::new(Counting::default());
        let service = ExportService::new(port.clone());
        let query = ExportQuery {
            kind: ExportKind::Contacts,
            filters: ExportFilters::default(),
        };
        for role in [Role::Rep, Role::Viewer] {
            assert!(matches!(
                service.export(&ctx(role), &query).await,
                Err(RecordError::Forbidden(_))
            ));
        }
        assert_eq!(port.0.load(Ordering::SeqCst), 0);
        for role in [Role::Admin, Role::Manager] {
            let mut source = service.export(&ctx(role), &query).await.ok().unwrap();
            assert!(source.next_chunk().await.is_none());
        }
        assert_eq!(port.0.load(Ordering::SeqCst), 2);
    }
}
