//! `/api/activities`: log, read, patch, delete and list activities, and the
//! timelines of a contact and of a company. Tasks are completed with
//! `PATCH {"done": true}`.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::params::ListParams;
use crate::routes::params::uuid_param;
use crate::routes::patch::{present, required_change, set_optional};
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;
use actix_web::web::{Data, Path, Query};
use chrono::{DateTime, Utc};
use clearview_activities::{
    ACTIVITY_SORTS, Activity, ActivityInput, ActivityKind, ActivityQuery, DEFAULT_ACTIVITY_SORT, MAX_METADATA_BYTES,
};
use clearview_kernel::{ActivityId, CompanyId, ContactId, DealId, Page, UserId, ValidationErrors};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ActivityKindWire {
    Call,
    Email,
    Meeting,
    Task,
    Note,
}

impl From<ActivityKindWire> for ActivityKind {
    fn from(k: ActivityKindWire) -> Self {
        match k {
            ActivityKindWire::Call => ActivityKind::Call,
            ActivityKindWire::Email => ActivityKind::Email,
            ActivityKindWire::Meeting => ActivityKind::Meeting,
            ActivityKindWire::Task => ActivityKind::Task,
            ActivityKindWire::Note => ActivityKind::Note,
        }
    }
}

impl From<ActivityKind> for ActivityKindWire {
    fn from(k: ActivityKind) -> Self {
        match k {
            ActivityKind::Call => ActivityKindWire::Call,
            ActivityKind::Email => ActivityKindWire::Email,
            ActivityKind::Meeting => ActivityKindWire::Meeting,
            ActivityKind::Task => ActivityKindWire::Task,
            ActivityKind::Note => ActivityKindWire::Note,
        }
    }
}

/// The fields a client sets when logging an activity.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityBody {
    pub kind: ActivityKindWire,
    /// 1–200 characters.
    pub subject: String,
    /// Up to 10,000 characters; line breaks are kept.
    pub body: Option<String>,
    pub deal_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    /// When it happened; defaults to now for every kind but tasks.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Tasks only.
    pub due_at: Option<DateTime<Utc>>,
    /// Tasks only: when to e-mail the owner a reminder (within a minute of
    /// it). Reassigning the task without a new time cancels it.
    pub remind_at: Option<DateTime<Utc>>,
    /// Tasks only; `true` stamps `completed_at`.
    pub done: Option<bool>,
    /// Free JSON object (call duration, attendees, opens…), at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    /// Defaults to the creator; only admins and managers may name another.
    pub owner_id: Option<Uuid>,
}

