//! The OpenAPI document, generated from the handlers' annotations so it
//! cannot drift from the code (a test checks every path answers).

use crate::routes::{activities, auth, companies, contacts, deals, jobs, ops, organizations, pipelines, reports, team};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Clearview CRM API",
        description = "Multi-tenant CRM. Sessions travel only in HttpOnly cookies; integrations \
                       send an API key as `Authorization: Bearer <key>` instead (never both); \
                       errors are application/problem+json.",
    ),
    paths(
        auth::register, auth::verify_email, auth::login, auth::refresh, auth::logout, auth::me,
        auth::request_password_reset, auth::confirm_password_reset, team::accept,
        crate::routes::mfa::status, crate::routes::mfa::enroll, crate::routes::mfa::confirm,
        crate::routes::mfa::verify, crate::routes::mfa::disable,
        team::members, team::change_role, team::remove_member, team::invite, team::invitations,
        team::revoke_invitation, jobs::list, jobs::retry,
        crate::routes::api_keys::create, crate::routes::api_keys::list, crate::routes::api_keys::revoke,
        crate::routes::scim_token::get, crate::routes::scim_token::issue, crate::routes::scim_token::revoke,
        crate::routes::oidc::start, crate::routes::oidc::callback,
        crate::routes::scim::discovery::service_provider_config, crate::routes::scim::discovery::schemas, crate::routes::scim::discovery::schema,
        crate::routes::scim::discovery::resource_types, crate::routes::scim::discovery::resource_type, crate::routes::scim::resources::search_all,
        crate::routes::scim::resources::list_users, crate::routes::scim::resources::search_users, crate::routes::scim::resources::create_user,
        crate::routes::scim::resources::get_user, crate::routes::scim::resources::replace_user, crate::routes::scim::resources::patch_user,
        crate::routes::scim::resources::delete_user, crate::routes::scim::resources::list_groups, crate::routes::scim::resources::search_groups,
        crate::routes::scim::resources::create_group, crate::routes::scim::resources::get_group, crate::routes::scim::resources::replace_group,
        crate::routes::scim::resources::patch_group, crate::routes::scim::resources::delete_group,
        crate::routes::sso::get, crate::routes::sso::put, crate::routes::sso::delete,
        crate::routes::views::list, crate::routes::views::create, crate::routes::views::patch,
        crate::routes::views::delete,
        crate::routes::custom_fields::list, crate::routes::custom_fields::create, crate::routes::custom_fields::patch,
        crate::routes::custom_fields::delete,
        crate::routes::trash::list, crate::routes::trash::purge, crate::routes::trash::restore_contact,
        crate::routes::trash::restore_company, crate::routes::trash::restore_deal,
        crate::routes::trash::restore_activity,
        crate::routes::merge::contact_duplicates, crate::routes::merge::company_duplicates,
        crate::routes::merge::merge_contacts, crate::routes::merge::merge_companies,
        crate::routes::rates::list, crate::routes::rates::put, crate::routes::rates::import,
        crate::routes::webhooks::create, crate::routes::webhooks::list, crate::routes::webhooks::delete,
        crate::routes::webhooks::deliveries, crate::routes::webhooks::redeliver,
        crate::routes::webhooks::rotate_secret, crate::routes::webhooks::enable,
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
        crate::routes::sales_reports::win_rate, crate::routes::sales_reports::sales_cycle,
        crate::routes::sales_reports::funnel, crate::routes::sales_reports::velocity,
        crate::routes::sales_reports::activities, crate::routes::sales_reports::rotting,
        crate::routes::sales_reports::forecast_accuracy,
        activities::list, activities::create, activities::get, activities::patch, activities::delete,
        activities::contact_timeline, activities::company_timeline, activities::deal_timeline,
        ops::healthz, ops::readyz, ops::openapi,
        crate::routes::audit::list, crate::routes::audit::verify,
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
        (name = "api-keys", description = "API keys for integrations (admins)"),
        (name = "scim", description = "Directory sync (ADR 0036): the SCIM token admins issue on /api/scim/token, and SCIM 2.0 (RFC 7643/7644) under /scim/v2, authenticated only by `Authorization: Bearer <SCIM token>`, answering application/scim+json (errors too)"),
        (name = "webhooks", description = "Signed outgoing webhooks and their delivery logs (admins)"),
        (name = "custom-fields", description = "Fields admins define on contacts, companies and deals"),
        (name = "views", description = "Saved list views: filters, sort and columns, private or shared"),
        (name = "trash", description = "Deleted records: kept 30 days, restorable with their links"),
    ),
    modifiers(&CommonResponses)
)]
pub struct ApiDoc;

