//! Duplicates and merge (ADR 0032): likely pairs of contacts or companies,
//! and merging one record into another in one transaction — the loser's
//! links move to the winner, the winner takes the values chosen from the
//! loser, the loser goes to the trash, and restoring it undoes the merge.

use crate::kind::{Companies, Contacts};
use async_trait::async_trait;
use clearview_kernel::audit::{AuditEntry, RequestOrigin, actions};
use clearview_kernel::custom_fields::custom_field_key;
use clearview_kernel::records::{RecordError, RecordKind, RecordService, policy};
use clearview_kernel::{CompanyId, ContactId, Limit, Page, RepoError, Sort, TenantContext, ValidationErrors};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

/// A kind of record that can be merged.
pub trait Mergeable: RecordKind {
    /// The fields a merge may take from the loser, as the API names them.
    const MERGE_FIELDS: &'static [&'static str];
    /// The audit entry's action and target type.
    const MERGED_ACTION: &'static str;
    const TARGET_TYPE: &'static str;
    fn id_uuid(id: Self::Id) -> Uuid;
    fn id_from(id: Uuid) -> Self::Id;
}

impl Mergeable for Contacts {
    const MERGE_FIELDS: &'static [&'static str] = &[
        "first_name",
        "last_name",
        "email",
        "phone",
        "title",
        "company_id",
        "owner_id",
    ];
    const MERGED_ACTION: &'static str = actions::CONTACTS_MERGED;
    const TARGET_TYPE: &'static str = "contact";
    fn id_uuid(id: ContactId) -> Uuid {
        id.as_uuid()
    }
    fn id_from(id: Uuid) -> ContactId {
        ContactId::from_uuid(id)
    }
}

impl Mergeable for Companies {
    const MERGE_FIELDS: &'static [&'static str] = &["name", "domain", "phone", "owner_id"];
    const MERGED_ACTION: &'static str = actions::COMPANIES_MERGED;
    const TARGET_TYPE: &'static str = "company";
    fn id_uuid(id: CompanyId) -> Uuid {
        id.as_uuid()
    }
    fn id_from(id: Uuid) -> CompanyId {
        CompanyId::from_uuid(id)
    }
}

/// Why two records look like the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateReason {
    /// The same name, ignoring case.
    SameName,
    /// Names alike by trigram similarity (≥ 0.6), e.g. "Jon" and "John".
    SimilarName,
    /// The same phone number, ignoring spaces, brackets, dots, dashes,
    /// slashes and plus signs.
    SamePhone,
}

impl DuplicateReason {
    pub const fn as_str(self) -> &'static str {
        match self {
            DuplicateReason::SameName => "same_name",
            DuplicateReason::SimilarName => "similar_name",
            DuplicateReason::SamePhone => "same_phone",
        }
    }
}

/// One likely pair; `first` is the older record (smaller id).
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicatePair {
    pub first: Uuid,
    pub first_label: String,
    pub second: Uuid,
    pub second_label: String,
    /// Name similarity, 0..=1.
    pub similarity: f32,
    pub reasons: Vec<DuplicateReason>,
}

/// Pairs are ordered by (first, second); a cursor holds the last pair seen
/// (`id` the first, `value` the second).
pub const PAIR_SORT: Sort = Sort {
    field: "pair",
    descending: false,
};

/// A page of pairs, ordered by (first, second); `after` is the last pair seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateQuery {
    pub limit: Limit,
    pub after: Option<(Uuid, Uuid)>,
}

/// A checked merge request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergePlan {
    pub winner: Uuid,
    pub loser: Uuid,
    /// The fields whose value comes from the loser (custom fields as
    /// `cf.<key>`); every other field keeps the winner's value, or takes the
    /// loser's when the winner has none.
    pub from_loser: Vec<String>,
    /// Work it all out and roll back: nothing is written.
    pub dry_run: bool,
}

