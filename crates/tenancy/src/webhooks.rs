//! Outgoing webhooks (ADR 0026): admins subscribe a URL to event types;
//! each event, recorded by the database in the transaction that caused it,
//! becomes one delivery per matching subscription, sent signed (Standard
//! Webhooks) by the worker and retried on a schedule of about a day. Every
//! attempt is kept in the subscription's delivery log; an admin can send a
//! delivery again.
//!
//! The URL guard (https only, no private, loopback or link-local address,
//! checked at creation and again at every delivery because DNS can change)
//! and the signature live behind the `WebhookSender` port.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::records::RecordError;
use clearview_kernel::{RepoError, Role, TenantContext, TenantId, UserId, ValidationErrors};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Every event type a subscription may name.
pub const EVENT_TYPES: [&str; 14] = [
    "contact.created",
    "contact.updated",
    "contact.deleted",
    "company.created",
    "company.updated",
    "company.deleted",
    "deal.created",
    "deal.updated",
    "deal.deleted",
    "deal.stage_changed",
    "deal.won",
    "deal.lost",
    "activity.created",
    "import.finished",
];

/// Delay after each failed attempt (the Standard Webhooks schedule): the
/// eighth attempt comes about 28 hours after the first, and is the last.
pub const RETRY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// The wait before the attempt after `attempt` (from 1).
pub fn retry_delay(attempt: i32) -> Duration {
    let index = usize::try_from(attempt.max(1) - 1).unwrap_or(0);
    RETRY_SCHEDULE[index.min(RETRY_SCHEDULE.len() - 1)]
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    /// `whsec_…`; the adapter stores it sealed.
    pub secret: String,
}

/// One event's delivery to one subscription, as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_type: String,
    /// `pending`, `delivered` or `failed` (every attempt failed).
    pub state: String,
    pub attempts: i32,
    /// The last attempt's HTTP status, latency and error.
    pub response_code: Option<i32>,
    pub latency_ms: Option<i32>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// What the worker sends: the delivery id is the `webhook-id` header, the
/// same on every attempt so a receiver can drop duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub delivery_id: Uuid,
    pub url: String,
    pub secret: String,
    /// The JSON body, exactly as signed.
    pub body: String,
}

/// One attempt's result. A 2xx answer is a success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub response_code: Option<u16>,
    pub latency_ms: u32,
    pub error: Option<String>,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.response_code.is_some_and(|c| (200..300).contains(&c)) && self.error.is_none()
    }
}

/// Storage of subscriptions and their delivery logs. Another tenant's ids
/// are `NotFound`.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait WebhookRepository: Send + Sync {
    async fn create(&self, ctx: &TenantContext, hook: &NewWebhook) -> Result<Webhook, RepoError>;
    async fn list(&self, ctx: &TenantContext) -> Result<Vec<Webhook>, RepoError>;
    /// Deletes the subscription and its log; queued attempts find nothing.
    async fn delete(&self, ctx: &TenantContext, id: Uuid) -> Result<(), RepoError>;
    /// The newest `limit` deliveries of one subscription.
    async fn deliveries(&self, ctx: &TenantContext, webhook: Uuid, limit: i64) -> Result<Vec<Delivery>, RepoError>;
    /// Queues the delivery again (a new job, state pending).
    async fn redeliver(&self, ctx: &TenantContext, webhook: Uuid, delivery: Uuid) -> Result<Delivery, RepoError>;
    /// The delivery to attempt, with its subscription's URL and secret;
    /// `None` when the subscription is gone.
    async fn outgoing(&self, tenant: TenantId, delivery: Uuid) -> Result<Option<Outgoing>, RepoError>;
    /// Logs an attempt; `last` marks a failed delivery that will not be
    /// tried again.
    async fn record_attempt(
        &self,
        tenant: TenantId,
        delivery: Uuid,
        attempt: &Attempt,
        last: bool,
    ) -> Result<(), RepoError>;
}

/// The outgoing side: the URL guard, secrets, signing and sending.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait WebhookSender: Send + Sync {
    /// Why this URL may not receive webhooks, if it may not.
    async fn refusal(&self, url: &str) -> Option<String>;
    /// A new signing secret.
    fn new_secret(&self) -> String;
    /// Signs and sends one attempt (never follows a redirect).
    async fn send(&self, outgoing: &Outgoing) -> Attempt;
}

