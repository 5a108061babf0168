//! The role matrix for records (design/api.md, "Roles"):
//! admins and managers read and change everything and assign owners; reps
//! create records they own, change only their own, and read all records or
//! only their own as the organization decides; viewers only read.

use crate::{Role, TenantContext, UserId};

/// The organization's `rep_visibility` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    All,
    Own,
}

/// Which records a query may return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadScope {
    Everything,
    OwnedBy(UserId),
}

pub fn read_scope(ctx: &TenantContext, visibility: Visibility) -> ReadScope {
    match (ctx.role, visibility) {
        (Role::Rep, Visibility::Own) => ReadScope::OwnedBy(ctx.user_id),
        _ => ReadScope::Everything,
    }
}

/// Whether the role's reads depend on the organization's setting at all
/// (so the setting is only looked up when it matters).
pub fn scope_depends_on_setting(ctx: &TenantContext) -> bool {
    ctx.role == Role::Rep
}

/// Who owns a new record: the requested owner, or the creator. A rep may
/// only create records owned by themself.
pub fn owner_on_create(ctx: &TenantContext, requested: Option<UserId>) -> Result<UserId, &'static str> {
    if !ctx.role.can_write() {
        return Err("viewers cannot create records");
    }
    match requested {
        Some(owner) if owner != ctx.user_id && !ctx.role.manages_all_records() => {
            Err("only admins and managers can assign a record to someone else")
        }
        Some(owner) => Ok(owner),
        None => Ok(ctx.user_id),
    }
}

/// Whether the caller may change or delete a record with this owner.
pub fn may_modify(ctx: &TenantContext, owner: Option<UserId>) -> Result<(), &'static str> {
    if ctx.role.manages_all_records() || (ctx.role == Role::Rep && owner == Some(ctx.user_id)) {
        Ok(())
    } else if ctx.role == Role::Viewer {
        Err("viewers cannot change records")
    } else {
        Err("reps can only change records they own")
    }
}

/// Whether the caller may move a record from one owner to another.
pub fn may_reassign(ctx: &TenantContext, from: Option<UserId>, to: Option<UserId>) -> Result<(), &'static str> {
    if from == to || ctx.role.manages_all_records() {
        Ok(())
    } else {
        Err("only admins and managers can change a record's owner")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TenantId;

    fn ctx(role: Role) -> TenantContext {
        TenantContext::new(TenantId::generate(), UserId::generate(), role)
    }

    #[test]
    fn reps_see_their_own_records_only_when_the_organization_says_so() {
        let rep = ctx(Role::Rep);
        assert_eq!(read_scope(&rep, Visibility::Own), ReadScope::OwnedBy(rep.user_id));
        assert_eq!(read_scope(&rep, Visibility::All), ReadScope::Everything);
        assert_eq!(read_scope(&ctx(Role::Manager), Visibility::Own), ReadScope::Everything);
        assert_eq!(read_scope(&ctx(Role::Viewer), Visibility::Own), ReadScope::Everything);
    }

    #[test]
    fn new_records_belong_to_their_creator_unless_a_manager_assigns_them() {
        let rep = ctx(Role::Rep);
        let other = UserId::generate();
        assert_eq!(owner_on_create(&rep, None), Ok(rep.user_id));
        assert!(owner_on_create(&rep, Some(other)).is_err());
        assert_eq!(owner_on_create(&ctx(Role::Manager), Some(other)), Ok(other));
        assert!(owner_on_create(&ctx(Role::Viewer), None).is_err());
    }

    #[test]
    fn the_change_matrix_follows_the_contract() {
        let rep = ctx(Role::Rep);
        assert!(may_modify(&rep, Some(rep.user_id)).is_ok());
        assert!(may_modify(&rep, Some(UserId::generate())).is_err());
        assert!(may_modify(&rep, None).is_err());
        assert!(may_modify(&ctx(Role::Admin), None).is_ok());
        assert!(may_modify(&ctx(Role::Viewer), None).is_err());
        assert!(may_reassign(&rep, Some(rep.user_id), None).is_err());
        assert!(may_reassign(&rep, Some(rep.user_id), Some(rep.user_id)).is_ok());
        assert!(may_reassign(&ctx(Role::Manager), None, Some(rep.user_id)).is_ok());
    }
}
