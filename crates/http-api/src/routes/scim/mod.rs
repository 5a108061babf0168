//! `/scim/v2`: SCIM 2.0 provisioning for an organization's identity
//! provider (issue 11, ADR 0036). Its own protocol, so its own scope: a
//! bearer SCIM token is the only credential (no cookie, no API key), every
//! body is `application/scim+json`, every error a SCIM error. Its routes
//! are in the OpenAPI document (tag `scim`, free-form SCIM JSON); the
//! contract test leaves them to `scim2-tester`, which checks them in CI.

pub(crate) mod discovery;
mod error;
mod patch;
mod query;
pub(crate) mod resources;
mod wire;

use crate::security::session::bearer_token;
use crate::state::{ApiState, HttpSettings};
use actix_web::dev::Payload;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::middleware::DefaultHeaders;
use actix_web::web::{self, Data, ServiceConfig};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use clearview_kernel::TenantId;
use error::ScimFailure;
use futures_util::future::LocalBoxFuture;

/// The organization whose token authenticated the request, within its
/// organization's request budget.
#[derive(Clone, Copy)]
pub struct ScimTenant(pub TenantId);

impl FromRequest for ScimTenant {
    type Error = ScimFailure;
    type Future = LocalBoxFuture<'static, Result<Self, ScimFailure>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (token, state) = (bearer_token(req), req.app_data::<Data<ApiState>>().cloned());
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(ScimFailure::unauthorized)?;
            let token = token.ok().flatten().ok_or_else(ScimFailure::unauthorized)?;
            let tenant = state
                .scim
                .authenticate(&token)
                .await?
                .ok_or_else(ScimFailure::unauthorized)?;
            // The provider's requests count against its organization's
            // budget, as any integration's do.
            let policy = &state.limits.policies().organization_api;
            if let Err(spent) = state.limits.check(&req, policy, &tenant.to_string()).await {
                return Err(ScimFailure::new(
                    spent.status_code(),
                    None,
                    "too many requests; slow down",
                ));
            }
            Ok(ScimTenant(tenant))
        })
    }
}

/// The public base of every `meta.location`: `<PUBLIC_BASE_URL>/scim/v2`.
pub(crate) fn base_url(settings: &HttpSettings) -> String {
    format!("{}/scim/v2", settings.public_base_url.trim_end_matches('/'))
}

async fn not_found() -> HttpResponse {
    ScimFailure::not_found().error_response()
}

async fn method_not_allowed() -> HttpResponse {
    ScimFailure::method_not_allowed().error_response()
}

/// Registers `/scim/v2`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        web::scope("/scim/v2")
            // Answers hold personal data: no cache keeps them.
            .wrap(DefaultHeaders::new().add((CACHE_CONTROL, "no-store")))
            .app_data(web::QueryConfig::default().error_handler(|e, _| ScimFailure::syntax(e).into()))
            .route(
                "/ServiceProviderConfig",
                web::get().to(discovery::service_provider_config),
            )
            .route("/ServiceProviderConfig", web::route().to(method_not_allowed))
            .route("/Schemas", web::get().to(discovery::schemas))
            .route("/Schemas", web::route().to(method_not_allowed))
            .route("/Schemas/{id}", web::get().to(discovery::schema))
            .route("/Schemas/{id}", web::route().to(method_not_allowed))
            .route("/ResourceTypes", web::get().to(discovery::resource_types))
            .route("/ResourceTypes", web::route().to(method_not_allowed))
            .route("/ResourceTypes/{id}", web::get().to(discovery::resource_type))
            .route("/ResourceTypes/{id}", web::route().to(method_not_allowed))
            .route("/.search", web::post().to(resources::search_all))
            .route("/Users/.search", web::post().to(resources::search_users))
            .route("/Users", web::get().to(resources::list_users))
            .route("/Users", web::post().to(resources::create_user))
            .route("/Users", web::route().to(method_not_allowed))
            .route("/Users/{id}", web::get().to(resources::get_user))
            .route("/Users/{id}", web::put().to(resources::replace_user))
            .route("/Users/{id}", web::patch().to(resources::patch_user))
            .route("/Users/{id}", web::delete().to(resources::delete_user))
            .route("/Groups/.search", web::post().to(resources::search_groups))
            .route("/Groups", web::get().to(resources::list_groups))
            .route("/Groups", web::post().to(resources::create_group))
            .route("/Groups", web::route().to(method_not_allowed))
            .route("/Groups/{id}", web::get().to(resources::get_group))
            .route("/Groups/{id}", web::put().to(resources::replace_group))
            .route("/Groups/{id}", web::patch().to(resources::patch_group))
            .route("/Groups/{id}", web::delete().to(resources::delete_group))
            .default_service(web::to(not_found)),
    );
}
