//! `/api/api-keys`: admins create, list and revoke the organization's API
//! keys (ADR 0025). Only a signed-in person manages keys: a key cannot
//! mint or revoke keys.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::audit::origin;
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use clearview_tenancy::{ApiKey, KeyRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    /// admin, manager, rep or viewer: what the key may do.
    pub role: String,
    /// `read` (only GET) or `write` (everything its role allows).
    pub scope: String,
    /// `…` and the secret's last characters, to tell keys apart.
    pub hint: String,
    /// The admin the key acts for; `null` once they left (the key no
    /// longer works).
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyView {
    fn from(k: ApiKey) -> Self {
        ApiKeyView {
            id: k.id,
            name: k.name,
            role: k.role.as_str().into(),
            scope: k.scope.as_str().into(),
            hint: k.hint,
            created_by: k.created_by.map(|u| u.as_uuid()),
            created_at: k.created_at,
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyList {
    pub data: Vec<ApiKeyView>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    pub key: ApiKeyView,
    /// The key itself: send it as `Authorization: Bearer <secret>`. Shown
    /// only in this answer; it cannot be read again.
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyBody {
    /// 1–100 characters, e.g. the integration's name.
    pub name: String,
    /// admin, manager, rep or viewer.
    pub role: String,
    /// `read` or `write` (default).
    pub scope: Option<String>,
    /// Days until the key stops working (1–3650); none: never.
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<u32>,
}

/// Creates a key (admins, signed in). The secret is in this answer only.
#[utoipa::path(post, operation_id = "api_keys_create", path = "/api/api-keys", tag = "api-keys", request_body = ApiKeyBody,
    responses((status = 201, body = ApiKeyCreated), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<ApiKeyBody>,
) -> Result<HttpResponse, ApiError> {
    let ctx = session.person()?;
    let request = KeyRequest {
        name: body.name,
        role: body.role,
        scope: body.scope,
        expires_in_days: body.expires_in_days,
    };
    let (key, secret) = state.api_keys.create(ctx, &request, Utc::now(), &origin(&req)).await?;
    Ok(HttpResponse::Created().json(ApiKeyCreated {
        key: key.into(),
        secret,
    }))
}

/// The organization's live keys, newest first (admins, signed in).
#[utoipa::path(get, operation_id = "api_keys_list", path = "/api/api-keys", tag = "api-keys",
    responses((status = 200, body = ApiKeyList), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(session: Session, state: Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let keys = state.api_keys.list(session.person()?).await?;
    Ok(HttpResponse::Ok().json(ApiKeyList {
        data: keys.into_iter().map(ApiKeyView::from).collect(),
    }))
}

/// Revokes a key (admins, signed in): the next request with it is a 401.
#[utoipa::path(delete, operation_id = "api_keys_revoke", path = "/api/api-keys/{id}", params(("id" = uuid::Uuid, Path, description = "The key's id (UUID)")), tag = "api-keys",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let ctx = session.person()?;
    state.api_keys.revoke(ctx, *id, &origin(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
