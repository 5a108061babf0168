//! Deals and their inputs.

use chrono::{DateTime, NaiveDate, Utc};
use clearview_kernel::custom_fields::{CustomQuery, CustomValues};
use clearview_kernel::{
    Amount, CompanyId, ContactId, Currency, DealId, Decimal, PageRequest, PipelineId, SearchTerm, StageId, UserId,
    ValidationErrors, optional_text, required_text,
};
use clearview_pipelines::{BoardRow, Pipeline, Probability, StageKind};

pub const DEAL_SORTS: &[&str] = &["created_at", "updated_at", "title", "amount"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deal {
    pub id: DealId,
    pub title: String,
    pub amount: Decimal,
    pub currency: Currency,
    pub pipeline_id: PipelineId,
    pub stage_id: StageId,
    /// The stage's kind: open, won or lost.
    pub status: StageKind,
    pub stage_probability: u8,
    /// An override of the stage's probability.
    pub probability: Option<u8>,
    pub contact_ids: Vec<ContactId>,
    pub company_id: Option<CompanyId>,
    pub owner_id: Option<UserId>,
    pub expected_close_date: Option<NaiveDate>,
    pub closed_at: Option<DateTime<Utc>>,
    pub lost_reason: Option<String>,
    pub custom_fields: CustomValues,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Deal {
    /// The probability that counts: the override, else the stage's.
    pub fn effective_probability(&self) -> u8 {
        self.probability.unwrap_or(self.stage_probability)
    }
}

/// Every field a client may set, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealInput {
    pub title: String,
    pub amount: String,
    pub currency: String,
    pub pipeline_id: Option<PipelineId>,
    pub stage_id: Option<StageId>,
    pub contact_ids: Vec<ContactId>,
    pub company_id: Option<CompanyId>,
    pub expected_close_date: Option<NaiveDate>,
    pub probability: Option<i64>,
    pub owner_id: Option<UserId>,
    pub lost_reason: Option<String>,
    /// Input: the custom values to set (`null` clears). Draft: all of
    /// them, checked by the service.
    pub custom_fields: CustomValues,
}

impl From<&Deal> for DealInput {
    fn from(d: &Deal) -> Self {
        DealInput {
            title: d.title.clone(),
            amount: d.amount.to_string(),
            currency: d.currency.as_str().to_owned(),
            pipeline_id: Some(d.pipeline_id),
            stage_id: Some(d.stage_id),
            contact_ids: d.contact_ids.clone(),
            company_id: d.company_id,
            expected_close_date: d.expected_close_date,
            probability: d.probability.map(i64::from),
            owner_id: d.owner_id,
            lost_reason: d.lost_reason.clone(),
            // A change sets only what it names.
            custom_fields: CustomValues::new(),
        }
    }
}

/// A validated deal (its stage not yet resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealDraft {
    pub title: String,
    pub amount: Amount,
    pub currency: Currency,
    pub pipeline_id: Option<PipelineId>,
    pub stage_id: Option<StageId>,
    pub contact_ids: Vec<ContactId>,
    pub company_id: Option<CompanyId>,
    pub expected_close_date: Option<NaiveDate>,
    pub probability: Option<Probability>,
    pub owner_id: Option<UserId>,
    pub lost_reason: Option<String>,
    /// Input: the custom values to set (`null` clears). Draft: all of
    /// them, checked by the service.
    pub custom_fields: CustomValues,
}

pub const MAX_CONTACTS: usize = 50;

impl DealInput {
    pub fn validate(&self) -> Result<DealDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let title = errors.check("title", required_text(&self.title, 200));
        let amount = errors.check("amount", Amount::parse(&self.amount));
        let currency = errors.check("currency", Currency::parse(&self.currency));
        let probability = match self.probability {
            Some(p) => errors.check("probability", Probability::new(p)).map(Some),
            None => Some(None),
        };
        let lost_reason = errors.check("lost_reason", optional_text(self.lost_reason.as_deref(), 500));
        let mut contact_ids = self.contact_ids.clone();
        contact_ids.sort();
        contact_ids.dedup();
        if contact_ids.len() > MAX_CONTACTS {
            errors.add("contact_ids", format!("must list at most {MAX_CONTACTS} contacts"));
        }
        match (title, amount, currency, probability, lost_reason) {
            (Some(title), Some(amount), Some(currency), Some(probability), Some(lost_reason)) if errors.is_empty() => {
                Ok(DealDraft {
                    title,
                    amount,
                    currency,
                    pipeline_id: self.pipeline_id,
                    stage_id: self.stage_id,
                    contact_ids,
                    company_id: self.company_id,
                    expected_close_date: self.expected_close_date,
                    probability,
                    owner_id: self.owner_id,
                    lost_reason,
                    custom_fields: CustomValues::new(),
                })
            }
            _ => Err(errors),
        }
    }
}

/// A stage as a deal sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRef {
    pub pipeline_id: PipelineId,
    pub stage_id: StageId,
    pub name: String,
    pub kind: StageKind,
    pub probability: u8,
}

/// Everything an adapter stores for one create or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealWrite {
    pub draft: DealDraft,
    pub stage: StageRef,
    pub closed_at: Option<DateTime<Utc>>,
    /// Set when the stage changes (on create: from nothing); the adapter
    /// records it in the deal's history, by the acting user.
    pub moved_from: Option<Option<StageRef>>,
}

/// One entry of a deal's stage history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageChange {
    pub from_stage_id: Option<StageId>,
    pub from_stage_name: Option<String>,
    pub to_stage_id: StageId,
    pub to_stage_name: String,
    pub changed_by: Option<UserId>,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealQuery {
    pub pipeline_id: Option<PipelineId>,
    pub stage_id: Option<StageId>,
    pub status: Option<StageKind>,
    pub owner_id: Option<UserId>,
    pub contact_id: Option<ContactId>,
    pub company_id: Option<CompanyId>,
    /// Contained in the title.
    pub search: Option<SearchTerm>,
    pub custom: CustomQuery,
    pub page: PageRequest,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> DealInput {
        DealInput {
            title: "Fleet renewal".into(),
            amount: "12500.00".into(),
            currency: "USD".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_deal_keeps_its_exact_amount_and_deduplicates_contacts() {
        let contact = ContactId::generate();
        let draft = DealInput {
            contact_ids: vec![contact, contact],
            ..input()
        }
        .validate()
        .unwrap();
        assert_eq!(draft.amount.value().to_string(), "12500.00");
        assert_eq!(draft.contact_ids, vec![contact]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = DealInput {
            title: " ".into(),
            amount: "-5".into(),
            currency: "usd".into(),
            probability: Some(101),
            ..Default::default()
        };
        let errors = bad.validate().unwrap_err();
        let fields: Vec<_> = errors.fields().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "amount", "currency", "probability"]);
    }
}

/// What the board shows of one pipeline, read at one moment: the pipeline
/// with its stages, each stage's sums per currency and probability, and up
/// to `per_stage + 1` newest deals of every stage (the extra one tells
/// whether a stage has more).
#[derive(Debug, Clone)]
pub struct Board {
    pub pipeline: Pipeline,
    pub totals: Vec<BoardRow>,
    pub deals: Vec<Deal>,
}