impl MergePlan {
    /// Checks the choices (`{"email": "loser"}`): known fields of the kind,
    /// each `winner` or `loser`; errors name `fields.<field>`.
    pub fn new<K: Mergeable>(
        winner: K::Id,
        loser: K::Id,
        choices: &BTreeMap<String, String>,
        dry_run: bool,
    ) -> Result<Self, ValidationErrors> {
        let (winner, loser) = (K::id_uuid(winner), K::id_uuid(loser));
        let mut errors = ValidationErrors::new();
        if winner == loser {
            errors.add("loser_id", "must be another record than winner_id");
        }
        let mut from_loser = Vec::new();
        for (name, side) in choices {
            let known = K::MERGE_FIELDS.contains(&name.as_str()) || custom_field_key(name).is_some();
            if !known {
                errors.add(
                    format!("fields.{name}"),
                    format!(
                        "is not a field a merge chooses; one of {} or cf.<key>",
                        K::MERGE_FIELDS.join(", ")
                    ),
                );
                continue;
            }
            match side.as_str() {
                "loser" => from_loser.push(name.clone()),
                "winner" => {}
                _ => errors.add(format!("fields.{name}"), "must be winner or loser"),
            }
        }
        errors.into_result()?;
        Ok(MergePlan {
            winner,
            loser,
            from_loser,
            dry_run,
        })
    }
}

/// What a merge did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq)]
pub struct MergeOutcome<R> {
    /// The winner as it is (would be) afterwards.
    pub winner: R,
    /// Rows that point (would point) at the winner instead of the loser,
    /// per kind: `deals`, `activities`, and for companies `contacts`.
    pub moved: BTreeMap<String, i64>,
    /// The winner's fields that took the loser's value (custom fields as
    /// `cf.<key>`).
    pub fields: Vec<String>,
}

/// Storage of duplicates and merges of one kind. `merge` answers
/// `NotFound` when either record is not in the tenant, and `Duplicate`
/// when a value taken is held by a third record.
#[async_trait]
pub trait MergeRepository<K: Mergeable>: Send + Sync {
    async fn duplicates(
        &self,
        ctx: &TenantContext,
        query: &DuplicateQuery,
        scope: clearview_kernel::records::ReadScope,
    ) -> Result<Page<DuplicatePair>, RepoError>;
    /// A merge that is not a dry run appends `audit` in its transaction.
    async fn merge(
        &self,
        ctx: &TenantContext,
        plan: &MergePlan,
        audit: &AuditEntry,
    ) -> Result<MergeOutcome<K::Record>, RepoError>;
}

pub struct MergeService<K: Mergeable> {
    records: RecordService<K>,
    repo: Arc<dyn MergeRepository<K>>,
    settings: Arc<dyn clearview_kernel::records::VisibilitySettings>,
}

impl<K: Mergeable> MergeService<K> {
    pub fn new(
        records: RecordService<K>,
        repo: Arc<dyn MergeRepository<K>>,
        settings: Arc<dyn clearview_kernel::records::VisibilitySettings>,
    ) -> Self {
        Self {
            records,
            repo,
            settings,
        }
    }

    /// Likely pairs among the records the caller can see.
    pub async fn duplicates(
        &self,
        ctx: &TenantContext,
        query: &DuplicateQuery,
    ) -> Result<Page<DuplicatePair>, RecordError> {
        let scope = clearview_kernel::records::read_scope(self.settings.as_ref(), ctx).await?;
        Ok(self.repo.duplicates(ctx, query, scope).await?)
    }

    /// Merges when the caller may change both records (a rep: both theirs).
    pub async fn merge(
        &self,
        ctx: &TenantContext,
        plan: &MergePlan,
        origin: &RequestOrigin,
    ) -> Result<MergeOutcome<K::Record>, RecordError> {
        for id in [plan.winner, plan.loser] {
            let record = self.records.get(ctx, K::id_from(id)).await?;
            policy::may_modify(ctx, K::record_owner(&record)).map_err(RecordError::Forbidden)?;
        }
        let audit = AuditEntry::new(K::MERGED_ACTION, origin)
            .target(K::TARGET_TYPE, plan.winner)
            .detail("loser_id", plan.loser.to_string());
        Ok(self.repo.merge(ctx, plan, &audit).await?)
    }
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
