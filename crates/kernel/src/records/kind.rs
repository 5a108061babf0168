//! What the generic record service needs to know about a kind of record.

use crate::custom_fields::{CustomEntity, CustomQuery, CustomValues};
use crate::{PageRequest, UserId, ValidationErrors};

pub trait RecordKind: Send + Sync + 'static {
    type Id: Copy + Send + Sync;
    type Input: Clone + Send + Sync;
    type Draft: Send + Sync;
    type Record: Send + Sync;
    type Query: Clone + Send + Sync;

    /// The kind whose custom fields these records take, if any.
    const CUSTOM_ENTITY: Option<CustomEntity> = None;

    fn new_id() -> Self::Id;
    fn validate(input: &Self::Input) -> Result<Self::Draft, ValidationErrors>;
    /// The client-settable fields of an existing record (the base of a PATCH).
    fn input_of(record: &Self::Record) -> Self::Input;
    fn input_owner(input: &mut Self::Input) -> &mut Option<UserId>;
    fn record_owner(record: &Self::Record) -> Option<UserId>;

    /// The custom values a write sets (`null` clears), if the kind has any.
    fn custom_changes(_input: &Self::Input) -> Option<&CustomValues> {
        None
    }
    fn record_custom(_record: &Self::Record) -> Option<&CustomValues> {
        None
    }
    fn set_custom(_draft: &mut Self::Draft, _values: CustomValues) {}
    /// A list query's custom filters and sort, with its page.
    fn custom_query(_query: &mut Self::Query) -> Option<(&mut CustomQuery, &PageRequest)> {
        None
    }
}
