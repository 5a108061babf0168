//! Organizations, identities, memberships and sign-in sessions: the domain
//! rules and the ports an adapter implements. Pure (invariant 1): hashing,
//! storage, token minting and the denylist are ports.
//!
//! The tenant of a session is fixed at login: every session belongs to one
//! organization, and refreshing it can never move it to another.

mod api_keys;
mod audit;
mod delivery;
mod emails;
mod mfa;
mod model;
mod organization;
mod ports;
mod privacy;
mod reset;
pub mod scim;
mod service;
mod signup;
pub mod sso;
mod team;
mod views;
mod webhooks;

pub use api_keys::{
    ApiKey, ApiKeyRepository, ApiKeyService, KEY_NAME_MAX, KeyCaller, KeyHolder, KeyRequest, KeyScope, NewApiKey,
};
pub use audit::{
    AuditEntry, AuditLog, AuditQuery, AuditRecord, AuditService, ChainBreak, ChainCheck, RequestOrigin, actions,
};
pub use delivery::MailDelivery;
pub use emails::{TaskReminder, task_reminder};
pub use mfa::{
    CHALLENGE_ATTEMPTS, CHALLENGE_MINUTES, ChallengeAttempt, Enrollment, MfaError, MfaPolicy, MfaPorts, MfaRepository,
    MfaSecrets, MfaService, MfaStanding, MfaStatus, RECOVERY_CODES, SecondFactor, SignIn, StoredTotp, code_at,
    matching_step, normalize_recovery_code,
};
pub use model::{
    LoginCandidate, Me, NewRegistration, Organization, OrganizationChanges, OrganizationName, Password, PersonName,
    RepVisibility, SessionGrant, SessionIdentity,
};
pub use organization::OrganizationService;
pub use ports::{
    AccountRepository, DenylistError, HashError, PasswordHasher, RefreshOutcome, SecretMinter, SessionDenylist,
};
pub use privacy::{
    IdentityData, MembershipData, OrganizationData, OwnedRecord, PersonalData, PrivacyRepository, PrivacyService,
    SessionData,
};
pub use reset::{PasswordResetService, RESET_MINUTES, ResetRepository};
pub use service::{AuthError, AuthService, LoginRequest, MembershipChoice, SESSION_LIFETIME_DAYS};
pub use signup::{NewSignup, PendingSignup, SIGNUP_HOURS, SignupRepository, SignupService};
pub use team::{
    INVITATION_DAYS, Invitation, Joiner, KnownIdentity, Member, NewInvitation, TeamRepository, TeamService,
};
pub use views::{
    SavedView, VIEW_NAME_MAX, VIEWS_PER_LIST, ViewDraft, ViewEntity, ViewInput, ViewRepository, ViewService,
};
pub use webhooks::{
    Attempt, DELIVERY_PAGE, Delivery, EVENT_TYPES, NewWebhook, Outgoing, RETRY_SCHEDULE, Webhook, WebhookRepository,
    WebhookSender, WebhookService, retry_delay,
};
