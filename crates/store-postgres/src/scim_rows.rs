//! Reading SCIM users and groups: rows to domain values (the name and the
//! addresses are JSONB as the provider sent them) and the filtered pages.

use crate::errors::map_err;
use chrono::{DateTime, Utc};
use clearview_kernel::RepoError;
use clearview_tenancy::scim::{
    GroupAttributes, ScimEmail, ScimFilter, ScimGroup, ScimName, ScimPage, ScimUser, UserAttributes,
};
use serde_json::{Map, Value, json};
use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

pub(crate) const USER_COLUMNS: &str =
    "id, user_id, user_name, external_id, display_name, name, emails, active, created_at, updated_at, version";
pub(crate) type UserRow = (
    Uuid,
    Option<Uuid>,
    String,
    Option<String>,
    Option<String>,
    Option<Value>,
    Value,
    Option<bool>,
    DateTime<Utc>,
    DateTime<Utc>,
    i64,
);

fn text(object: &Value, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A user and the identity it is linked to.
pub(crate) fn user_from(row: UserRow) -> (ScimUser, Option<Uuid>) {
    let (id, linked, user_name, external_id, display_name, name, emails, active, created_at, updated_at, version) = row;
    let name = name.map(|n| ScimName {
        formatted: text(&n, "formatted"),
        family_name: text(&n, "familyName"),
        given_name: text(&n, "givenName"),
    });
    let emails = emails
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| ScimEmail {
            value: text(e, "value").unwrap_or_default(),
            kind: text(e, "type"),
            primary: e.get("primary").and_then(Value::as_bool),
        })
        .collect();
    let attributes = UserAttributes {
        user_name,
        external_id,
        display_name,
        name,
        emails,
        active,
    };
    let user = ScimUser {
        id,
        attributes,
        created_at,
        updated_at,
        version,
    };
    (user, linked)
}

/// The JSONB forms of a user's name and addresses (absent parts omitted).
pub(crate) fn user_json(user: &UserAttributes) -> (Option<Value>, Value) {
    let name = user.name.as_ref().map(|n| {
        let mut object = Map::new();
        for (key, part) in [
            ("formatted", &n.formatted),
            ("familyName", &n.family_name),
            ("givenName", &n.given_name),
        ] {
            if let Some(part) = part {
                object.insert(key.into(), json!(part));
            }
        }
        Value::Object(object)
    });
    let emails = user
        .emails
        .iter()
        .map(|e| {
            let mut object = Map::new();
            object.insert("value".into(), json!(e.value));
            if let Some(kind) = &e.kind {
                object.insert("type".into(), json!(kind));
            }
            if let Some(primary) = e.primary {
                object.insert("primary".into(), json!(primary));
            }
            Value::Object(object)
        })
        .collect();
    (name, Value::Array(emails))
}

pub(crate) async fn load_user(
    conn: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
) -> Result<Option<(ScimUser, Option<Uuid>)>, RepoError> {
    let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM scim_users WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(map_err)?;
    Ok(row.map(user_from))
}

/// The SQL condition of a filter on `$2` (`TRUE` when there is none) and
/// its value, as text.
fn condition(filter: &ScimFilter) -> (&'static str, Option<String>) {
    match filter {
        ScimFilter::All => ("TRUE", None),
        ScimFilter::Nothing => ("FALSE", None),
        ScimFilter::UserName(v) => ("lower(user_name) = lower($2)", Some(v.clone())),
        ScimFilter::ExternalId(v) => ("lower(external_id) = lower($2)", Some(v.clone())),
        ScimFilter::DisplayName(v) => ("lower(display_name) = lower($2)", Some(v.clone())),
        ScimFilter::Id(id) => ("id = $2::uuid", Some(id.to_string())),
    }
}

/// One page of a table's rows matching the filter, in creation order, and
/// how many match in all.
pub(crate) async fn page<R>(
    conn: &mut PgConnection,
    table: &'static str,
    columns: &'static str,
    tenant: Uuid,
    filter: &ScimFilter,
    page: ScimPage,
) -> Result<(u64, Vec<R>), RepoError>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let (condition, value) = condition(filter);
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM {table} WHERE tenant_id = $1 AND {condition}"
    )))
    .bind(tenant)
    .bind(value.clone())
    .fetch_one(&mut *conn)
    .await
    .map_err(map_err)?;
    let rows: Vec<R> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {columns} FROM {table} WHERE tenant_id = $1 AND {condition} \
         ORDER BY created_at, id OFFSET $3 LIMIT $4"
    )))
    .bind(tenant)
    .bind(value)
    .bind(i64::try_from(page.start_index.saturating_sub(1)).unwrap_or(i64::MAX))
    .bind(i64::try_from(page.count).unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    Ok((u64::try_from(total).unwrap_or_default(), rows))
}

pub(crate) const GROUP_COLUMNS: &str = "id, display_name, external_id, created_at, updated_at, version";
pub(crate) type GroupRow = (Uuid, String, Option<String>, DateTime<Utc>, DateTime<Utc>, i64);

/// Groups with their members, in member order.
pub(crate) async fn groups_from(
    conn: &mut PgConnection,
    tenant: Uuid,
    rows: Vec<GroupRow>,
) -> Result<Vec<ScimGroup>, RepoError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let members: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT group_id, user_id FROM scim_group_members WHERE tenant_id = $1 AND group_id = ANY($2) \
         ORDER BY group_id, position",
    )
    .bind(tenant)
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let mut by_group: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (group, user) in members {
        by_group.entry(group).or_default().push(user);
    }
    Ok(rows
        .into_iter()
        .map(
            |(id, display_name, external_id, created_at, updated_at, version)| ScimGroup {
                id,
                attributes: GroupAttributes {
                    display_name,
                    external_id,
                    members: by_group.remove(&id).unwrap_or_default(),
                },
                created_at,
                updated_at,
                version,
            },
        )
        .collect())
}

pub(crate) async fn load_group(
    conn: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
) -> Result<Option<ScimGroup>, RepoError> {
    let row: Option<GroupRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM scim_groups WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(map_err)?;
    Ok(groups_from(conn, tenant, row.into_iter().collect()).await?.pop())
}
