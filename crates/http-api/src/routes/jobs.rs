//! `/api/jobs`: the outbox as admins see it — dead jobs and their replay.

use crate::problem::{ApiError, Problem};
use crate::routes::audit::origin;
use crate::routes::params::page_param;
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use clearview_kernel::jobs::Job;
use clearview_kernel::{Sort, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobParams {
    /// queued, running, done or dead.
    #[param(value_type = Option<crate::openapi::params::JobState>, inline)]
    pub state: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct JobView {
    pub id: Uuid,
    pub kind: String,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<Job> for JobView {
    fn from(j: Job) -> Self {
        JobView {
            id: j.id,
            kind: j.kind,
            state: j.state.as_str().into(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at,
            last_error: j.last_error,
            created_at: j.created_at,
            finished_at: j.finished_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct JobPage {
    pub data: Vec<JobView>,
    pub next_cursor: Option<String>,
}

/// The organization's jobs, newest first (admins).
#[utoipa::path(get, operation_id = "jobs_list", path = "/api/jobs", tag = "operations", params(JobParams),
    responses((status = 200, body = JobPage), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(session: Session, state: Data<ApiState>, params: Query<JobParams>) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let job_state = params.state.as_deref().and_then(|s| errors.check("state", s.parse()));
    let sort = Sort {
        field: "created_at",
        descending: true,
    };
    let page = page_param(
        &mut errors,
        Some(sort),
        params.limit.as_deref(),
        params.cursor.as_deref(),
    );
    let page = match page {
        Some(page) if errors.is_empty() => page,
        _ => return Err(ApiError::invalid(errors)),
    };
    let jobs = state.jobs.list(&session.ctx, job_state, &page).await?;
    Ok(HttpResponse::Ok().json(JobPage {
        data: jobs.items.into_iter().map(JobView::from).collect(),
        next_cursor: jobs.next_cursor,
    }))
}

/// Re-queues a dead job for a new round of attempts (admins).
#[utoipa::path(post, operation_id = "jobs_retry", path = "/api/jobs/{id}/retry", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "operations",
    responses((status = 200, body = JobView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "Not dead")))]
pub async fn retry(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let job = state.jobs.retry(&session.ctx, *id, &origin(&req)).await?;
    Ok(HttpResponse::Ok().json(JobView::from(job)))
}
