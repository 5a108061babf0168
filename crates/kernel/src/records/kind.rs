//! What the generic record service needs to know about a kind of record.

use crate::{UserId, ValidationErrors};

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
