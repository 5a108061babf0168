//! What the generic record service needs to know about a kind of record.

use crate::company::{Company, CompanyDraft, CompanyInput};
use crate::contact::{Contact, ContactDraft, ContactInput};
use crate::query::{CompanyQuery, ContactQuery};
use clearview_kernel::{CompanyId, ContactId, UserId, ValidationErrors};

pub trait RecordKind: Send + Sync + 'static {
    type Id: Copy + Send + Sync;
    type Input: Clone + Send + Sync;
    type Draft: Send + Sync;
    type Record: Send + Sync;
    type Query: Send + Sync;

    fn new_id() -> Self::Id;
    fn validate(input: &Self::Input) -> Result<Self::Draft, ValidationErrors>;
    /// The client-settable fields of an existing record (the base of a PATCH).
    fn input_of(record: &Self::Record) -> Self::Input;
    fn input_owner(input: &mut Self::Input) -> &mut Option<UserId>;
    fn record_owner(record: &Self::Record) -> Option<UserId>;
}

pub struct Contacts;

impl RecordKind for Contacts {
    type Id = ContactId;
    type Input = ContactInput;
    type Draft = ContactDraft;
    type Record = Contact;
    type Query = ContactQuery;

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
}

pub struct Companies;

impl RecordKind for Companies {
    type Id = CompanyId;
    type Input = CompanyInput;
    type Draft = CompanyDraft;
    type Record = Company;
    type Query = CompanyQuery;

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
}
