//! `/api/webhooks`: admins subscribe URLs to events, read each
//! subscription's delivery log and send a delivery again (ADR 0026).
//! An admin API key may manage them too (integrations subscribe
//! themselves).

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::audit::origin;
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use clearview_tenancy::{Delivery, Webhook};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Failed attempts since the last success; at 50 the endpoint is
    /// disabled and the admins are e-mailed.
    pub failure_streak: i32,
    /// When it was disabled for failing; null while it is on.
    pub disabled_at: Option<DateTime<Utc>>,
    /// After a rotation, until when the previous secret also signs.
    pub previous_secret_until: Option<DateTime<Utc>>,
}

impl From<Webhook> for WebhookView {
    fn from(w: Webhook) -> Self {
        WebhookView {
            id: w.id,
            url: w.url,
            events: w.events,
            created_by: w.created_by.map(|u| u.as_uuid()),
            created_at: w.created_at,
            failure_streak: w.failure_streak,
            disabled_at: w.disabled_at,
            previous_secret_until: w.previous_secret_until,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    pub data: Vec<WebhookView>,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The signing secret (`whsec_…`, Standard Webhooks): verify every
    /// delivery's `webhook-signature` with it. Shown only in this answer.
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// Where deliveries are POSTed: https, a public address.
    pub url: String,
    /// Event types, e.g. `deal.won`; see ADR 0026 for the list.
    pub events: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_type: String,
    /// `pending`, `delivered` or `failed` (every attempt failed).
    pub state: String,
    pub attempts: i32,
    /// The last attempt's HTTP status; null when no answer came.
    pub response_code: Option<i32>,
    pub latency_ms: Option<i32>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id,
            webhook_id: d.webhook_id,
            event_type: d.event_type,
            state: d.state,
            attempts: d.attempts,
            response_code: d.response_code,
            latency_ms: d.latency_ms,
            error: d.error,
            created_at: d.created_at,
            last_attempt_at: d.last_attempt_at,
            delivered_at: d.delivered_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    pub data: Vec<DeliveryView>,
}

/// Subscribes a URL to event types (admins). A URL that is not https or
/// that resolves to a private, loopback or reserved address is a 422
/// naming `url`.
#[utoipa::path(post, operation_id = "webhooks_create", path = "/api/webhooks", tag = "webhooks", request_body = WebhookBody,
    responses((status = 201, body = WebhookCreated), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<WebhookBody>,
) -> Result<HttpResponse, ApiError> {
    let (webhook, secret) = state
        .webhooks
        .create(&session.ctx, &body.url, &body.events, &origin(&req))
        .await?;
    Ok(HttpResponse::Created().json(WebhookCreated {
        webhook: webhook.into(),
        secret,
    }))
}

/// The organization's subscriptions, newest first (admins).
#[utoipa::path(get, operation_id = "webhooks_list", path = "/api/webhooks", tag = "webhooks",
    responses((status = 200, body = WebhookList), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(session: Session, state: Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let hooks = state.webhooks.list(&session.ctx).await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        data: hooks.into_iter().map(WebhookView::from).collect(),
    }))
}

/// Deletes a subscription and its delivery log (admins).
#[utoipa::path(delete, operation_id = "webhooks_delete", path = "/api/webhooks/{id}", params(("id" = uuid::Uuid, Path, description = "The subscription's id (UUID)")), tag = "webhooks",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state.webhooks.delete(&session.ctx, *id, &origin(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The subscription's newest 100 deliveries, with each one's last attempt
/// (admins).
#[utoipa::path(get, operation_id = "webhooks_deliveries", path = "/api/webhooks/{id}/deliveries", params(("id" = uuid::Uuid, Path, description = "The subscription's id (UUID)")), tag = "webhooks",
    responses((status = 200, body = DeliveryList), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn deliveries(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let deliveries = state.webhooks.deliveries(&session.ctx, *id).await?;
    Ok(HttpResponse::Ok().json(DeliveryList {
        data: deliveries.into_iter().map(DeliveryView::from).collect(),
    }))
}

/// Sends a delivery again, with the same `webhook-id` (admins): 202, the
/// attempt is queued.
#[utoipa::path(post, operation_id = "webhooks_redeliver", path = "/api/webhooks/{id}/deliveries/{delivery_id}/redeliver",
    params(("id" = uuid::Uuid, Path, description = "The subscription's id (UUID)"), ("delivery_id" = uuid::Uuid, Path, description = "The delivery's id (UUID)")), tag = "webhooks",
    responses((status = 202, body = DeliveryView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn redeliver(
    session: Session,
    state: Data<ApiState>,
    ids: Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (webhook, delivery) = ids.into_inner();
    let delivery = state.webhooks.redeliver(&session.ctx, webhook, delivery).await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::from(delivery)))
}

/// A new signing secret, shown once (admins). For 24 hours deliveries are
/// signed with the old one too, so a receiver can switch without a gap.
#[utoipa::path(post, operation_id = "webhooks_rotate_secret", path = "/api/webhooks/{id}/rotate-secret", params(("id" = uuid::Uuid, Path, description = "The subscription's id (UUID)")), tag = "webhooks",
    responses((status = 200, body = WebhookCreated), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn rotate_secret(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (webhook, secret) = state
        .webhooks
        .rotate_secret(&session.ctx, *id, Utc::now(), &origin(&req))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookCreated {
        webhook: webhook.into(),
        secret,
    }))
}

/// Turns a subscription disabled for failing on again (admins); events from
/// now on are delivered (send the failed ones again from the log).
#[utoipa::path(post, operation_id = "webhooks_enable", path = "/api/webhooks/{id}/enable", params(("id" = uuid::Uuid, Path, description = "The subscription's id (UUID)")), tag = "webhooks",
    responses((status = 200, body = WebhookView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn enable(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let webhook = state.webhooks.enable(&session.ctx, *id).await?;
    Ok(HttpResponse::Ok().json(WebhookView::from(webhook)))
}
