//! Custom field definitions over PostgreSQL (ADR 0034), and the SQL that
//! filters and sorts a list by custom values through `custom_field_values`.

use crate::audit::append_for;
use crate::db::PgStore;
use crate::errors::map_err;
use async_trait::async_trait;
use chrono::NaiveDate;
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::custom_fields::{
    CustomCondition, CustomEntity, CustomFieldRepository, CustomQuery, CustomSort, FieldDefinition, FieldDefinitions,
    FieldDraft, FieldType, FilterOp, SelectOption, ValueColumn,
};
use clearview_kernel::{Currency, Decimal, PageRequest, RepoError, TenantContext};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

const COLUMNS: &str = "id, entity, key, label, field_type, options, currency::text AS currency, required, position";

#[derive(Serialize, Deserialize)]
struct OptionRow {
    key: String,
    label: String,
}

#[derive(sqlx::FromRow)]
struct FieldRow {
    id: Uuid,
    entity: String,
    key: String,
    label: String,
    field_type: String,
    options: Json<Vec<OptionRow>>,
    currency: Option<String>,
    required: bool,
    position: i32,
}

fn unexpected(why: String) -> RepoError {
    RepoError::Unexpected(why.into())
}

impl FieldRow {
    fn into_definition(self) -> Result<FieldDefinition, RepoError> {
        Ok(FieldDefinition {
            id: self.id,
            entity: CustomEntity::parse(&self.entity).map_err(unexpected)?,
            key: self.key,
            label: self.label,
            field_type: FieldType::parse(&self.field_type).map_err(unexpected)?,
            options: self
                .options
                .0
                .into_iter()
                .map(|o| SelectOption {
                    key: o.key,
                    label: o.label,
                })
                .collect(),
            currency: self
                .currency
                .as_deref()
                .map(Currency::parse)
                .transpose()
                .map_err(unexpected)?,
            required: self.required,
            position: self.position,
        })
    }
}

fn options_json(draft: &FieldDraft) -> Json<Vec<OptionRow>> {
    Json(
        draft
            .options
            .iter()
            .map(|o| OptionRow {
                key: o.key.clone(),
                label: o.label.clone(),
            })
            .collect(),
    )
}

fn definitions_of(rows: Vec<FieldRow>) -> Result<Vec<FieldDefinition>, RepoError> {
    rows.into_iter().map(FieldRow::into_definition).collect()
}

#[async_trait]
impl FieldDefinitions for PgStore {
    async fn definitions(&self, ctx: &TenantContext, entity: CustomEntity) -> Result<Vec<FieldDefinition>, RepoError> {
        CustomFieldRepository::list(self, ctx, Some(entity)).await
    }
}

#[async_trait]
impl CustomFieldRepository for PgStore {
    async fn list(&self, ctx: &TenantContext, entity: Option<CustomEntity>) -> Result<Vec<FieldDefinition>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let rows: Vec<FieldRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM custom_fields WHERE tenant_id = $1 AND ($2::text IS NULL OR entity = $2) \
             ORDER BY entity, position, label, id"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(entity.map(CustomEntity::as_str))
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        definitions_of(rows)
    }

    async fn get(&self, ctx: &TenantContext, id: Uuid) -> Result<FieldDefinition, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: FieldRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM custom_fields WHERE tenant_id = $1 AND id = $2"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.into_definition()
    }

    async fn insert(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        draft: &FieldDraft,
        audit: &AuditEntry,
    ) -> Result<FieldDefinition, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: FieldRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO custom_fields (tenant_id, id, entity, key, label, field_type, options, currency, required, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10, (SELECT coalesce(max(position) + 1, 0) \
             FROM custom_fields WHERE tenant_id = $1 AND entity = $3))) RETURNING {COLUMNS}"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(id)
        .bind(draft.entity.as_str())
        .bind(&draft.key)
        .bind(&draft.label)
        .bind(draft.field_type.as_str())
        .bind(options_json(draft))
        .bind(draft.currency.map(|c| c.as_str().to_owned()))
        .bind(draft.required)
        .bind(draft.position)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.into_definition()
    }

    async fn update(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        draft: &FieldDraft,
        removed_options: &[String],
        audit: &AuditEntry,
    ) -> Result<FieldDefinition, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        for option in removed_options {
            sqlx::query("SELECT drop_custom_field_option($1, $2, $3)")
                .bind(ctx.tenant_id.as_uuid())
                .bind(id)
                .bind(option)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        let row: FieldRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE custom_fields SET updated_at = now(), label = $3, options = $4, required = $5, \
             position = coalesce($6, position) \
             WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(id)
        .bind(&draft.label)
        .bind(options_json(draft))
        .bind(draft.required)
        .bind(draft.position)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.into_definition()
    }

    async fn delete(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<(), RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let deleted: bool = sqlx::query_scalar("SELECT delete_custom_field($1, $2)")
            .bind(ctx.tenant_id.as_uuid())
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        if !deleted {
            return Err(RepoError::NotFound);
        }
        append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }
}

/// Binds a checked filter or cursor value as its column's type.
fn push_typed(sql: &mut QueryBuilder<Postgres>, column: ValueColumn, value: &str) -> Result<(), RepoError> {
    let malformed = || unexpected(format!("custom value {value:?} does not fit its column"));
    match column {
        ValueColumn::Num => sql.push_bind(value.parse::<Decimal>().map_err(|_| malformed())?),
        ValueColumn::Day => sql.push_bind(NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| malformed())?),
        ValueColumn::Txt => sql.push_bind(value.to_owned()),
    };
    Ok(())
}