#[derive(Clone)]
pub struct WebhookService {
    hooks: Arc<dyn WebhookRepository>,
    sender: Arc<dyn WebhookSender>,
}

fn admin_only(ctx: &TenantContext) -> Result<(), RecordError> {
    if ctx.role == Role::Admin {
        Ok(())
    } else {
        Err(RecordError::Forbidden("only admins manage webhooks"))
    }
}

/// Longest log page.
pub const DELIVERY_PAGE: i64 = 100;

impl WebhookService {
    pub fn new(hooks: Arc<dyn WebhookRepository>, sender: Arc<dyn WebhookSender>) -> Self {
        Self { hooks, sender }
    }

    /// Subscribes `url` to `events`; returns it with its secret (shown once).
    pub async fn create(
        &self,
        ctx: &TenantContext,
        url: &str,
        events: &[String],
    ) -> Result<(Webhook, String), RecordError> {
        admin_only(ctx)?;
        let mut errors = ValidationErrors::new();
        let url = url.trim();
        if url.is_empty() || url.chars().count() > 2000 {
            errors.add("url", "must be 1 to 2000 characters");
        } else if let Some(why) = self.sender.refusal(url).await {
            errors.add("url", why);
        }
        let mut wanted: Vec<String> = Vec::new();
        for event in events {
            if !EVENT_TYPES.contains(&event.as_str()) {
                errors.add("events", format!("unknown event type `{event}`"));
            } else if !wanted.contains(event) {
                wanted.push(event.clone());
            }
        }
        if events.is_empty() {
            errors.add("events", "name at least one event type");
        }
        errors.into_result().map_err(RecordError::Invalid)?;
        let secret = self.sender.new_secret();
        let hook = NewWebhook {
            id: Uuid::now_v7(),
            url: url.to_owned(),
            events: wanted,
            secret: secret.clone(),
        };
        Ok((self.hooks.create(ctx, &hook).await?, secret))
    }

    pub async fn list(&self, ctx: &TenantContext) -> Result<Vec<Webhook>, RecordError> {
        admin_only(ctx)?;
        Ok(self.hooks.list(ctx).await?)
    }

    pub async fn delete(&self, ctx: &TenantContext, id: Uuid) -> Result<(), RecordError> {
        admin_only(ctx)?;
        Ok(self.hooks.delete(ctx, id).await?)
    }

    pub async fn deliveries(&self, ctx: &TenantContext, webhook: Uuid) -> Result<Vec<Delivery>, RecordError> {
        admin_only(ctx)?;
        Ok(self.hooks.deliveries(ctx, webhook, DELIVERY_PAGE).await?)
    }

    pub async fn redeliver(&self, ctx: &TenantContext, webhook: Uuid, delivery: Uuid) -> Result<Delivery, RecordError> {
        admin_only(ctx)?;
        Ok(self.hooks.redeliver(ctx, webhook, delivery).await?)
    }

    /// The `deliver_webhook` job: one attempt. `Err` makes the worker try
    /// again after [`retry_delay`]; on the last attempt the delivery is
    /// marked failed and stays in the log (and the job in the dead jobs)
    /// for an admin to send again.
    pub async fn deliver(&self, tenant: TenantId, delivery: Uuid, attempt: i32, max: i32) -> Result<(), String> {
        let Some(outgoing) = self.hooks.outgoing(tenant, delivery).await.map_err(|e| e.to_string())? else {
            return Ok(());
        };
        let result = self.sender.send(&outgoing).await;
        let ok = result.succeeded();
        self.hooks
            .record_attempt(tenant, delivery, &result, !ok && attempt >= max)
            .await
            .map_err(|e| e.to_string())?;
        if ok {
            return Ok(());
        }
        Err(match (&result.error, result.response_code) {
            (Some(error), _) => error.clone(),
            (None, Some(code)) => format!("the receiver answered {code}"),
            (None, None) => "no answer".to_owned(),
        })
    }
}

#[cfg(test)]
#[path = "webhooks_tests.rs"]
mod tests;
