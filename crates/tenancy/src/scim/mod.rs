//! SCIM 2.0 provisioning (issue 11, ADR 0036): an organization's identity
//! provider creates, changes and deactivates its people and groups, and
//! Clearview keeps each person's membership in step.
//!
//! A SCIM user is the directory's record of a person, not the membership:
//! it outlives a deactivation (the provider still reads it back with
//! `active: false`) and may have no address yet. Its membership follows
//! from it by [`plan_membership`]; its role from the groups it is in by
//! [`group_role`]. The SCIM token is the provider's only credential, one per
//! organization, shown once and stored as a digest.

mod membership;
mod model;
mod service;

pub use membership::{MembershipPlan, group_role, has_access, highest_role, login_address, plan_membership};
pub use model::{
    GroupAttributes, NewScimGroup, NewScimUser, ScimEmail, ScimFilter, ScimGroup, ScimName, ScimPage, ScimToken,
    ScimUser, UserAttributes,
};
pub use service::{ScimError, ScimRepository, ScimService, TOKEN_PREFIX};
