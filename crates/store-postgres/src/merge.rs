//! `MergeRepository` over PostgreSQL for contacts and companies (ADR 0032):
//! likely pairs found through indexes (same last name or phone digits for
//! contacts, trigram on the name for companies) and the merge itself in
//! `merge_records()` (migration 20261206000006), rolled back for a dry run.

use crate::db::PgStore;
use crate::errors::map_err;
use crate::rows::{COMPANY_COLUMNS, CONTACT_COLUMNS, CompanyRow, ContactRow};
use async_trait::async_trait;
use clearview_contacts::{
    Companies, Contacts, DuplicatePair, DuplicateQuery, DuplicateReason, MergeOutcome, MergePlan, MergeRepository,
    PAIR_SORT,
};
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::records::ReadScope;
use clearview_kernel::trash::TrashKind;
use clearview_kernel::{Cursor, Page, PageRequest, RepoError, TenantContext};
use sqlx::{Postgres, QueryBuilder};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Names at least this alike (pg_trgm `similarity`) make a likely pair.
const SIMILAR: f32 = 0.6;

#[derive(sqlx::FromRow)]
struct PairRow {
    first: Uuid,
    first_label: String,
    second: Uuid,
    second_label: String,
    similarity: f32,
    same_phone: bool,
}

impl From<PairRow> for DuplicatePair {
    fn from(r: PairRow) -> Self {
        let mut reasons = Vec::new();
        if r.first_label.to_lowercase() == r.second_label.to_lowercase() {
            reasons.push(DuplicateReason::SameName);
        } else if r.similarity >= SIMILAR {
            reasons.push(DuplicateReason::SimilarName);
        }
        if r.same_phone {
            reasons.push(DuplicateReason::SamePhone);
        }
        DuplicatePair {
            first: r.first,
            first_label: r.first_label,
            second: r.second,
            second_label: r.second_label,
            similarity: r.similarity,
            reasons,
        }
    }
}

/// Both phones equal without separators (and long enough to mean something).
fn same_phone(a: &str, b: &str) -> String {
    format!(
        "coalesce({a}.phone IS NOT NULL AND {b}.phone IS NOT NULL \
         AND length(translate({a}.phone, ' ()+-./', '')) >= 6 \
         AND translate({b}.phone, ' ()+-./', '') = translate({a}.phone, ' ()+-./', ''), false)"
    )
}

/// Where the pairs of one kind come from: `label` names a row, `name` is
/// what similarity compares, `candidates` narrows `c` to rows alike `a`
/// through an index (`{t}` stands for the row's alias).
struct PairSource {
    table: &'static str,
    label: &'static str,
    name: &'static str,
    candidates: &'static str,
}

/// Same last name (an index probe on lower(last_name)) or the same phone
/// digits (`contacts_phone_digits_idx`).
const CONTACT_PAIRS: PairSource = PairSource {
    table: "contacts",
    label: "{t}.first_name || ' ' || {t}.last_name",
    name: "lower({t}.first_name || ' ' || {t}.last_name)",
    candidates: "lower(c.last_name) = lower(a.last_name) OR (a.phone IS NOT NULL AND c.phone IS NOT NULL \
                 AND translate(c.phone, ' ()+-./', '') = translate(a.phone, ' ()+-./', ''))",
};

/// Names alike by trigram, through `companies_search_trgm`.
const COMPANY_PAIRS: PairSource = PairSource {
    table: "companies",
    label: "{t}.name",
    name: "lower({t}.name)",
    candidates: "lower(c.name || ' ' || coalesce(c.domain, '')) % lower(a.name || ' ' || coalesce(a.domain, ''))",
};

fn pairs_sql(
    ctx: &TenantContext,
    query: &DuplicateQuery,
    scope: ReadScope,
    source: &PairSource,
) -> QueryBuilder<Postgres> {
    let tenant = ctx.tenant_id.as_uuid();
    let mut sql = QueryBuilder::new(format!(
        "SELECT a.id AS first, {a_label} AS first_label, b.id AS second, b.label AS second_label, \
         b.similarity, b.same_phone FROM {table} a CROSS JOIN LATERAL (\
         SELECT c.id, {c_label} AS label, similarity({a_name}, {c_name}) AS similarity, {phone} AS same_phone \
         FROM {table} c WHERE c.tenant_id = a.tenant_id AND c.id > a.id AND ({candidates})",
        table = source.table,
        candidates = source.candidates,
        a_label = source.label.replace("{t}", "a"),
        c_label = source.label.replace("{t}", "c"),
        a_name = source.name.replace("{t}", "a"),
        c_name = source.name.replace("{t}", "c"),
        phone = same_phone("a", "c"),
    ));
    let owner = match scope {
        ReadScope::OwnedBy(owner) => Some(owner.as_uuid()),
        ReadScope::Everything => None,
    };
    if let Some(owner) = owner {
        sql.push(" AND c.owner_id = ").push_bind(owner);
    }
    sql.push(") b WHERE a.tenant_id = ").push_bind(tenant);
    if let Some(owner) = owner {
        sql.push(" AND a.owner_id = ").push_bind(owner);
    }
    sql.push(format!(" AND (b.similarity >= {SIMILAR} OR b.same_phone)"));
    if let Some((first, second)) = query.after {
        sql.push(" AND a.id >= ").push_bind(first);
        sql.push(" AND (a.id, b.id) > (")
            .push_bind(first)
            .push(", ")
            .push_bind(second)
            .push(")");
    }
    sql.push(" ORDER BY a.id, b.id LIMIT ")
        .push_bind(i64::from(query.limit.get()) + 1);
    sql
}

