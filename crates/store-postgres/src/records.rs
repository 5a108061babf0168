//! Contacts and companies over PostgreSQL, with keyset-paged lists.

use crate::custom_lists::{choose_driver, push_filters_and_page, select_list};
use crate::db::PgStore;
use crate::errors::map_err;
use crate::rows::{
    COMPANY_COLUMNS, CONTACT_COLUMNS, CompanyRow, ContactRow, company_cursor, contact_cursor, cursor_after,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_contacts::{
    Companies, Company, CompanyDraft, CompanyQuery, Contact, ContactDraft, ContactQuery, Contacts, ReadScope,
    RecordRepository, SearchTerm, Visibility, VisibilitySettings,
};
use clearview_kernel::trash::TrashKind;
use clearview_kernel::{CompanyId, ContactId, Page, PageRequest, RepoError, TenantContext};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

/// Starts `SELECT <columns> FROM <table> WHERE tenant_id = $1` with the
/// read scope applied.
pub(crate) fn select(columns: &str, table: &str, ctx: &TenantContext, scope: ReadScope) -> QueryBuilder<Postgres> {
    let mut sql = QueryBuilder::new(format!("SELECT {columns} FROM {table}"));
    push_scope(&mut sql, ctx, scope);
    sql
}

/// ` WHERE tenant_id = $n`, and the owner when the caller sees only theirs.
pub(crate) fn push_scope(sql: &mut QueryBuilder<Postgres>, ctx: &TenantContext, scope: ReadScope) {
    sql.push(" WHERE tenant_id = ").push_bind(ctx.tenant_id.as_uuid());
    if let ReadScope::OwnedBy(owner) = scope {
        sql.push(" AND owner_id = ").push_bind(owner.as_uuid());
    }
}

/// Above this many matches a contains-search term counts as broad.
const SEARCH_HITS_CAP: i32 = 500;

/// Escapes LIKE wildcards so a search term matches literally.
pub(crate) fn like_literal(term: &SearchTerm) -> String {
    term.as_str()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Appends the keyset condition, order and limit (one extra row to learn
/// whether a next page exists). `sort.field` comes from a fixed allow-list.
pub(crate) fn push_page(sql: &mut QueryBuilder<Postgres>, page: &PageRequest) -> Result<(), RepoError> {
    let field = page.sort.field;
    let (cmp, dir) = if page.sort.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(after) = &page.after {
        sql.push(format!(" AND ({field}, id) {cmp} ("));
        let malformed = || RepoError::Unexpected("cursor value is malformed".into());
        if field.ends_with("_at") {
            let at: DateTime<Utc> = after.value.parse().map_err(|_| malformed())?;
            sql.push_bind(at);
        } else if field == "amount" {
            let amount: clearview_kernel::Decimal = after.value.parse().map_err(|_| malformed())?;
            sql.push_bind(amount);
        } else {
            sql.push_bind(after.value.clone());
        }
        sql.push(", ").push_bind(after.id).push(")");
    }
    sql.push(format!(" ORDER BY {field} {dir}, id {dir} LIMIT "))
        .push_bind(i64::from(page.limit.get()) + 1);
    Ok(())
}

pub(crate) async fn fetch_one_scoped<R, T>(
    store: &PgStore,
    ctx: &TenantContext,
    mut sql: QueryBuilder<Postgres>,
) -> Result<T, RepoError>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    T: From<R>,
{
    let mut tx = store.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
    let row: R = sql.build_query_as().fetch_one(&mut *tx).await.map_err(map_err)?;
    tx.commit().await.map_err(map_err)?;
    Ok(row.into())
}

pub(crate) async fn fetch_all_scoped<R, T>(
    store: &PgStore,
    ctx: &TenantContext,
    mut sql: QueryBuilder<Postgres>,
) -> Result<Vec<T>, RepoError>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    T: From<R>,
{
    let mut tx = store.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
    let rows: Vec<R> = sql.build_query_as().fetch_all(&mut *tx).await.map_err(map_err)?;
    tx.commit().await.map_err(map_err)?;
    Ok(rows.into_iter().map(T::from).collect())
}

/// Deletes a record by moving it to the trash with the rows that point at
/// it (`trash_record()`, ADR 0031); `kind` is its trash kind.
pub(crate) async fn delete_row(
    store: &PgStore,
    ctx: &TenantContext,
    kind: TrashKind,
    id: Uuid,
) -> Result<(), RepoError> {
    let mut tx = store.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
    let trashed: bool = sqlx::query_scalar("SELECT trash_record($1, $2, $3, $4)")
        .bind(ctx.tenant_id.as_uuid())
        .bind(kind.as_str())
        .bind(id)
        .bind(ctx.user_id.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
    tx.commit().await.map_err(map_err)?;
    if trashed { Ok(()) } else { Err(RepoError::NotFound) }
}

/// After a unique violation, finds the record that holds the value, so the
/// client can be pointed at it.
async fn existing_id(store: &PgStore, ctx: &TenantContext, sql: &'static str, value: &str) -> Option<Uuid> {
    let mut tx = store.tenant_tx(ctx.tenant_id).await.ok()?;
    let id = sqlx::query_scalar(sql)
        .bind(ctx.tenant_id.as_uuid())
        .bind(value)
        .fetch_optional(&mut *tx)
        .await
        .ok()?;
    tx.commit().await.ok()?;
    id
}

impl PgStore {
    async fn with_existing_contact(&self, ctx: &TenantContext, draft: &ContactDraft, err: RepoError) -> RepoError {
        match (err, &draft.email) {
            (RepoError::Duplicate { field: "email", .. }, Some(email)) => RepoError::Duplicate {
                field: "email",
                existing_id: existing_id(
                    self,
                    ctx,
                    "SELECT id FROM contacts WHERE tenant_id = $1 AND lower(email) = lower($2)",
                    email.as_str(),
                )
                .await,
            },
            (err, _) => err,
        }
    }

    async fn with_existing_company(&self, ctx: &TenantContext, draft: &CompanyDraft, err: RepoError) -> RepoError {
        match (err, &draft.domain) {
            (RepoError::Duplicate { field: "domain", .. }, Some(domain)) => RepoError::Duplicate {
                field: "domain",
                existing_id: existing_id(
                    self,
                    ctx,
                    "SELECT id FROM companies WHERE tenant_id = $1 AND lower(domain) = lower($2)",
                    domain.as_str(),
                )
                .await,
            },
            (err, _) => err,
        }
    }
}

fn contact_values(sql: &mut QueryBuilder<Postgres>, draft: &ContactDraft) {
    let mut values = sql.separated(", ");
    values.push_bind(draft.first_name.clone());
    values.push_bind(draft.last_name.clone());
    values.push_bind(draft.email.as_ref().map(|e| e.as_str().to_owned()));
    values.push_bind(draft.phone.clone());
    values.push_bind(draft.title.clone());
    values.push_bind(draft.company_id.map(|c| c.as_uuid()));
    values.push_bind(draft.owner_id.map(|o| o.as_uuid()));
    values.push_bind(sqlx::types::Json(draft.custom_fields.clone()));
}

#[async_trait]
impl RecordRepository<Contacts> for PgStore {
    async fn insert(&self, ctx: &TenantContext, id: ContactId, draft: &ContactDraft) -> Result<Contact, RepoError> {
        let mut sql = QueryBuilder::new(
            "INSERT INTO contacts (tenant_id, id, first_name, last_name, email, phone, title, company_id, owner_id, custom_fields) VALUES (",
        );
        sql.push_bind(ctx.tenant_id.as_uuid())
            .push(", ")
            .push_bind(id.as_uuid())
            .push(", ");
        contact_values(&mut sql, draft);
        sql.push(format!(") RETURNING {CONTACT_COLUMNS}"));
        match fetch_one_scoped::<ContactRow, Contact>(self, ctx, sql).await {
            Err(err) => Err(self.with_existing_contact(ctx, draft, err).await),
            ok => ok,
        }
    }

    async fn get(&self, ctx: &TenantContext, id: ContactId, scope: ReadScope) -> Result<Contact, RepoError> {
        let mut sql = select(CONTACT_COLUMNS, "contacts", ctx, scope);
        sql.push(" AND id = ").push_bind(id.as_uuid());
        fetch_one_scoped::<ContactRow, Contact>(self, ctx, sql).await
    }

    async fn update(&self, ctx: &TenantContext, id: ContactId, draft: &ContactDraft) -> Result<Contact, RepoError> {
        let mut sql = QueryBuilder::new(
            "UPDATE contacts SET updated_at = now(), (first_name, last_name, email, phone, title, company_id, owner_id, custom_fields) = ROW(",
        );
        contact_values(&mut sql, draft);
        sql.push(") WHERE tenant_id = ").push_bind(ctx.tenant_id.as_uuid());
        sql.push(" AND id = ").push_bind(id.as_uuid());
        sql.push(format!(" RETURNING {CONTACT_COLUMNS}"));
        match fetch_one_scoped::<ContactRow, Contact>(self, ctx, sql).await {
            Err(err) => Err(self.with_existing_contact(ctx, draft, err).await),
            ok => ok,
        }
    }

    async fn delete(&self, ctx: &TenantContext, id: ContactId) -> Result<(), RepoError> {
        delete_row(self, ctx, TrashKind::Contact, id.as_uuid()).await?;
        // An import's copy of the contact's earlier values goes with it
        // (nothing is left to restore; ADR 0011 addendum).
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        sqlx::query("DELETE FROM import_changes WHERE tenant_id = $1 AND entity = 'contact' AND record_id = $2")
            .bind(ctx.tenant_id.as_uuid())
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn list(
        &self,
        ctx: &TenantContext,
        query: &ContactQuery,
        scope: ReadScope,
    ) -> Result<Page<Contact>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let driver = choose_driver(&mut tx, &query.custom, &query.page).await?;
        let mut sql = select_list(
            CONTACT_COLUMNS,
            "contacts",
            "contacts",
            ctx,
            scope,
            &query.custom,
            driver,
            &query.page,
        )?;
        if let Some(owner) = query.owner_id {
            sql.push(" AND owner_id = ").push_bind(owner.as_uuid());
        }
        if let Some(company) = query.company_id {
            sql.push(" AND company_id = ").push_bind(company.as_uuid());
        }
        if let Some(term) = &query.search {
            let literal = like_literal(term);
            if term.as_str().chars().count() < 3 {
                // Too short for trigrams: a prefix of a name or the email,
                // each answered by its own btree range.
                let prefix = format!("{literal}%");
                sql.push(" AND (search_text LIKE ").push_bind(prefix.clone());
                sql.push(" OR lower(last_name) LIKE ").push_bind(prefix.clone());
                sql.push(" OR lower(email) LIKE ").push_bind(prefix).push(")");
            } else {
                let pattern = format!("%{literal}%");
                // Ask the trigram index how broad the term is (see migration
                // 10): a few matches are read by primary key and sorted; a
                // broad term is filtered along the sort order instead, where
                // matches come quickly because they are dense.
                let hits: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM contact_search_hits($1, $2)")
                    .bind(&pattern)
                    .bind(SEARCH_HITS_CAP + 1)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if hits.len() as i32 <= SEARCH_HITS_CAP {
                    sql.push(" AND id = ANY(").push_bind(hits).push(")");
                } else {
                    sql.push(" AND search_text LIKE ").push_bind(pattern);
                }
            }
        }
        push_filters_and_page(&mut sql, "contacts", &query.custom, driver, &query.page)?;
        let rows: Vec<ContactRow> = sql.build_query_as().fetch_all(&mut *tx).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        let rows: Vec<Contact> = rows.into_iter().map(Contact::from).collect();
        let cursor = cursor_after(
            &query.custom,
            &query.page,
            |c: &Contact| (&c.custom_fields, c.id.as_uuid()),
            contact_cursor,
        );
        Ok(Page::from_rows(rows, &query.page, cursor))
    }
}

fn company_values(sql: &mut QueryBuilder<Postgres>, draft: &CompanyDraft) {
    let mut values = sql.separated(", ");
    values.push_bind(draft.name.clone());
    values.push_bind(draft.domain.as_ref().map(|d| d.as_str().to_owned()));
    values.push_bind(draft.phone.clone());
    values.push_bind(draft.owner_id.map(|o| o.as_uuid()));
    values.push_bind(sqlx::types::Json(draft.custom_fields.clone()));
}

#[async_trait]
impl RecordRepository<Companies> for PgStore {
    async fn insert(&self, ctx: &TenantContext, id: CompanyId, draft: &CompanyDraft) -> Result<Company, RepoError> {
        let mut sql = QueryBuilder::new(
            "INSERT INTO companies (tenant_id, id, name, domain, phone, owner_id, custom_fields) VALUES (",
        );
        sql.push_bind(ctx.tenant_id.as_uuid())
            .push(", ")
            .push_bind(id.as_uuid())
            .push(", ");
        company_values(&mut sql, draft);
        sql.push(format!(") RETURNING {COMPANY_COLUMNS}"));
        match fetch_one_scoped::<CompanyRow, Company>(self, ctx, sql).await {
            Err(err) => Err(self.with_existing_company(ctx, draft, err).await),
            ok => ok,
        }
    }

    async fn get(&self, ctx: &TenantContext, id: CompanyId, scope: ReadScope) -> Result<Company, RepoError> {
        let mut sql = select(COMPANY_COLUMNS, "companies", ctx, scope);
        sql.push(" AND id = ").push_bind(id.as_uuid());
        fetch_one_scoped::<CompanyRow, Company>(self, ctx, sql).await
    }

    async fn update(&self, ctx: &TenantContext, id: CompanyId, draft: &CompanyDraft) -> Result<Company, RepoError> {
        let mut sql = QueryBuilder::new(
            "UPDATE companies SET updated_at = now(), (name, domain, phone, owner_id, custom_fields) = ROW(",
        );
        company_values(&mut sql, draft);
        sql.push(") WHERE tenant_id = ").push_bind(ctx.tenant_id.as_uuid());
        sql.push(" AND id = ").push_bind(id.as_uuid());
        sql.push(format!(" RETURNING {COMPANY_COLUMNS}"));
        match fetch_one_scoped::<CompanyRow, Company>(self, ctx, sql).await {
            Err(err) => Err(self.with_existing_company(ctx, draft, err).await),
            ok => ok,
        }
    }

    async fn delete(&self, ctx: &TenantContext, id: CompanyId) -> Result<(), RepoError> {
        delete_row(self, ctx, TrashKind::Company, id.as_uuid()).await
    }

    async fn list(
        &self,
        ctx: &TenantContext,
        query: &CompanyQuery,
        scope: ReadScope,
    ) -> Result<Page<Company>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let driver = choose_driver(&mut tx, &query.custom, &query.page).await?;
        let mut sql = select_list(
            COMPANY_COLUMNS,
            "companies",
            "companies",
            ctx,
            scope,
            &query.custom,
            driver,
            &query.page,
        )?;
        if let Some(owner) = query.owner_id {
            sql.push(" AND owner_id = ").push_bind(owner.as_uuid());
        }
        if let Some(term) = &query.search {
            sql.push(" AND lower(name || ' ' || coalesce(domain, '')) LIKE ")
                .push_bind(format!("%{}%", like_literal(term)));
        }
        push_filters_and_page(&mut sql, "companies", &query.custom, driver, &query.page)?;
        let rows: Vec<CompanyRow> = sql.build_query_as().fetch_all(&mut *tx).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        let rows: Vec<Company> = rows.into_iter().map(Company::from).collect();
        let cursor = cursor_after(
            &query.custom,
            &query.page,
            |c: &Company| (&c.custom_fields, c.id.as_uuid()),
            company_cursor,
        );
        Ok(Page::from_rows(rows, &query.page, cursor))
    }
}

#[async_trait]
impl VisibilitySettings for PgStore {
    async fn rep_visibility(&self, ctx: &TenantContext) -> Result<Visibility, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let setting: String = sqlx::query_scalar("SELECT rep_visibility FROM organizations WHERE tenant_id = $1")
            .bind(ctx.tenant_id.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(if setting == "own" {
            Visibility::Own
        } else {
            Visibility::All
        })
    }
}
