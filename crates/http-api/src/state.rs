//! What handlers share: the use cases, the token keys and HTTP settings.

use crate::security::rate_limit::Limits;
use crate::security::tokens::TokenKeys;
use async_trait::async_trait;
use clearview_activities::ActivityService;
use clearview_contacts::{CompanyService, ContactService, ImportService};
use clearview_deals::DealService;
use clearview_kernel::export::ExportService;
use clearview_kernel::jobs::JobService;
use clearview_pipelines::PipelineService;
use clearview_tenancy::{
    ApiKeyService, AuditService, MfaService, PrivacyService, SignupService, ViewService, WebhookService,
};
use clearview_tenancy::{AuthService, OrganizationService, PasswordResetService, TeamService};
use std::sync::Arc;

/// HTTP-level settings from configuration.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Origins allowed to send unsafe requests (exact `scheme://host[:port]`).
    pub allowed_origins: Vec<String>,
    /// The `Secure` cookie attribute; only ever off for plain-HTTP tests.
    pub secure_cookies: bool,
    /// Largest accepted JSON body, in bytes.
    pub max_body_bytes: usize,
    /// Largest accepted CSV import upload, in bytes.
    pub import_max_bytes: u64,
    /// Stored import data (all of its uploads) one organization may hold.
    pub import_quota_bytes: u64,
    /// A client that sends (upload) or reads (export) nothing for this long
    /// is dropped, so a stalled client holds nothing for long.
    pub client_stall: std::time::Duration,
    /// The built web app served at `/` (`None`: API only).
    pub web_dir: Option<std::path::PathBuf>,
    /// Where users reach this server (`PUBLIC_BASE_URL`): SCIM resources'
    /// `meta.location` is built from it.
    pub public_base_url: String,
}

/// Health of the backing services, for `/readyz`.
#[async_trait]
pub trait Readiness: Send + Sync {
    /// Whether the database answers.
    async fn database(&self) -> bool;
    /// `None` when Redis is not configured, else whether it answers.
    async fn redis(&self) -> Option<bool>;
}

pub struct ApiState {
    pub auth: AuthService,
    pub signups: SignupService,
    pub team: TeamService,
    pub resets: PasswordResetService,
    pub jobs: JobService,
    pub contacts: ContactService,
    pub imports: ImportService,
    pub companies: CompanyService,
    pub organizations: OrganizationService,
    pub pipelines: PipelineService,
    pub deals: DealService,
    pub activities: ActivityService,
    pub tokens: TokenKeys,
    pub readiness: Arc<dyn Readiness>,
    pub limits: Limits,
    pub audit: AuditService,
    pub api_keys: ApiKeyService,
    pub mfa: MfaService,
    pub views: ViewService,
    pub custom_fields: clearview_kernel::custom_fields::CustomFieldService,
    pub trash: clearview_kernel::trash::TrashService,
    pub contact_merges: clearview_contacts::ContactMergeService,
    pub company_merges: clearview_contacts::CompanyMergeService,
    pub rates: clearview_pipelines::RateService,
    pub reports: clearview_pipelines::ReportService,
    pub webhooks: WebhookService,
    pub scim: clearview_tenancy::scim::ScimService,
    pub sso: clearview_tenancy::sso::SsoService,
    pub privacy: PrivacyService,
    pub exports: ExportService,
    /// Slots for imports and exports per organization.
    pub transfers: Arc<crate::security::transfers::TransferSlots>,
}