async fn pairs(
    store: &PgStore,
    ctx: &TenantContext,
    query: &DuplicateQuery,
    scope: ReadScope,
    source: &PairSource,
) -> Result<Page<DuplicatePair>, RepoError> {
    let mut sql = pairs_sql(ctx, query, scope, source);
    let mut tx = store.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
    let rows: Vec<PairRow> = sql.build_query_as().fetch_all(&mut *tx).await.map_err(map_err)?;
    tx.commit().await.map_err(map_err)?;
    let request = PageRequest {
        limit: query.limit,
        sort: PAIR_SORT,
        after: None,
    };
    Ok(Page::from_rows(
        rows.into_iter().map(DuplicatePair::from).collect(),
        &request,
        |p| Cursor {
            value: p.second.to_string(),
            id: p.first,
        },
    ))
}

/// Runs `merge_records()` and reads the winner in the same transaction;
/// appends `audit` and commits, or rolls back for a dry run.
async fn merge<R, T>(
    store: &PgStore,
    ctx: &TenantContext,
    kind: TrashKind,
    columns: &str,
    plan: &MergePlan,
    audit: &AuditEntry,
) -> Result<MergeOutcome<T>, RepoError>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    T: From<R>,
{
    let choices: serde_json::Map<String, serde_json::Value> = plan
        .from_loser
        .iter()
        .map(|field| (field.clone(), serde_json::Value::from("loser")))
        .collect();
    let mut tx = store.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
    let done: Option<serde_json::Value> = sqlx::query_scalar("SELECT merge_records($1, $2, $3, $4, $5, $6)")
        .bind(ctx.tenant_id.as_uuid())
        .bind(kind.as_str())
        .bind(plan.winner)
        .bind(plan.loser)
        .bind(serde_json::Value::Object(choices))
        .bind(ctx.user_id.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
    let done = done.ok_or(RepoError::NotFound)?;
    let table = match kind {
        TrashKind::Contact => "contacts",
        _ => "companies",
    };
    let mut read = QueryBuilder::new(format!("SELECT {columns} FROM {table} WHERE tenant_id = "));
    read.push_bind(ctx.tenant_id.as_uuid())
        .push(" AND id = ")
        .push_bind(plan.winner);
    let winner: R = read.build_query_as().fetch_one(&mut *tx).await.map_err(map_err)?;
    if plan.dry_run {
        tx.rollback().await.map_err(map_err)?;
    } else {
        crate::audit::append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
    }
    let moved = done["moved"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(0))).collect())
        .unwrap_or_else(BTreeMap::new);
    let mut fields: Vec<String> = done["fields"]
        .as_object()
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(custom) = done["custom_fields"].as_array() {
        fields.extend(custom.iter().filter_map(|k| k.as_str()).map(|k| format!("cf.{k}")));
    }
    Ok(MergeOutcome {
        winner: winner.into(),
        moved,
        fields,
    })
}

#[async_trait]
impl MergeRepository<Contacts> for PgStore {
    async fn duplicates(
        &self,
        ctx: &TenantContext,
        query: &DuplicateQuery,
        scope: ReadScope,
    ) -> Result<Page<DuplicatePair>, RepoError> {
        pairs(self, ctx, query, scope, &CONTACT_PAIRS).await
    }

    async fn merge(
        &self,
        ctx: &TenantContext,
        plan: &MergePlan,
        audit: &AuditEntry,
    ) -> Result<MergeOutcome<clearview_contacts::Contact>, RepoError> {
        merge::<ContactRow, _>(self, ctx, TrashKind::Contact, CONTACT_COLUMNS, plan, audit).await
    }
}

#[async_trait]
impl MergeRepository<Companies> for PgStore {
    async fn duplicates(
        &self,
        ctx: &TenantContext,
        query: &DuplicateQuery,
        scope: ReadScope,
    ) -> Result<Page<DuplicatePair>, RepoError> {
        pairs(self, ctx, query, scope, &COMPANY_PAIRS).await
    }

    async fn merge(
        &self,
        ctx: &TenantContext,
        plan: &MergePlan,
        audit: &AuditEntry,
    ) -> Result<MergeOutcome<clearview_contacts::Company>, RepoError> {
        merge::<CompanyRow, _>(self, ctx, TrashKind::Company, COMPANY_COLUMNS, plan, audit).await
    }
}