/// `table` is the name (or alias) the list's query reads records under.
///
/// Appends one `AND <table>.id IN (…)` per resolved filter: the records with a
/// value of the field that matches (one range of a value index each).
pub(crate) fn push_conditions(
    sql: &mut QueryBuilder<Postgres>,
    table: &str,
    conditions: &[CustomCondition],
) -> Result<(), RepoError> {
    for condition in conditions {
        if condition.column == ValueColumn::Num {
            push_number_condition(sql, table, condition)?;
            continue;
        }
        let column = condition.column.as_str();
        sql.push(format!(
            " AND {table}.id IN (SELECT record_id FROM custom_field_values WHERE field_id = "
        ))
        .push_bind(condition.field_id);
        match &condition.op {
            FilterOp::AnyOf(values) if values.len() == 1 => {
                sql.push(format!(" AND {column} = "));
                push_typed(sql, condition.column, &values[0])?;
            }
            FilterOp::AnyOf(values) => {
                sql.push(format!(" AND {column} IN ("));
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    push_typed(sql, condition.column, value)?;
                }
                sql.push(")");
            }
            FilterOp::Gte(value) => {
                sql.push(format!(" AND {column} >= "));
                push_typed(sql, condition.column, value)?;
            }
            FilterOp::Lte(value) => {
                sql.push(format!(" AND {column} <= "));
                push_typed(sql, condition.column, value)?;
            }
        }
        sql.push(")");
    }
    Ok(())
}

/// A number or amount filter, through `custom_number_matches()`: numeric
/// comparisons are not leakproof, so under RLS they could not use the
/// value index (migration 20261206000008).
fn push_number_condition(
    sql: &mut QueryBuilder<Postgres>,
    table: &str,
    condition: &CustomCondition,
) -> Result<(), RepoError> {
    let decimal = |value: &String| {
        value
            .parse::<Decimal>()
            .map_err(|_| unexpected(format!("custom value {value:?} is not a number")))
    };
    let (min, max) = match &condition.op {
        FilterOp::AnyOf(values) => {
            let value = values.first().map(decimal).transpose()?;
            (value, value)
        }
        FilterOp::Gte(value) => (Some(decimal(value)?), None),
        FilterOp::Lte(value) => (None, Some(decimal(value)?)),
    };
    sql.push(format!(
        " AND {table}.id IN (SELECT record_id FROM custom_number_matches("
    ))
    .push_bind(condition.field_id)
    .push(", ")
    .push_bind(min)
    .push(", ")
    .push_bind(max)
    .push("))");
    Ok(())
}

fn push_sort_value(sql: &mut QueryBuilder<Postgres>, table: &str, sort: &CustomSort) {
    let column = sort.column.as_str();
    sql.push(format!(
        "(SELECT v.{column} FROM custom_field_values v \
         WHERE v.tenant_id = {table}.tenant_id AND v.record_id = {table}.id AND v.field_id = "
    ))
    .push_bind(sort.field.id)
    .push(" LIMIT 1)");
}

/// Appends the keyset condition, order and limit of a custom-field sort:
/// by the value, records without one last, ties on id. The filter and sort
/// conditions come first.
pub(crate) fn push_custom_page(
    sql: &mut QueryBuilder<Postgres>,
    table: &str,
    custom: &CustomQuery,
    page: &PageRequest,
) -> Result<(), RepoError> {
    push_conditions(sql, table, &custom.conditions)?;
    let Some(sort) = &custom.sort else {
        return Err(unexpected("a custom-field sort without its field".into()));
    };
    let (cmp, dir) = if page.sort.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(after) = &page.after {
        match CustomQuery::cursor_value(after) {
            Some(value) => {
                sql.push(" AND (");
                push_sort_value(sql, table, sort);
                sql.push(format!(" {cmp} "));
                push_typed(sql, sort.column, value)?;
                sql.push(" OR (");
                push_sort_value(sql, table, sort);
                sql.push(" = ");
                push_typed(sql, sort.column, value)?;
                sql.push(format!(" AND {table}.id {cmp} ")).push_bind(after.id);
                sql.push(") OR ");
                push_sort_value(sql, table, sort);
                sql.push(" IS NULL)");
            }
            None => {
                sql.push(" AND ");
                push_sort_value(sql, table, sort);
                sql.push(format!(" IS NULL AND {table}.id {cmp} ")).push_bind(after.id);
            }
        }
    }
    sql.push(" ORDER BY ");
    push_sort_value(sql, table, sort);
    sql.push(format!(" {dir} NULLS LAST, {table}.id {dir} LIMIT "))
        .push_bind(i64::from(page.limit.get()) + 1);
    Ok(())
}

/// The filters, then the page: by a custom field or by a column.
pub(crate) fn push_filters_and_page(
    sql: &mut QueryBuilder<Postgres>,
    table: &str,
    custom: &CustomQuery,
    page: &PageRequest,
) -> Result<(), RepoError> {
    if custom.sort.is_some() {
        push_custom_page(sql, table, custom, page)
    } else {
        push_conditions(sql, table, &custom.conditions)?;
        crate::records::push_page(sql, page)
    }
}