/// A partial change: absent fields stay, `null` clears an optional field
/// (`metadata: null` empties it). `done: true` completes a task.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ActivityPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ActivityKindWire>)]
    pub kind: Option<Option<ActivityKindWire>>,
    #[serde(default, deserialize_with = "present")]
    pub subject: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub body: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub deal_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "present")]
    pub contact_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "present")]
    pub company_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "present")]
    pub occurred_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "present")]
    pub due_at: Option<Option<DateTime<Utc>>>,
    /// A new time re-arms the reminder (snoozing is setting a later one).
    #[serde(default, deserialize_with = "present")]
    pub remind_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "present")]
    pub done: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
    #[serde(default, deserialize_with = "present")]
    pub owner_id: Option<Option<Uuid>>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityView {
    pub id: Uuid,
    pub kind: ActivityKindWire,
    pub subject: String,
    pub body: Option<String>,
    pub deal_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    /// Tasks only: when the owner is reminded by e-mail.
    pub remind_at: Option<DateTime<Utc>>,
    pub done: bool,
    pub completed_at: Option<DateTime<Utc>>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// When it happened, else when it is due, else when it was logged: the
    /// order of timelines.
    pub timeline_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Activity> for ActivityView {
    fn from(a: Activity) -> Self {
        ActivityView {
            id: a.id.as_uuid(),
            kind: a.kind.into(),
            subject: a.subject,
            body: a.body,
            deal_id: a.deal_id.map(|id| id.as_uuid()),
            contact_id: a.contact_id.map(|id| id.as_uuid()),
            company_id: a.company_id.map(|id| id.as_uuid()),
            owner_id: a.owner_id.map(|id| id.as_uuid()),
            occurred_at: a.occurred_at,
            due_at: a.due_at,
            remind_at: a.remind_at,
            done: a.done,
            completed_at: a.completed_at,
            // Stored as jsonb, so it always parses.
            metadata: serde_json::from_str(&a.metadata).unwrap_or_else(|_| Value::Object(Default::default())),
            timeline_at: a.timeline_at,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActivityPage {
    pub data: Vec<ActivityView>,
    pub next_cursor: Option<String>,
}

impl From<Page<Activity>> for ActivityPage {
    fn from(page: Page<Activity>) -> Self {
        ActivityPage {
            data: page.items.into_iter().map(ActivityView::from).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// `?deal_id&contact_id&company_id&kind&owner_id&due_before&done&metadata&sort&limit&cursor`.
/// Unknown parameters are refused.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityParams {
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub deal_id: Option<String>,
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub contact_id: Option<String>,
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub company_id: Option<String>,
    /// call, email, meeting, task or note.
    #[param(value_type = Option<crate::openapi::params::ActivityKind>, inline)]
    pub kind: Option<String>,
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub owner_id: Option<String>,
    /// RFC 3339: activities due strictly before this time.
    #[param(value_type = Option<String>, format = DateTime)]
    pub due_before: Option<String>,
    /// `true` or `false`.
    #[param(value_type = Option<bool>)]
    pub done: Option<String>,
    /// A JSON object (URL-encoded): activities whose metadata contains it,
    /// e.g. `{"outcome":"voicemail"}`.
    pub metadata: Option<String>,
    /// `timeline_at` or `created_at`, `-` prefix for descending. Default
    /// `-timeline_at` (newest first).
    pub sort: Option<String>,
    /// 1..=200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Checks that metadata is a JSON object and returns its text.
fn object_text(field: &str, value: Value) -> Result<String, ApiError> {
    if value.is_object() {
        Ok(value.to_string())
    } else {
        Err(ApiError::invalid_field(field, "must be a JSON object"))
    }
}

fn metadata_param(raw: &str) -> Result<String, String> {
    if raw.len() > MAX_METADATA_BYTES {
        return Err(format!("must be at most {MAX_METADATA_BYTES} bytes of JSON"));
    }
    match serde_json::from_str::<Value>(raw) {
        Ok(value @ Value::Object(_)) => {
            let text = value.to_string();
            clearview_activities::no_nul(&text)?;
            Ok(text)
        }
        _ => Err("must be a JSON object, e.g. {\"outcome\":\"voicemail\"}".into()),
    }
}

/// Which record a timeline belongs to (its path id wins over parameters).
#[derive(Clone, Copy)]
enum Scope {
    All,
    Contact(ContactId),
    Company(CompanyId),
    Deal(DealId),
}

impl ActivityParams {
    fn query(&self, scope: Scope) -> Result<ActivityQuery, ApiError> {
        let mut errors = ValidationErrors::new();
        let path_param = match scope {
            Scope::Contact(_) => self.contact_id.as_ref().map(|_| "contact_id"),
            Scope::Company(_) => self.company_id.as_ref().map(|_| "company_id"),
            Scope::Deal(_) => self.deal_id.as_ref().map(|_| "deal_id"),
            Scope::All => None,
        };
        if let Some(name) = path_param {
            errors.add(name, "is not a parameter of this route");
        }
        let deal_id = uuid_param(&mut errors, "deal_id", self.deal_id.as_deref());
        let contact_id = uuid_param(&mut errors, "contact_id", self.contact_id.as_deref());
        let company_id = uuid_param(&mut errors, "company_id", self.company_id.as_deref());
        let owner_id = uuid_param(&mut errors, "owner_id", self.owner_id.as_deref());
        let kind = self
            .kind
            .as_deref()
            .and_then(|raw| errors.check("kind", raw.parse::<ActivityKind>()));
        let due_before = self.due_before.as_deref().and_then(|raw| {
            errors.check(
                "due_before",
                DateTime::parse_from_rfc3339(raw)
                    .map(|at| at.with_timezone(&Utc))
                    .map_err(|_| "must be an RFC 3339 timestamp, e.g. 2026-11-23T09:00:00Z"),
            )
        });
        let done = self
            .done
            .as_deref()
            .and_then(|raw| errors.check("done", raw.parse::<bool>().map_err(|_| "must be true or false")));
        let metadata = self
            .metadata
            .as_deref()
            .and_then(|raw| errors.check("metadata", metadata_param(raw)));
        if !errors.is_empty() {
            return Err(ApiError::invalid(errors));
        }
        let page = ListParams {
            sort: Some(self.sort.clone().unwrap_or_else(|| DEFAULT_ACTIVITY_SORT.to_owned())),
            limit: self.limit.clone(),
            cursor: self.cursor.clone(),
            ..ListParams::default()
        }
        .parse(ACTIVITY_SORTS)?
        .page;
        let (deal_id, contact_id, company_id) = match scope {
            Scope::All => (deal_id, contact_id, company_id),
            Scope::Contact(contact) => (deal_id, Some(contact.as_uuid()), company_id),
            Scope::Company(company) => (deal_id, contact_id, Some(company.as_uuid())),
            Scope::Deal(deal) => (Some(deal.as_uuid()), contact_id, company_id),
        };
        Ok(ActivityQuery {
            deal_id: deal_id.map(DealId::from_uuid),
            contact_id: contact_id.map(ContactId::from_uuid),
            company_id: company_id.map(CompanyId::from_uuid),
            kind,
            owner_id: owner_id.map(UserId::from_uuid),
            due_before,
            done,
            metadata,
            page,
        })
    }
}

#[utoipa::path(get, operation_id = "activities_list", path = "/api/activities", tag = "activities", params(ActivityParams),
    responses((status = 200, body = ActivityPage), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    session: Session,
    state: Data<ApiState>,
    params: Query<ActivityParams>,
) -> Result<HttpResponse, ApiError> {
    let query = params.query(Scope::All)?;
    let page = state.activities.list(&session.ctx, &query).await?;
    Ok(HttpResponse::Ok().json(ActivityPage::from(page)))
}

#[utoipa::path(post, operation_id = "activities_create", path = "/api/activities", tag = "activities", request_body = ActivityBody,
    responses((status = 201, body = ActivityView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<ActivityBody>,
) -> Result<HttpResponse, ApiError> {
    let metadata = body.metadata.map(|m| object_text("metadata", m)).transpose()?;
    let input = ActivityInput {
        body: body.body,
        deal_id: body.deal_id.map(DealId::from_uuid),
        contact_id: body.contact_id.map(ContactId::from_uuid),
        company_id: body.company_id.map(CompanyId::from_uuid),
        owner_id: body.owner_id.map(UserId::from_uuid),
        occurred_at: body.occurred_at,
        due_at: body.due_at,
        remind_at: body.remind_at,
        done: body.done,
        metadata,
        ..ActivityInput::new(body.kind.into(), body.subject)
    };
    let activity = state.activities.create(&session.ctx, input).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/activities/{}", activity.id)))
        .json(ActivityView::from(activity)))
}

#[utoipa::path(get, operation_id = "activities_get", path = "/api/activities/{id}", tag = "activities",
    params(("id" = Uuid, Path, description = "The activity")),
    responses((status = 200, body = ActivityView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let activity = state.activities.get(&session.ctx, ActivityId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok().json(ActivityView::from(activity)))
}

#[utoipa::path(patch, operation_id = "activities_patch", path = "/api/activities/{id}", tag = "activities", request_body = ActivityPatch,
    params(("id" = Uuid, Path, description = "The activity")),
    responses((status = 200, body = ActivityView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<ActivityPatch>,
) -> Result<HttpResponse, ApiError> {
    // Refuse `null` on required fields and non-object metadata before
    // touching anything.
    let kind = required_change(body.kind, "kind")?;
    let subject = required_change(body.subject, "subject")?;
    let done = required_change(body.done, "done")?;
    let metadata = body
        .metadata
        .map(|m| m.map(|value| object_text("metadata", value)).transpose())
        .transpose()?;
    let activity = state
        .activities
        .patch(&session.ctx, ActivityId::from_uuid(*id), move |input| {
            if let Some(kind) = kind {
                input.change_kind(kind.into());
            }
            if let Some(value) = subject {
                input.subject = value;
            }
            set_optional(&mut input.body, body.body);
            set_optional(&mut input.deal_id, body.deal_id.map(|d| d.map(DealId::from_uuid)));
            set_optional(
                &mut input.contact_id,
                body.contact_id.map(|c| c.map(ContactId::from_uuid)),
            );
            set_optional(
                &mut input.company_id,
                body.company_id.map(|c| c.map(CompanyId::from_uuid)),
            );
            set_optional(&mut input.occurred_at, body.occurred_at);
            set_optional(&mut input.due_at, body.due_at);
            set_optional(&mut input.remind_at, body.remind_at);
            if let Some(value) = done {
                input.done = Some(value);
            }
            set_optional(&mut input.metadata, metadata);
            set_optional(&mut input.owner_id, body.owner_id.map(|o| o.map(UserId::from_uuid)));
        })
        .await?;
    Ok(HttpResponse::Ok().json(ActivityView::from(activity)))
}

#[utoipa::path(delete, operation_id = "activities_delete", path = "/api/activities/{id}", tag = "activities",
    params(("id" = Uuid, Path, description = "The activity")),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    state
        .activities
        .delete(&session.ctx, ActivityId::from_uuid(*id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A record's timeline, once the record is known to be visible (a record
/// the caller cannot see is a 404, not an empty timeline).
async fn timeline(
    session: &Session,
    state: &ApiState,
    scope: Scope,
    params: &ActivityParams,
) -> Result<HttpResponse, ApiError> {
    let ctx = &session.ctx;
    match scope {
        Scope::Contact(id) => drop(state.contacts.get(ctx, id).await?),
        Scope::Company(id) => drop(state.companies.get(ctx, id).await?),
        Scope::Deal(id) => drop(state.deals.get(ctx, id).await?),
        Scope::All => {}
    }
    let query = params.query(scope)?;
    let page = state.activities.list(ctx, &query).await?;
    Ok(HttpResponse::Ok().json(ActivityPage::from(page)))
}

/// The contact's timeline: its activities, newest first, keyset-paged.
#[utoipa::path(get, operation_id = "activities_contact_timeline", path = "/api/contacts/{id}/activities", tag = "activities",
    params(("id" = Uuid, Path, description = "The contact"), ActivityParams),
    responses((status = 200, body = ActivityPage), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn contact_timeline(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    params: Query<ActivityParams>,
) -> Result<HttpResponse, ApiError> {
    timeline(&session, &state, Scope::Contact(ContactId::from_uuid(*id)), &params).await
}

/// The company's timeline: its activities, newest first, keyset-paged.
#[utoipa::path(get, operation_id = "activities_company_timeline", path = "/api/companies/{id}/activities", tag = "activities",
    params(("id" = Uuid, Path, description = "The company"), ActivityParams),
    responses((status = 200, body = ActivityPage), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn company_timeline(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    params: Query<ActivityParams>,
) -> Result<HttpResponse, ApiError> {
    timeline(&session, &state, Scope::Company(CompanyId::from_uuid(*id)), &params).await
}

/// The deal's timeline: its activities, newest first, keyset-paged.
#[utoipa::path(get, operation_id = "activities_deal_timeline", path = "/api/deals/{id}/activities", tag = "activities",
    params(("id" = Uuid, Path, description = "The deal"), ActivityParams),
    responses((status = 200, body = ActivityPage), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn deal_timeline(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    params: Query<ActivityParams>,
) -> Result<HttpResponse, ApiError> {
    timeline(&session, &state, Scope::Deal(DealId::from_uuid(*id)), &params).await
}
