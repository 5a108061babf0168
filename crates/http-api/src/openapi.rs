//! The OpenAPI document, generated from the handlers' annotations so it
//! cannot drift from the code (a test checks every path answers).

use crate::routes::activities;
use crate::routes::{auth, companies, contacts, ops};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Clearview CRM API",
        description = "Multi-tenant CRM. Sessions travel only in HttpOnly cookies; \
                       errors are application/problem+json.",
    ),
    paths(
        auth::register, auth::login, auth::refresh, auth::logout, auth::me,
        contacts::list, contacts::create, contacts::get, contacts::replace, contacts::patch, contacts::delete,
        companies::list, companies::create, companies::get, companies::replace, companies::patch,
        companies::delete, companies::contacts,
        activities::list, activities::create, activities::get, activities::patch, activities::delete,
        activities::contact_timeline, activities::company_timeline,
        ops::healthz, ops::readyz, ops::openapi,
    ),
    tags(
        (name = "auth", description = "Sign-up, sign-in and sessions"),
        (name = "activities", description = "Calls, emails, meetings, tasks, notes and timelines"),
        (name = "contacts"), (name = "companies"), (name = "operations"),
    )
)]
pub struct ApiDoc;
