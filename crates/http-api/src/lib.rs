//! The HTTP adapter (actix-web): routes, the session extractor that builds
//! the `TenantContext` (invariant 2), wire types, problem+json errors
//! (invariant 8), the CSRF origin check and the OpenAPI document.
//!
//! Wire types live only here; domain types never derive serde.

mod json;
mod openapi;
mod openapi_fields;
mod openapi_refine;
mod problem;
pub mod problem_types;
mod request_id;
mod routes;
pub mod security;
pub mod stall;
mod state;
mod trace_context;
pub mod web_app;

pub use openapi::{ApiDoc, document_json as openapi_json};
pub use problem::ApiError;
pub use security::rate_limit::{Limits, RateLimitSettings};
pub use state::{ApiState, HttpSettings, Readiness};

use actix_web::http::header::CACHE_CONTROL;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::web::{self, Data, ServiceConfig};
use routes::{auth, companies, contacts, deals, ops, organizations, pipelines, reports};

/// Registers every route with its shared state and extractor settings.
pub fn configure(state: Data<ApiState>, settings: HttpSettings) -> impl FnOnce(&mut ServiceConfig) {
    move |cfg: &mut ServiceConfig| {
        let payload = web::PayloadConfig::new(settings.max_body_bytes);
        let web_app = Data::new(web_app::WebApp {
            dir: settings.web_dir.clone(),
        });
        cfg.app_data(state)
            .app_data(web_app)
            .app_data(payload)
            .app_data(Data::new(settings))
            .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::not_found().into()))
            .app_data(web::QueryConfig::default().error_handler(routes::params_error))
            .route("/healthz", web::get().to(ops::healthz))
            .route("/readyz", web::get().to(ops::readyz))
            .configure(routes::scim::configure)
            .service(
                web::scope("/api")
                    // API answers hold personal data: no cache keeps them.
                    .wrap(DefaultHeaders::new().add((CACHE_CONTROL, "no-store")))
                    .wrap(from_fn(security::origin::middleware))
                    .wrap(from_fn(security::rate_limit::headers))
                    .route("/openapi.json", web::get().to(ops::openapi))
                    .route("/auth/register", web::post().to(auth::register))
                    .route("/auth/verify-email", web::post().to(auth::verify_email))
                    .route("/auth/login", web::post().to(auth::login))
                    .route("/auth/refresh", web::post().to(auth::refresh))
                    .route("/auth/logout", web::post().to(auth::logout))
                    .route("/auth/me", web::get().to(auth::me))
                    .route("/auth/mfa", web::get().to(routes::mfa::status))
                    .route("/auth/mfa/totp", web::post().to(routes::mfa::enroll))
                    .route("/auth/mfa/totp/confirm", web::post().to(routes::mfa::confirm))
                    .route("/auth/mfa/totp/disable", web::post().to(routes::mfa::disable))
                    .route("/auth/mfa/verify", web::post().to(routes::mfa::verify))
                    .route("/auth/password-reset", web::post().to(auth::request_password_reset))
                    .route(
                        "/auth/password-reset/confirm",
                        web::post().to(auth::confirm_password_reset),
                    )
                    .route("/auth/oidc/callback", web::get().to(routes::oidc::callback))
                    .route("/auth/oidc/{organization_id}/start", web::get().to(routes::oidc::start))
                    .route("/invitations/accept", web::post().to(routes::team::accept))
                    .route("/organizations/{id}/sso", web::get().to(routes::sso::get))
                    .route("/organizations/{id}/sso", web::put().to(routes::sso::put))
                    .route("/organizations/{id}/sso", web::delete().to(routes::sso::delete))
                    .route("/organizations/{id}/members", web::get().to(routes::team::members))
                    .route(
                        "/organizations/{id}/members/{user_id}",
                        web::patch().to(routes::team::change_role),
                    )
                    .route(
                        "/organizations/{id}/members/{user_id}",
                        web::delete().to(routes::team::remove_member),
                    )
                    .route("/organizations/{id}/invite", web::post().to(routes::team::invite))
                    .route(
                        "/organizations/{id}/invitations",
                        web::get().to(routes::team::invitations),
                    )
                    .route(
                        "/organizations/{id}/invitations/{invitation_id}",
                        web::delete().to(routes::team::revoke_invitation),
                    )
                    .route("/exchange-rates", web::get().to(routes::rates::list))
                    .route("/exchange-rates", web::put().to(routes::rates::put))
                    .route("/exchange-rates/import", web::post().to(routes::rates::import))
                    .route("/trash", web::get().to(routes::trash::list))
                    .route("/trash/{id}", web::delete().to(routes::trash::purge))
                    .route("/contacts/{id}/restore", web::post().to(routes::trash::restore_contact))
                    .route(
                        "/companies/{id}/restore",
                        web::post().to(routes::trash::restore_company),
                    )
                    .route("/deals/{id}/restore", web::post().to(routes::trash::restore_deal))
                    .route(
                        "/activities/{id}/restore",
                        web::post().to(routes::trash::restore_activity),
                    )
                    .route("/custom-fields", web::get().to(routes::custom_fields::list))
                    .route("/custom-fields", web::post().to(routes::custom_fields::create))
                    .route("/custom-fields/{id}", web::patch().to(routes::custom_fields::patch))
                    .route("/custom-fields/{id}", web::delete().to(routes::custom_fields::delete))
                    .route("/views", web::get().to(routes::views::list))
                    .route("/views", web::post().to(routes::views::create))
                    .route("/views/{id}", web::patch().to(routes::views::patch))
                    .route("/views/{id}", web::delete().to(routes::views::delete))
                    .route("/scim/token", web::get().to(routes::scim_token::get))
                    .route("/scim/token", web::post().to(routes::scim_token::issue))
                    .route("/scim/token", web::delete().to(routes::scim_token::revoke))
                    .route("/api-keys", web::get().to(routes::api_keys::list))
                    .route("/api-keys", web::post().to(routes::api_keys::create))
                    .route("/api-keys/{id}", web::delete().to(routes::api_keys::revoke))
                    .route("/webhooks", web::get().to(routes::webhooks::list))
                    .route("/webhooks", web::post().to(routes::webhooks::create))
                    .route("/webhooks/{id}", web::delete().to(routes::webhooks::delete))
                    .route("/webhooks/{id}/deliveries", web::get().to(routes::webhooks::deliveries))
                    .route(
                        "/webhooks/{id}/rotate-secret",
                        web::post().to(routes::webhooks::rotate_secret),
                    )
                    .route("/webhooks/{id}/enable", web::post().to(routes::webhooks::enable))
                    .route(
                        "/webhooks/{id}/deliveries/{delivery_id}/redeliver",
                        web::post().to(routes::webhooks::redeliver),
                    )
                    .route("/jobs", web::get().to(routes::jobs::list))
                    .route("/jobs/{id}/retry", web::post().to(routes::jobs::retry))
                    .route("/activities", web::get().to(routes::activities::list))
                    .route("/activities", web::post().to(routes::activities::create))
                    .route("/activities/{id}", web::get().to(routes::activities::get))
                    .route("/activities/{id}", web::patch().to(routes::activities::patch))
                    .route("/activities/{id}", web::delete().to(routes::activities::delete))
                    .route(
                        "/contacts/{id}/activities",
                        web::get().to(routes::activities::contact_timeline),
                    )
                    .route(
                        "/companies/{id}/activities",
                        web::get().to(routes::activities::company_timeline),
                    )
                    // Before `/{id}`: actix matches in order, `export` is no id.
                    .route("/contacts/export", web::get().to(routes::export::contacts))
                    .route("/companies/export", web::get().to(routes::export::companies))
                    .route("/deals/export", web::get().to(routes::export::deals))
                    .route("/contacts/import", web::post().to(routes::imports::upload))
                    .route("/contacts/duplicates", web::get().to(routes::merge::contact_duplicates))
                    .route(
                        "/companies/duplicates",
                        web::get().to(routes::merge::company_duplicates),
                    )
                    .route("/contacts/merge", web::post().to(routes::merge::merge_contacts))
                    .route("/companies/merge", web::post().to(routes::merge::merge_companies))
                    // Any other method on these literal paths is a 405 naming
                    // theirs, not a 404 from the `{id}` route they shadow.
                    .route("/contacts/export", web::route().to(web_app::fallback))
                    .route("/companies/export", web::route().to(web_app::fallback))
                    .route("/deals/export", web::route().to(web_app::fallback))
                    .route("/contacts/import", web::route().to(web_app::fallback))
                    .route("/contacts/duplicates", web::route().to(web_app::fallback))
                    .route("/companies/duplicates", web::route().to(web_app::fallback))
                    .route("/contacts/merge", web::route().to(web_app::fallback))
                    .route("/companies/merge", web::route().to(web_app::fallback))
                    .route("/imports", web::get().to(routes::imports::list))
                    .route("/imports/{id}", web::get().to(routes::imports::get))
                    .route("/imports/{id}/errors.csv", web::get().to(routes::imports::errors_csv))
                    .route("/imports/{id}/undo", web::post().to(routes::imports::undo))
                    .route("/contacts", web::get().to(contacts::list))
                    .route("/contacts", web::post().to(contacts::create))
                    .route("/contacts/{id}", web::get().to(contacts::get))
                    .route("/contacts/{id}", web::put().to(contacts::replace))
                    .route("/contacts/{id}", web::patch().to(contacts::patch))
                    .route("/contacts/{id}", web::delete().to(contacts::delete))
                    .route("/companies", web::get().to(companies::list))
                    .route("/companies", web::post().to(companies::create))
                    .route("/companies/{id}", web::get().to(companies::get))
                    .route("/companies/{id}", web::put().to(companies::replace))
                    .route("/companies/{id}", web::patch().to(companies::patch))
                    .route("/companies/{id}", web::delete().to(companies::delete))
                    .route("/companies/{id}/contacts", web::get().to(companies::contacts))
                    .route("/companies/{id}/deals", web::get().to(deals::of_company))
                    .route("/contacts/{id}/deals", web::get().to(deals::of_contact))
                    .route("/organizations/{id}", web::get().to(organizations::get))
                    .route("/organizations/{id}", web::patch().to(organizations::patch))
                    .route("/pipelines", web::get().to(pipelines::list))
                    .route("/pipelines", web::post().to(pipelines::create))
                    .route("/pipelines/{id}", web::get().to(pipelines::get))
                    .route("/pipelines/{id}", web::patch().to(pipelines::patch))
                    .route("/pipelines/{id}", web::delete().to(pipelines::delete))
                    .route("/pipelines/{id}/deals", web::get().to(pipelines::board))
                    .route("/pipelines/{pipeline_id}/stages", web::post().to(pipelines::add_stage))
                    .route(
                        "/pipelines/{pipeline_id}/stages/order",
                        web::put().to(pipelines::reorder),
                    )
                    .route(
                        "/pipelines/{pipeline_id}/stages/order",
                        web::route().to(web_app::fallback),
                    )
                    .route(
                        "/pipelines/{pipeline_id}/stages/{stage_id}",
                        web::patch().to(pipelines::update_stage),
                    )
                    .route(
                        "/pipelines/{pipeline_id}/stages/{stage_id}",
                        web::delete().to(pipelines::delete_stage),
                    )
                    .route("/deals", web::get().to(deals::list))
                    .route("/deals", web::post().to(deals::create))
                    .route("/deals/{id}", web::get().to(deals::get))
                    .route("/deals/{id}", web::put().to(deals::replace))
                    .route("/deals/{id}", web::patch().to(deals::patch))
                    .route("/deals/{id}", web::delete().to(deals::delete))
                    .route("/deals/{id}/history", web::get().to(deals::history))
                    .route(
                        "/deals/{id}/activities",
                        web::get().to(routes::activities::deal_timeline),
                    )
                    .route("/reports/forecast", web::get().to(reports::forecast))
                    .route("/reports/win-rate", web::get().to(routes::sales_reports::win_rate))
                    .route(
                        "/reports/sales-cycle",
                        web::get().to(routes::sales_reports::sales_cycle),
                    )
                    .route("/reports/funnel", web::get().to(routes::sales_reports::funnel))
                    .route("/reports/velocity", web::get().to(routes::sales_reports::velocity))
                    .route("/reports/activity", web::get().to(routes::sales_reports::activities))
                    .route("/reports/rotting", web::get().to(routes::sales_reports::rotting))
                    .route(
                        "/reports/forecast-accuracy",
                        web::get().to(routes::sales_reports::forecast_accuracy),
                    )
                    .route("/audit-log", web::get().to(routes::audit::list))
                    .route("/audit-log/verify", web::get().to(routes::audit::verify))
                    .route("/users/me/export", web::get().to(routes::gdpr::export))
                    .route("/users/me", web::delete().to(routes::gdpr::erase))
                    .route(
                        "/organizations/{id}",
                        web::delete().to(routes::gdpr::delete_organization),
                    ),
            )
            .default_service(web::to(web_app::fallback));
    }
}

/// Wraps an app's services with the request-id middleware (outermost, so
/// every response, errors included, carries `X-Request-Id`).
pub use request_id::middleware as request_id_middleware;
