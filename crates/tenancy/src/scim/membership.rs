//! How a SCIM user's membership and role follow from what the provider
//! says (ADR 0036). Pure: the adapter gathers the facts, these decide.

use super::model::UserAttributes;
use clearview_kernel::{EmailAddress, Role};

/// The role a group grants, read from its name: `Admins`, `manager`,
/// `Clearview Reps`… (singular or plural, any case, optionally prefixed
/// `Clearview `). Other groups grant nothing.
pub fn group_role(display_name: &str) -> Option<Role> {
    let name = display_name.trim().to_lowercase();
    let name = name.strip_prefix("clearview ").unwrap_or(&name).trim();
    let singular = name.strip_suffix('s').unwrap_or(name);
    Role::ALL.into_iter().find(|r| r.as_str() == singular)
}

const fn rank(role: Role) -> u8 {
    match role {
        Role::Admin => 3,
        Role::Manager => 2,
        Role::Rep => 1,
        Role::Viewer => 0,
    }
}

/// The most privileged of the roles, if any.
pub fn highest_role(roles: impl IntoIterator<Item = Role>) -> Option<Role> {
    roles.into_iter().max_by_key(|r| rank(*r))
}

/// The address the person signs in with: `userName` when it is one, else
/// the primary address, else the first.
pub fn login_address(user: &UserAttributes) -> Option<EmailAddress> {
    if let Ok(address) = EmailAddress::parse(&user.user_name) {
        return Some(address);
    }
    let primary = user.emails.iter().find(|e| e.primary == Some(true));
    primary
        .into_iter()
        .chain(user.emails.iter())
        .find_map(|e| EmailAddress::parse(&e.value).ok())
}

/// What to do to a SCIM user's membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipPlan {
    Nothing,
    /// Join the organization with this role.
    Join(Role),
    /// Take this role (sessions end, so it applies at once).
    ChangeRole(Role),
    /// Leave the organization (sessions end).
    Leave,
}

/// Decides the membership: a person with access (not deactivated, with an
/// address) is a member; their role is the highest their groups grant. With
/// no role-granting group a newcomer joins as a rep and an existing member
/// keeps their role, so connecting a provider never demotes the admin who
/// set it up.
pub fn plan_membership(has_access: bool, current: Option<Role>, group_role: Option<Role>) -> MembershipPlan {
    match (has_access, current) {
        (false, None) => MembershipPlan::Nothing,
        (false, Some(_)) => MembershipPlan::Leave,
        (true, None) => MembershipPlan::Join(group_role.unwrap_or(Role::Rep)),
        (true, Some(current)) => match group_role {
            Some(role) if role != current => MembershipPlan::ChangeRole(role),
            _ => MembershipPlan::Nothing,
        },
    }
}

/// Whether the person may use Clearview: not deactivated and reachable.
pub fn has_access(user: &UserAttributes) -> bool {
    user.active != Some(false) && login_address(user).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::ScimEmail;

    #[test]
    fn group_names_grant_roles() {
        assert_eq!(group_role("Admins"), Some(Role::Admin));
        assert_eq!(group_role(" clearview managers "), Some(Role::Manager));
        assert_eq!(group_role("Clearview Rep"), Some(Role::Rep));
        assert_eq!(group_role("VIEWERS"), Some(Role::Viewer));
        assert_eq!(group_role("Sales"), None);
        assert_eq!(group_role("Administrators"), None);
    }

    #[test]
    fn the_highest_role_wins() {
        assert_eq!(highest_role([Role::Rep, Role::Admin, Role::Viewer]), Some(Role::Admin));
        assert_eq!(highest_role([]), None);
    }

    #[test]
    fn the_login_address_is_the_user_name_then_the_primary_then_the_first() {
        let mut user = UserAttributes {
            user_name: "jdoe".into(),
            emails: vec![
                ScimEmail {
                    value: "home@example.com".into(),
                    ..ScimEmail::default()
                },
                ScimEmail {
                    value: "work@example.com".into(),
                    primary: Some(true),
                    ..ScimEmail::default()
                },
            ],
            ..UserAttributes::default()
        };
        assert_eq!(login_address(&user).unwrap().as_str(), "work@example.com");
        user.emails[1].primary = None;
        assert_eq!(login_address(&user).unwrap().as_str(), "home@example.com");
        user.user_name = "Jane@Example.com".into();
        assert_eq!(login_address(&user).unwrap().as_str(), "Jane@Example.com");
        user.user_name = "jdoe".into();
        user.emails.clear();
        assert_eq!(login_address(&user), None);
        assert!(!has_access(&user));
    }

    #[test]
    fn membership_follows_access_and_groups() {
        use MembershipPlan::*;
        assert_eq!(plan_membership(true, None, None), Join(Role::Rep));
        assert_eq!(plan_membership(true, None, Some(Role::Viewer)), Join(Role::Viewer));
        assert_eq!(plan_membership(true, Some(Role::Admin), None), Nothing);
        assert_eq!(
            plan_membership(true, Some(Role::Rep), Some(Role::Manager)),
            ChangeRole(Role::Manager)
        );
        assert_eq!(plan_membership(true, Some(Role::Rep), Some(Role::Rep)), Nothing);
        assert_eq!(plan_membership(false, Some(Role::Rep), Some(Role::Admin)), Leave);
        assert_eq!(plan_membership(false, None, None), Nothing);
    }
}
