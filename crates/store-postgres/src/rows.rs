//! Database rows and their conversion into domain records.

use chrono::{DateTime, Utc};
use clearview_contacts::{Company, Contact};
use clearview_kernel::custom_fields::{CustomQuery, CustomValues};
use clearview_kernel::{CompanyId, ContactId, Cursor, PageRequest, UserId};
use sqlx::types::Json;
use uuid::Uuid;

pub(crate) const CONTACT_COLUMNS: &str =
    "id, first_name, last_name, email, phone, title, company_id, owner_id, custom_fields, created_at, updated_at";
pub(crate) const COMPANY_COLUMNS: &str = "id, name, domain, phone, owner_id, custom_fields, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ContactRow {
    id: Uuid,
    first_name: String,
    last_name: String,
    email: Option<String>,
    phone: Option<String>,
    title: Option<String>,
    company_id: Option<Uuid>,
    owner_id: Option<Uuid>,
    custom_fields: Json<CustomValues>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ContactRow> for Contact {
    fn from(r: ContactRow) -> Self {
        Contact {
            id: ContactId::from_uuid(r.id),
            first_name: r.first_name,
            last_name: r.last_name,
            email: r.email,
            phone: r.phone,
            title: r.title,
            company_id: r.company_id.map(CompanyId::from_uuid),
            owner_id: r.owner_id.map(UserId::from_uuid),
            custom_fields: r.custom_fields.0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CompanyRow {
    id: Uuid,
    name: String,
    domain: Option<String>,
    phone: Option<String>,
    owner_id: Option<Uuid>,
    custom_fields: Json<CustomValues>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<CompanyRow> for Company {
    fn from(r: CompanyRow) -> Self {
        Company {
            id: CompanyId::from_uuid(r.id),
            name: r.name,
            domain: r.domain,
            phone: r.phone,
            owner_id: r.owner_id.map(UserId::from_uuid),
            custom_fields: r.custom_fields.0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub(crate) fn timestamp_cursor(at: DateTime<Utc>, id: Uuid) -> Cursor {
    Cursor::at(at, id)
}

/// The cursor after a record under the page's sort, a custom field's or a
/// column's (`by_column`).
pub(crate) fn cursor_after<T>(
    custom: &CustomQuery,
    page: &PageRequest,
    values: impl Fn(&T) -> (&CustomValues, Uuid),
    by_column: impl Fn(&str, &T) -> Cursor,
) -> impl Fn(&T) -> Cursor {
    let field = page.sort.field;
    move |record| match &custom.sort {
        Some(sort) => {
            let (values, id) = values(record);
            sort.cursor_after(values, id)
        }
        None => by_column(field, record),
    }
}

pub(crate) fn contact_cursor(field: &str, c: &Contact) -> Cursor {
    let id = c.id.as_uuid();
    match field {
        "first_name" => Cursor {
            value: c.first_name.clone(),
            id,
        },
        "last_name" => Cursor {
            value: c.last_name.clone(),
            id,
        },
        "updated_at" => timestamp_cursor(c.updated_at, id),
        _ => timestamp_cursor(c.created_at, id),
    }
}

pub(crate) fn company_cursor(field: &str, c: &Company) -> Cursor {
    let id = c.id.as_uuid();
    match field {
        "name" => Cursor {
            value: c.name.clone(),
            id,
        },
        "updated_at" => timestamp_cursor(c.updated_at, id),
        _ => timestamp_cursor(c.created_at, id),
    }
}
