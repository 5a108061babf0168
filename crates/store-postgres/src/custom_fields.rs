//! Custom field definitions over PostgreSQL (ADR 0034). The SQL that
//! filters and sorts a list by custom values is in `custom_lists`.

use crate::audit::append_for;
use crate::db::PgStore;
use crate::errors::map_err;
use async_trait::async_trait;
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::custom_fields::{
    CustomEntity, CustomFieldRepository, FieldDefinition, FieldDefinitions, FieldDraft, FieldType, SelectOption,
};
use clearview_kernel::{Currency, RepoError, TenantContext};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
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
