//! Pipelines, stages and their validated inputs.

use chrono::{DateTime, Utc};
use clearview_kernel::{PipelineId, StageId, ValidationErrors, required_text};
use std::str::FromStr;

/// What reaching a stage means for a deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

impl StageKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            StageKind::Open => "open",
            StageKind::Won => "won",
            StageKind::Lost => "lost",
        }
    }

    pub const fn is_closed(self) -> bool {
        !matches!(self, StageKind::Open)
    }
}

impl FromStr for StageKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(StageKind::Open),
            "won" => Ok(StageKind::Won),
            "lost" => Ok(StageKind::Lost),
            _ => Err("must be open, won or lost".into()),
        }
    }
}

/// A win probability in percent, 0..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Probability(u8);

impl Probability {
    pub fn new(value: i64) -> Result<Self, String> {
        u8::try_from(value)
            .ok()
            .filter(|v| *v <= 100)
            .map(Self)
            .ok_or_else(|| "must be a whole number from 0 to 100".into())
    }

    pub const fn get(self) -> u8 {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub id: StageId,
    pub pipeline_id: PipelineId,
    pub name: String,
    pub position: u32,
    pub probability: Probability,
    pub kind: StageKind,
    /// Days without an activity after which an open deal here is rotting
    /// (the rotting report); `None`: the report's default.
    pub rotting_days: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub id: PipelineId,
    pub name: String,
    pub is_default: bool,
    /// In board order.
    pub stages: Vec<Stage>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A validated stage to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageSpec {
    pub name: String,
    pub probability: Probability,
    pub kind: StageKind,
}

impl StageSpec {
    /// Validates one stage; `prefix` names its place in the request
    /// (`stages[2].`) so errors point at the right field.
    pub fn parse(
        prefix: &str,
        name: &str,
        probability: i64,
        kind: &str,
        errors: &mut ValidationErrors,
    ) -> Option<StageSpec> {
        let name = errors.check(&format!("{prefix}name"), required_text(name, 100));
        let probability = errors.check(&format!("{prefix}probability"), Probability::new(probability));
        let kind = errors.check(&format!("{prefix}kind"), kind.parse::<StageKind>());
        Some(StageSpec {
            name: name?,
            probability: probability?,
            kind: kind?,
        })
    }
}

/// A change to a stage; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StagePatch {
    pub name: Option<String>,
    pub probability: Option<Probability>,
    pub kind: Option<StageKind>,
    /// `Some(None)` clears the stage's own limit.
    pub rotting_days: Option<Option<u16>>,
}

/// A validated new pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPipeline {
    pub name: String,
    pub stages: Vec<StageSpec>,
}

impl NewPipeline {
    pub const MAX_STAGES: usize = 50;

    pub fn new(name: &str, stages: Vec<StageSpec>, errors: &mut ValidationErrors) -> Option<Self> {
        let name = errors.check("name", required_text(name, 100));
        if stages.is_empty() || stages.len() > Self::MAX_STAGES {
            errors.add("stages", format!("must list 1 to {} stages", Self::MAX_STAGES));
        } else if let Err(why) = crate::rules::ensure_open_stage(stages.iter().map(|s| s.kind)) {
            errors.add("stages", why);
        }
        Some(NewPipeline { name: name?, stages }).filter(|_| errors.is_empty())
    }
}

/// The funnel every new organization starts with.
pub fn default_stages() -> Vec<StageSpec> {
    [
        ("Lead", 10, StageKind::Open),
        ("Qualified", 25, StageKind::Open),
        ("Proposal", 50, StageKind::Open),
        ("Negotiation", 75, StageKind::Open),
        ("Won", 100, StageKind::Won),
        ("Lost", 0, StageKind::Lost),
    ]
    .into_iter()
    .map(|(name, probability, kind)| StageSpec {
        name: name.into(),
        probability: Probability(probability),
        kind,
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_are_percentages() {
        assert!(Probability::new(-1).is_err());
        assert!(Probability::new(101).is_err());
        assert_eq!(Probability::new(100).unwrap().get(), 100);
    }

    #[test]
    fn a_pipeline_needs_an_open_stage_and_distinct_stage_names() {
        let won = StageSpec {
            name: "Won".into(),
            probability: Probability(100),
            kind: StageKind::Won,
        };
        let mut errors = ValidationErrors::new();
        assert!(NewPipeline::new("Sales", vec![won.clone()], &mut errors).is_none());
        assert_eq!(errors.fields()[0].field, "stages");

        let mut errors = ValidationErrors::new();
        let open = StageSpec {
            name: "won".into(),
            probability: Probability(10),
            kind: StageKind::Open,
        };
        // Duplicate names are the service's 409 (a uniqueness clash), not a parse error.
        assert!(NewPipeline::new("Sales", vec![open, won], &mut errors).is_some());

        let mut errors = ValidationErrors::new();
        assert!(NewPipeline::new("Sales", default_stages(), &mut errors).is_some());
    }

    #[test]
    fn stage_errors_name_their_position() {
        let mut errors = ValidationErrors::new();
        assert!(StageSpec::parse("stages[1].", "", 150, "maybe", &mut errors).is_none());
        let fields: Vec<_> = errors.fields().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["stages[1].name", "stages[1].probability", "stages[1].kind"]);
    }
}
