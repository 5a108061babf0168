//! Activities over PostgreSQL: keyset-paged timelines and metadata
//! containment (`metadata @> $n::jsonb`, answered by the GIN index).
//! Metadata is bound as text and cast to `jsonb`; it is read back as JSON
//! and re-serialized compactly (not as `metadata::text`, whose spacing makes
//! it longer than what the client sent, so a stored object near the 16 KiB
//! limit would fail validation on its next unrelated change).

use crate::db::PgStore;
use crate::records::{delete_row, fetch_all_scoped, fetch_one_scoped, push_page, select};
use crate::rows::timestamp_cursor;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_activities::{Activities, Activity, ActivityDraft, ActivityKind, ActivityQuery, RecordRepository};
use clearview_kernel::records::ReadScope;
use clearview_kernel::{ActivityId, CompanyId, ContactId, Cursor, DealId, Page, RepoError, TenantContext, UserId};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

const ACTIVITY_COLUMNS: &str = "id, kind, subject, body, deal_id, contact_id, company_id, owner_id, occurred_at, \
     due_at, remind_at, done, completed_at, metadata, timeline_at, created_at, updated_at";

/// The `kind` column, refused when it holds a name the domain does not know
/// (the CHECK constraint makes that a corrupted row, reported as an error).
struct KindColumn(ActivityKind);

impl TryFrom<String> for KindColumn {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        value.parse().map(KindColumn)
    }
}

#[derive(sqlx::FromRow)]
struct ActivityRow {
    id: Uuid,
    #[sqlx(try_from = "String")]
    kind: KindColumn,
    subject: String,
    body: Option<String>,
    deal_id: Option<Uuid>,
    contact_id: Option<Uuid>,
    company_id: Option<Uuid>,
    owner_id: Option<Uuid>,
    occurred_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    remind_at: Option<DateTime<Utc>>,
    done: bool,
    completed_at: Option<DateTime<Utc>>,
    metadata: sqlx::types::JsonValue,
    timeline_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ActivityRow> for Activity {
    fn from(r: ActivityRow) -> Self {
        Activity {
            id: ActivityId::from_uuid(r.id),
            kind: r.kind.0,
            subject: r.subject,
            body: r.body,
            deal_id: r.deal_id.map(DealId::from_uuid),
            contact_id: r.contact_id.map(ContactId::from_uuid),
            company_id: r.company_id.map(CompanyId::from_uuid),
            owner_id: r.owner_id.map(UserId::from_uuid),
            occurred_at: r.occurred_at,
            due_at: r.due_at,
            remind_at: r.remind_at,
            done: r.done,
            completed_at: r.completed_at,
            metadata: r.metadata.to_string(),
            timeline_at: r.timeline_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

fn activity_cursor(field: &str, a: &Activity) -> Cursor {
    let id = a.id.as_uuid();
    match field {
        "created_at" => timestamp_cursor(a.created_at, id),
        _ => timestamp_cursor(a.timeline_at, id),
    }
}

/// The settable columns, in the order of `activity_values`.
const SETTABLE: &str = "kind, subject, body, deal_id, contact_id, company_id, owner_id, occurred_at, due_at, remind_at, done, completed_at, \
     metadata";

fn activity_values(sql: &mut QueryBuilder<Postgres>, draft: &ActivityDraft) {
    let mut values = sql.separated(", ");
    values.push_bind(draft.kind.as_str());
    values.push_bind(draft.subject.clone());
    values.push_bind(draft.body.clone());
    values.push_bind(draft.deal_id.map(|d| d.as_uuid()));
    values.push_bind(draft.contact_id.map(|c| c.as_uuid()));
    values.push_bind(draft.company_id.map(|c| c.as_uuid()));
    values.push_bind(draft.owner_id.map(|o| o.as_uuid()));
    values.push_bind(draft.occurred_at);
    values.push_bind(draft.due_at);
    values.push_bind(draft.remind_at);
    values.push_bind(draft.done);
    values.push_bind(draft.completed_at);
    values.push_bind(draft.metadata.clone());
    values.push_unseparated("::jsonb");
}

#[async_trait]
impl RecordRepository<Activities> for PgStore {
    async fn insert(&self, ctx: &TenantContext, id: ActivityId, draft: &ActivityDraft) -> Result<Activity, RepoError> {
        let mut sql = QueryBuilder::new(format!("INSERT INTO activities (tenant_id, id, {SETTABLE}) VALUES ("));
        sql.push_bind(ctx.tenant_id.as_uuid())
            .push(", ")
            .push_bind(id.as_uuid())
            .push(", ");
        activity_values(&mut sql, draft);
        sql.push(format!(") RETURNING {ACTIVITY_COLUMNS}"));
        fetch_one_scoped::<ActivityRow, Activity>(self, ctx, sql).await
    }

    async fn get(&self, ctx: &TenantContext, id: ActivityId, scope: ReadScope) -> Result<Activity, RepoError> {
        let mut sql = select(ACTIVITY_COLUMNS, "activities", ctx, scope);
        sql.push(" AND id = ").push_bind(id.as_uuid());
        fetch_one_scoped::<ActivityRow, Activity>(self, ctx, sql).await
    }

    async fn update(&self, ctx: &TenantContext, id: ActivityId, draft: &ActivityDraft) -> Result<Activity, RepoError> {
        let mut sql = QueryBuilder::new(format!("UPDATE activities SET updated_at = now(), ({SETTABLE}) = ROW("));
        activity_values(&mut sql, draft);
        sql.push(") WHERE tenant_id = ").push_bind(ctx.tenant_id.as_uuid());
        sql.push(" AND id = ").push_bind(id.as_uuid());
        sql.push(format!(" RETURNING {ACTIVITY_COLUMNS}"));
        fetch_one_scoped::<ActivityRow, Activity>(self, ctx, sql).await
    }

    async fn delete(&self, ctx: &TenantContext, id: ActivityId) -> Result<(), RepoError> {
        delete_row(self, ctx, clearview_kernel::trash::TrashKind::Activity, id.as_uuid()).await
    }

    async fn list(
        &self,
        ctx: &TenantContext,
        query: &ActivityQuery,
        scope: ReadScope,
    ) -> Result<Page<Activity>, RepoError> {
        let mut sql = select(ACTIVITY_COLUMNS, "activities", ctx, scope);
        if let Some(deal) = query.deal_id {
            sql.push(" AND deal_id = ").push_bind(deal.as_uuid());
        }
        if let Some(contact) = query.contact_id {
            sql.push(" AND contact_id = ").push_bind(contact.as_uuid());
        }
        if let Some(company) = query.company_id {
            sql.push(" AND company_id = ").push_bind(company.as_uuid());
        }
        if let Some(kind) = query.kind {
            sql.push(" AND kind = ").push_bind(kind.as_str());
        }
        if let Some(owner) = query.owner_id {
            sql.push(" AND owner_id = ").push_bind(owner.as_uuid());
        }
        if let Some(before) = query.due_before {
            sql.push(" AND due_at < ").push_bind(before);
        }
        if let Some(done) = query.done {
            sql.push(" AND done = ").push_bind(done);
        }
        if let Some(metadata) = &query.metadata {
            sql.push(" AND metadata @> ")
                .push_bind(metadata.clone())
                .push("::jsonb");
        }
        push_page(&mut sql, &query.page)?;
        let rows = fetch_all_scoped::<ActivityRow, Activity>(self, ctx, sql).await?;
        let field = query.page.sort.field;
        Ok(Page::from_rows(rows, &query.page, |a| activity_cursor(field, a)))
    }
}
