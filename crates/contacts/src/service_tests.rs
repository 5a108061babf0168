//! The generic record service exercised with contacts and an in-memory store.

use crate::ContactService;
use crate::contact::{Contact, ContactDraft, ContactInput};
use crate::kind::Contacts;
use crate::query::ContactQuery;
use async_trait::async_trait;
use chrono::Utc;
use clearview_kernel::custom_fields::NoCustomFields;
use clearview_kernel::records::{
    ReadScope, RecordError, RecordRepository, RecordService, Visibility, VisibilitySettings,
};
use clearview_kernel::{ContactId, Role, TenantId, UserId};
use clearview_kernel::{Page, RepoError, TenantContext};
use std::sync::Arc;
use std::sync::Mutex;
use uuid::Uuid;

/// An in-memory repository: enough to exercise the policy end to end.
#[derive(Default)]
pub(crate) struct Memory(Mutex<Vec<Contact>>);

fn stored(id: ContactId, draft: &ContactDraft) -> Contact {
    Contact {
        id,
        first_name: draft.first_name.clone(),
        last_name: draft.last_name.clone(),
        email: draft.email.as_ref().map(|e| e.as_str().to_owned()),
        phone: draft.phone.clone(),
        title: draft.title.clone(),
        company_id: draft.company_id,
        owner_id: draft.owner_id,
        custom_fields: draft.custom_fields.clone(),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

#[async_trait]
impl RecordRepository<Contacts> for Memory {
    async fn insert(&self, _: &TenantContext, id: ContactId, draft: &ContactDraft) -> Result<Contact, RepoError> {
        let contact = stored(id, draft);
        self.0.lock().unwrap().push(contact.clone());
        Ok(contact)
    }
    async fn get(&self, _: &TenantContext, id: ContactId, scope: ReadScope) -> Result<Contact, RepoError> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .find(|c| {
                c.id == id
                    && (scope == ReadScope::Everything
                        || scope == ReadScope::OwnedBy(c.owner_id.unwrap_or(UserId::from_uuid(Uuid::nil()))))
            })
            .cloned()
            .ok_or(RepoError::NotFound)
    }
    async fn update(&self, _: &TenantContext, id: ContactId, draft: &ContactDraft) -> Result<Contact, RepoError> {
        let mut all = self.0.lock().unwrap();
        let slot = all.iter_mut().find(|c| c.id == id).ok_or(RepoError::NotFound)?;
        *slot = stored(id, draft);
        Ok(slot.clone())
    }
    async fn delete(&self, _: &TenantContext, id: ContactId) -> Result<(), RepoError> {
        self.0.lock().unwrap().retain(|c| c.id != id);
        Ok(())
    }
    async fn list(&self, _: &TenantContext, _: &ContactQuery, _: ReadScope) -> Result<Page<Contact>, RepoError> {
        Ok(Page {
            items: self.0.lock().unwrap().clone(),
            next_cursor: None,
        })
    }
}

pub(crate) struct Setting(pub(crate) Visibility);

#[async_trait]
impl VisibilitySettings for Setting {
    async fn rep_visibility(&self, _: &TenantContext) -> Result<Visibility, RepoError> {
        Ok(self.0)
    }
}

fn service(visibility: Visibility) -> ContactService {
    RecordService::new(
        Arc::new(Memory::default()),
        Arc::new(Setting(visibility)),
        Arc::new(NoCustomFields),
    )
}

pub(crate) fn input(name: &str) -> ContactInput {
    ContactInput {
        first_name: name.into(),
        last_name: "Tester".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_rep_cannot_change_another_reps_contact_but_a_manager_can() {
    let tenant = TenantId::generate();
    let alice = TenantContext::new(tenant, UserId::generate(), Role::Rep);
    let bob = TenantContext::new(tenant, UserId::generate(), Role::Rep);
    let manager = TenantContext::new(tenant, UserId::generate(), Role::Manager);
    let contacts = service(Visibility::All);

    let created = contacts.create(&alice, input("Ada")).await.unwrap();
    assert_eq!(created.owner_id, Some(alice.user_id));

    let err = contacts
        .patch(&bob, created.id, |i| i.first_name = "Eve".into())
        .await
        .unwrap_err();
    assert!(matches!(err, RecordError::Forbidden(_)));
    assert!(matches!(
        contacts.delete(&bob, created.id).await,
        Err(RecordError::Forbidden(_))
    ));

    let moved = contacts
        .patch(&manager, created.id, |i| i.owner_id = Some(bob.user_id))
        .await
        .unwrap();
    assert_eq!(moved.owner_id, Some(bob.user_id));
}

#[tokio::test]
async fn with_own_visibility_a_rep_cannot_even_see_another_reps_contact() {
    let tenant = TenantId::generate();
    let alice = TenantContext::new(tenant, UserId::generate(), Role::Rep);
    let bob = TenantContext::new(tenant, UserId::generate(), Role::Rep);
    let contacts = service(Visibility::Own);
    let created = contacts.create(&alice, input("Ada")).await.unwrap();
    assert!(matches!(
        contacts.get(&bob, created.id).await,
        Err(RecordError::NotFound)
    ));
    assert!(contacts.get(&alice, created.id).await.is_ok());
}

#[tokio::test]
async fn a_rep_cannot_give_away_a_contact_and_a_viewer_cannot_create_one() {
    let tenant = TenantId::generate();
    let rep = TenantContext::new(tenant, UserId::generate(), Role::Rep);
    let viewer = TenantContext::new(tenant, UserId::generate(), Role::Viewer);
    let contacts = service(Visibility::All);
    let created = contacts.create(&rep, input("Ada")).await.unwrap();
    let err = contacts
        .patch(&rep, created.id, |i| i.owner_id = None)
        .await
        .unwrap_err();
    assert!(matches!(err, RecordError::Forbidden(_)));
    assert!(matches!(
        contacts.create(&viewer, input("Eve")).await,
        Err(RecordError::Forbidden(_))
    ));
}

#[tokio::test]
async fn invalid_input_is_rejected_before_storage() {
    let ctx = TenantContext::new(TenantId::generate(), UserId::generate(), Role::Admin);
    let err = service(Visibility::All).create(&ctx, input("")).await.unwrap_err();
    let RecordError::Invalid(errors) = err else {
        panic!("expected validation errors")
    };
    assert_eq!(errors.fields()[0].field, "first_name");
}
