//! Activities as a kind of owned record.

use crate::activity::{Activity, ActivityDraft, ActivityInput};
use crate::query::ActivityQuery;
use clearview_kernel::records::RecordKind;
use clearview_kernel::{ActivityId, UserId, ValidationErrors};

pub struct Activities;

impl RecordKind for Activities {
    type Id = ActivityId;
    type Input = ActivityInput;
    type Draft = ActivityDraft;
    type Record = Activity;
    type Query = ActivityQuery;

    fn new_id() -> ActivityId {
        ActivityId::generate()
    }
    fn validate(input: &ActivityInput) -> Result<ActivityDraft, ValidationErrors> {
        input.validate()
    }
    fn input_of(record: &Activity) -> ActivityInput {
        record.into()
    }
    fn input_owner(input: &mut ActivityInput) -> &mut Option<UserId> {
        &mut input.owner_id
    }
    fn record_owner(record: &Activity) -> Option<UserId> {
        record.owner_id
    }
}