/// Operations anyone may call without a session.
const PUBLIC: &[&str] = &[
    "/api/auth/register",
    "/api/auth/verify-email",
    "/api/auth/login",
    "/api/auth/refresh",
    "/api/auth/logout",
    "/api/auth/password-reset",
    "/api/auth/password-reset/confirm",
    "/api/auth/mfa/verify",
    "/api/auth/oidc/{organization_id}/start",
    "/api/auth/oidc/callback",
    "/api/invitations/accept",
    "/api/openapi.json",
    "/healthz",
    "/readyz",
];

/// Adds the answers every operation of a kind can give, so no route's
/// document omits them: 401 and 429 (the organization's budget) where a
/// session is needed, 400/413/415/422 where a JSON body is read, 503 when
/// the database is saturated (ADR 0016) — all as problem+json.
struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        crate::openapi_refine::refine(openapi);
        crate::openapi_fields::describe(openapi);
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            // SCIM has its own errors (application/scim+json), documented
            // on each of its operations.
            if path.starts_with("/scim/") {
                continue;
            }
            let public = PUBLIC.contains(&path.as_str());
            for operation in crate::openapi_refine::operations_mut(item) {
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, description: &str| {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem(description).into());
                };
                if !public {
                    add("401", "Not signed in, or the session ended");
                    add("429", "The organization's request budget is spent; see Retry-After");
                }
                let has_query = operation.parameters.as_ref().is_some_and(|parameters| {
                    parameters
                        .iter()
                        .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query))
                });
                if has_query {
                    add("422", "A query parameter is invalid (named in errors)");
                }
                if operation.request_body.is_some() {
                    add("400", "The body is not well-formed");
                    add("413", "The body is too large");
                    add("415", "The body has the wrong media type");
                    add("422", "A field is invalid (named in errors)");
                    add(
                        "404",
                        "A record the path or the body names does not exist (named in errors)",
                    );
                    add(
                        "409",
                        "The body conflicts with the records' current state (named in errors)",
                    );
                }
                if path.starts_with("/api/") && path != "/api/openapi.json" {
                    add("503", "The service is saturated; see Retry-After");
                }
            }
        }
    }
}

/// The document as pretty JSON (`clearview openapi`; the web app's client
/// is generated from it).
pub fn document_json() -> String {
    serde_json::to_string_pretty(document()).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The document as served: the derived one, with the parts utoipa's types
/// cannot hold put in place (see `openapi_refine`). Built once per process.
pub fn document() -> &'static serde_json::Value {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        crate::openapi_refine::finish(&mut doc);
        doc
    })
}

/// The methods the document lists for the path templates `path` matches
/// (`/api/contacts/{id}` matches `/api/contacts/0190…`), e.g. `GET, PUT`;
/// `None` when no template matches. The document is the route table's
/// mirror (a contract test checks both directions), so this is what a 405
/// names in `Allow`.
pub fn allowed_methods(path: &str) -> Option<String> {
    static TEMPLATES: std::sync::OnceLock<Vec<(Vec<String>, Vec<String>)>> = std::sync::OnceLock::new();
    let templates = TEMPLATES.get_or_init(|| {
        let doc = document();
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
    let is_parameter = |t: &String| t.starts_with('{') && t.ends_with('}');
    let matching: Vec<&(Vec<String>, Vec<String>)> = templates
        .iter()
        .filter(|(template, _)| {
            template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (is_parameter(t) && !s.is_empty()))
        })
        .collect();
    // The most literal templates win, as in routing: `/api/contacts/export`
    // is that path's, not `/api/contacts/{id}`'s.
    let literals = |template: &Vec<String>| template.iter().filter(|t| !is_parameter(t)).count();
    let most_literal = matching.iter().map(|(t, _)| literals(t)).max().unwrap_or(0);
    let mut allowed: Vec<&str> = matching
        .iter()
        .filter(|(template, _)| literals(template) == most_literal)
        .flat_map(|(_, methods)| methods.iter().map(String::as_str))
        .collect();
    allowed.sort_unstable();
    allowed.dedup();
    (!allowed.is_empty()).then(|| allowed.join(", "))
}

/// The values of enumerated query parameters, for the document only (the
/// handlers parse the strings and name a bad one in a 422). Never built,
/// hence the allowance.
#[allow(dead_code)]
pub mod params {
    use utoipa::ToSchema;

    #[derive(ToSchema)]
    #[schema(rename_all = "lowercase")]
    pub enum ActivityKind {
        Call,
        Email,
        Meeting,
        Task,
        Note,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "lowercase")]
    pub enum DealStatus {
        Open,
        Won,
        Lost,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "lowercase")]
    pub enum JobState {
        Queued,
        Running,
        Done,
        Dead,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "lowercase")]
    pub enum ImportMode {
        Skip,
        Update,
    }
}
