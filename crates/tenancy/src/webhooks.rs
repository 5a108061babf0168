//! Outgoing webhooks (ADR 0026): admins subscribe a URL to event types;
//! each event, recorded by the database in the transaction that caused it,
//! becomes one delivery per matching subscription, sent signed (Standard
//! Webhooks) by the worker and retried on a schedule of about a day. Every
//! attempt is kept in the subscription's delivery log; an admin can send a
//! delivery again. A rotated secret stays valid for a day beside the new
//! one; a subscription whose endpoint fails [`DISABLE_AFTER`] attempts in a
//! row is disabled and its organization's admins are told by e-mail.
//!
//! The URL guard (https only, no private, loopback or link-local address,
//! checked at creation and again at every delivery because DNS can change)
//! and the signature live behind the `WebhookSender` port.

use crate::emails;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::audit::{AuditEntry, RequestOrigin, actions};
use clearview_kernel::mail::Email;
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

/// Failed attempts in a row (over all deliveries, no success between) after
/// which a subscription is disabled: about six events that each failed
/// for a day.
pub const DISABLE_AFTER: i32 = 50;

/// How long a rotated-out secret still signs deliveries.
pub const PREVIOUS_SECRET_HOURS: i64 = 24;

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
    /// Failed attempts since the last success.
    pub failure_streak: i32,
    /// Set when it was disabled for failing; no deliveries are made then.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Until when the previous secret still signs (after a rotation).
    pub previous_secret_until: Option<DateTime<Utc>>,
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
    pub webhook_id: Uuid,
    pub url: String,
    /// The current secret, then the previous one while it is still valid:
    /// the delivery carries a signature by each.
    pub secrets: Vec<String>,
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
    /// Writes that change a subscription append their `audit` entry in the
    /// same transaction.
    async fn create(&self, ctx: &TenantContext, hook: &NewWebhook, audit: &AuditEntry) -> Result<Webhook, RepoError>;
    async fn list(&self, ctx: &TenantContext) -> Result<Vec<Webhook>, RepoError>;
    /// Deletes the subscription and its log; queued attempts find nothing.
    async fn delete(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<(), RepoError>;
    /// The newest `limit` deliveries of one subscription.
    async fn deliveries(&self, ctx: &TenantContext, webhook: Uuid, limit: i64) -> Result<Vec<Delivery>, RepoError>;
    /// Queues the delivery again (a new job, state pending).
    async fn redeliver(&self, ctx: &TenantContext, webhook: Uuid, delivery: Uuid) -> Result<Delivery, RepoError>;
    /// The delivery to attempt, with its subscription's URL and secret;
    /// `None` when the subscription is gone.
    async fn outgoing(&self, tenant: TenantId, delivery: Uuid) -> Result<Option<Outgoing>, RepoError>;
    /// Logs an attempt; `last` marks a failed delivery that will not be
    /// tried again. Returns the subscription's failure streak after it.
    async fn record_attempt(
        &self,
        tenant: TenantId,
        delivery: Uuid,
        attempt: &Attempt,
        last: bool,
    ) -> Result<i32, RepoError>;
    /// Replaces the secret; the old one stays valid until `previous_until`.
    async fn rotate_secret(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        secret: &str,
        previous_until: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<Webhook, RepoError>;
    /// Turns a disabled subscription on again (its streak starts over).
    async fn enable(&self, ctx: &TenantContext, id: Uuid) -> Result<Webhook, RepoError>;
    /// The organization's name and its admins' addresses.
    async fn admins(&self, tenant: TenantId) -> Result<(String, Vec<String>), RepoError>;
    /// Disables the subscription and queues `notices` in the same
    /// transaction; `false` (and nothing queued) when it already was.
    async fn disable(&self, tenant: TenantId, id: Uuid, notices: &[Email]) -> Result<bool, RepoError>;
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
    /// The web app's origin, for the link in the disabling e-mail.
    public_url: String,
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
    pub fn new(hooks: Arc<dyn WebhookRepository>, sender: Arc<dyn WebhookSender>, public_url: String) -> Self {
        Self {
            hooks,
            sender,
            public_url,
        }
    }

    /// Subscribes `url` to `events`; returns it with its secret (shown once).
    pub async fn create(
        &self,
        ctx: &TenantContext,
        url: &str,
        events: &[String],
        origin: &RequestOrigin,
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
        let audit = AuditEntry::new(actions::WEBHOOK_CREATED, origin).target("webhook", hook.id);
        Ok((self.hooks.create(ctx, &hook, &audit).await?, secret))
    }

    pub async fn list(&self, ctx: &TenantContext) -> Result<Vec<Webhook>, RecordError> {
        admin_only(ctx)?;
        Ok(self.hooks.list(ctx).await?)
    }

    pub async fn delete(&self, ctx: &TenantContext, id: Uuid, origin: &RequestOrigin) -> Result<(), RecordError> {
        admin_only(ctx)?;
        let audit = AuditEntry::new(actions::WEBHOOK_DELETED, origin).target("webhook", id);
        Ok(self.hooks.delete(ctx, id, &audit).await?)
    }

    pub async fn deliveries(&self, ctx: &TenantContext, webhook: Uuid) -> Result<Vec<Delivery>, RecordError> {
        admin_only(ctx)?;
        Ok(self.hooks.deliveries(ctx, webhook, DELIVERY_PAGE).await?)
    }

    pub async fn redeliver(&self, ctx: &TenantContext, webhook: Uuid, delivery: Uuid) -> Result<Delivery, RecordError> {
        admin_only(ctx)?;
        Ok(self.hooks.redeliver(ctx, webhook, delivery).await?)
    }

    /// A new secret (shown once); the old one keeps signing for
    /// [`PREVIOUS_SECRET_HOURS`], so receivers can switch without a gap.
    pub async fn rotate_secret(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        now: DateTime<Utc>,
        origin: &RequestOrigin,
    ) -> Result<(Webhook, String), RecordError> {
        admin_only(ctx)?;
        let secret = self.sender.new_secret();
        let until = now + chrono::Duration::hours(PREVIOUS_SECRET_HOURS);
        let audit = AuditEntry::new(actions::WEBHOOK_SECRET_ROTATED, origin).target("webhook", id);
        Ok((self.hooks.rotate_secret(ctx, id, &secret, until, &audit).await?, secret))
    }

    pub async fn enable(&self, ctx: &TenantContext, id: Uuid) -> Result<Webhook, RecordError> {
        admin_only(ctx)?;
        Ok(self.hooks.enable(ctx, id).await?)
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
        let streak = self
            .hooks
            .record_attempt(tenant, delivery, &result, !ok && attempt >= max)
            .await
            .map_err(|e| e.to_string())?;
        if ok {
            return Ok(());
        }
        if streak >= DISABLE_AFTER {
            self.disable(tenant, &outgoing, streak)
                .await
                .map_err(|e| e.to_string())?;
        }
        Err(match (&result.error, result.response_code) {
            (Some(error), _) => error.clone(),
            (None, Some(code)) => format!("the receiver answered {code}"),
            (None, None) => "no answer".to_owned(),
        })
    }

    /// Disables a failing subscription and e-mails the admins, once.
    async fn disable(&self, tenant: TenantId, outgoing: &Outgoing, failures: i32) -> Result<(), RepoError> {
        let (organization, admins) = self.hooks.admins(tenant).await?;
        let link = format!("{}/settings/webhooks", self.public_url.trim_end_matches('/'));
        let notices: Vec<Email> = admins
            .iter()
            .map(|to| emails::webhook_disabled(to, &organization, &outgoing.url, failures, &link))
            .collect();
        self.hooks
            .disable(tenant, outgoing.webhook_id, &notices)
            .await
            .map(drop)
    }
}

#[cfg(test)]
#[path = "webhooks_tests.rs"]
mod tests;
