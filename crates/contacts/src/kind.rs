//! Contacts and companies as kinds of owned record.

use crate::company::{Company, CompanyDraft, CompanyInput};
use crate::contact::{Contact, ContactDraft, ContactInput};
use crate::query::{CompanyQuery, ContactQuery};
use clearview_kernel::custom_fields::{CustomEntity, CustomQuery, CustomValues};
use clearview_kernel::records::RecordKind;
use clearview_kernel::{CompanyId, ContactId, PageRequest, UserId, ValidationErrors};

pub struct Contacts;

impl RecordKind for Contacts {
    type Id = ContactId;
    type Input = ContactInput;
    type Draft = ContactDraft;
    type Record = Contact;
    type Query = ContactQuery;
    const CUSTOM_ENTITY: Option<CustomEntity> = Some(CustomEntity::Contact);

    fn new_id() -> ContactId {
        ContactId::generate()
    }
    fn validate(input: &ContactInput) -> Result<ContactDraft, ValidationErrors> {
        input.validate()
    }
    fn input_of(record: &Contact) -> ContactInput {
        record.into()
    }
    fn input_owner(input: &mut ContactInput) -> &mut Option<UserId> {
        &mut input.owner_id
    }
    fn record_owner(record: &Contact) -> Option<UserId> {
        record.owner_id
    }
    fn custom_changes(input: &ContactInput) -> Option<&CustomValues> {
        Some(&input.custom_fields)
    }
    fn record_custom(record: &Contact) -> Option<&CustomValues> {
        Some(&record.custom_fields)
    }
    fn set_custom(draft: &mut ContactDraft, values: CustomValues) {
        draft.custom_fields = values;
    }
    fn custom_query(query: &mut ContactQuery) -> Option<(&mut CustomQuery, &PageRequest)> {
        Some((&mut query.custom, &query.page))
    }
}

pub struct Companies;

impl RecordKind for Companies {
    type Id = CompanyId;
    type Input = CompanyInput;
    type Draft = CompanyDraft;
    type Record = Company;
    type Query = CompanyQuery;
    const CUSTOM_ENTITY: Option<CustomEntity> = Some(CustomEntity::Company);

    fn new_id() -> CompanyId {
        CompanyId::generate()
    }
    fn validate(input: &CompanyInput) -> Result<CompanyDraft, ValidationErrors> {
        input.validate()
    }
    fn input_of(record: &Company) -> CompanyInput {
        record.into()
    }
    fn input_owner(input: &mut CompanyInput) -> &mut Option<UserId> {
        &mut input.owner_id
    }
    fn record_owner(record: &Company) -> Option<UserId> {
        record.owner_id
    }
    fn custom_changes(input: &CompanyInput) -> Option<&CustomValues> {
        Some(&input.custom_fields)
    }
    fn record_custom(record: &Company) -> Option<&CustomValues> {
        Some(&record.custom_fields)
    }
    fn set_custom(draft: &mut CompanyDraft, values: CustomValues) {
        draft.custom_fields = values;
    }
    fn custom_query(query: &mut CompanyQuery) -> Option<(&mut CustomQuery, &PageRequest)> {
        Some((&mut query.custom, &query.page))
    }
}
