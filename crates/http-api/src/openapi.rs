//! The OpenAPI document, generated from the handlers' annotations so it
//! cannot drift from the code (a test checks every path answers).

use crate::routes::{activities, auth, companies, contacts, deals, jobs, ops, organizations, pipelines, reports, team};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Clearview CRM API",
        description = "Multi-tenant CRM. Sessions travel only in HttpOnly cookies; \
                       errors are application/problem+json.",
    ),
    paths(
        auth::register, auth::verify_email, auth::login, auth::refresh, auth::logout, auth::me,
        auth::request_password_reset, auth::confirm_password_reset, team::accept,
        team::members, team::change_role, team::remove_member, team::invite, team::invitations,
        team::revoke_invitation, jobs::list, jobs::retry,
        contacts::list, contacts::create, contacts::get, contacts::replace, contacts::patch, contacts::delete,
        crate::routes::imports::upload, crate::routes::imports::list, crate::routes::imports::get,
        crate::routes::imports::errors_csv, crate::routes::imports::undo,
        companies::list, companies::create, companies::get, companies::replace, companies::patch,
        companies::delete, companies::contacts, deals::of_company, deals::of_contact,
        organizations::get, organizations::patch,
        pipelines::list, pipelines::create, pipelines::get, pipelines::patch, pipelines::delete, pipelines::board,
        pipelines::add_stage, pipelines::reorder, pipelines::update_stage, pipelines::delete_stage,
        deals::list, deals::create, deals::get, deals::replace, deals::patch, deals::delete, deals::history,
        reports::forecast,
        activities::list, activities::create, activities::get, activities::patch, activities::delete,
        activities::contact_timeline, activities::company_timeline, activities::deal_timeline,
        ops::healthz, ops::readyz, ops::openapi,
        crate::routes::audit::list,
        crate::routes::export::contacts, crate::routes::export::companies, crate::routes::export::deals,
        crate::routes::gdpr::export, crate::routes::gdpr::erase, crate::routes::gdpr::delete_organization,
    ),
    tags(
        (name = "auth", description = "Sign-up, sign-in and sessions"),
        (name = "contacts"), (name = "companies"), (name = "organizations"),
        (name = "pipelines", description = "Pipelines, stages and the board"),
        (name = "deals"), (name = "reports"), (name = "operations"),
        (name = "activities", description = "Calls, emails, meetings, tasks, notes and timelines"),
        (name = "privacy", description = "GDPR export and erasure"),
    )
)]
pub struct ApiDoc;

/// The document as pretty JSON (`clearview openapi`; the web app's client
/// is generated from it).
pub fn document_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The methods the document lists for the path templates `path` matches
/// (`/api/contacts/{id}` matches `/api/contacts/0190…`), e.g. `GET, PUT`;
/// `None` when no template matches. The document is the route table's
/// mirror (a contract test checks both directions), so this is what a 405
/// names in `Allow`.
pub fn allowed_methods(path: &str) -> Option<String> {
    static TEMPLATES: std::sync::OnceLock<Vec<(Vec<String>, Vec<String>)>> = std::sync::OnceLock::new();
    let templates = TEMPLATES.get_or_init(|| {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        doc["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(template, item)| {
                        let segments = template.split('/').map(str::to_owned).collect();
                        let methods = item
                            .as_object()
                            .map(|m| m.keys().map(|k| k.to_uppercase()).collect())
                            .unwrap_or_default();
                        (segments, methods)
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    let segments: Vec<&str> = path.split('/').collect();
    let mut allowed: Vec<&str> = templates
        .iter()
        .filter(|(template, _)| {
            template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}') && !s.is_empty()))
        })
        .flat_map(|(_, methods)| methods.iter().map(String::as_str))
        .collect();
    allowed.sort_unstable();
    allowed.dedup();
    (!allowed.is_empty()).then(|| allowed.join(", "))
}
