//! Contacts and companies: the records a sales team keeps. Validation rules,
//! the role policy (who may read, create, change and reassign what), the
//! repository port and the use cases, including running a CSV import
//! (`import_run`, driven by the worker). Pure (invariant 1).
//!
//! Both record kinds use the kernel's generic record service and role
//! policy (`clearview_kernel::records`); a kind says how it validates and
//! who owns it.

mod company;
mod contact;
mod import;
mod import_run;
#[cfg(test)]
mod import_run_tests;
mod kind;
mod merge;
mod query;
#[cfg(test)]
mod service_tests;

pub use clearview_kernel::SearchTerm;
pub use clearview_kernel::records::{
    ReadScope, RecordError, RecordRepository, RecordService, Visibility, VisibilitySettings,
};
pub use company::{Company, CompanyDraft, CompanyInput, Domain};
pub use contact::{Contact, ContactDraft, ContactInput};
pub use import::{
    ColumnMapping, Import, ImportField, ImportMode, ImportRepository, ImportRow, ImportRowError, ImportService,
    ImportUpload, MappedColumns, NewImport, map_row,
};
pub use import_run::{
    ImportBatch, ImportFailure, ImportJob, ImportRunPort, ImportSettings, ImportStorageError, header_name, run_import,
};
pub use kind::{Companies, Contacts};
pub use merge::{
    DuplicatePair, DuplicateQuery, DuplicateReason, MergeOutcome, MergePlan, MergeRepository, MergeService, Mergeable,
    PAIR_SORT,
};
pub use query::{COMPANY_SORTS, CONTACT_SORTS, CompanyQuery, ContactQuery};

pub type ContactService = RecordService<Contacts>;
pub type CompanyService = RecordService<Companies>;
pub type ContactMergeService = MergeService<Contacts>;
pub type CompanyMergeService = MergeService<Companies>;
