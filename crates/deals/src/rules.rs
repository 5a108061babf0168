//! What a stage move does to a deal.

use chrono::{DateTime, Utc};
use clearview_pipelines::StageKind;

/// A deal closes when it reaches a won or lost stage, keeps its closing time
/// while it stays closed the same way, and reopens (no `closed_at`) in an
/// open stage.
pub fn closed_at_after_move(
    previous: Option<(StageKind, Option<DateTime<Utc>>)>,
    to: StageKind,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if !to.is_closed() {
        return None;
    }
    match previous {
        Some((kind, Some(closed_at))) if kind == to => Some(closed_at),
        _ => Some(now),
    }
}

/// Only a lost deal has a lost reason. A reason the client sends for a deal
/// that is not lost is an error; a reason left over from before the deal
/// was reopened or won is dropped.
pub fn lost_reason_after_move(
    to: StageKind,
    requested: Option<String>,
    previous: Option<&str>,
) -> Result<Option<String>, &'static str> {
    match (to, requested) {
        (StageKind::Lost, reason) => Ok(reason),
        (_, None) => Ok(None),
        (_, Some(reason)) if Some(reason.as_str()) == previous => Ok(None),
        (_, Some(_)) => Err("only a deal in a lost stage has a lost reason"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn closing_and_reopening() {
        let now = Utc::now();
        let earlier = now - Duration::days(3);
        assert_eq!(closed_at_after_move(None, StageKind::Open, now), None);
        assert_eq!(closed_at_after_move(None, StageKind::Won, now), Some(now));
        assert_eq!(
            closed_at_after_move(Some((StageKind::Won, Some(earlier))), StageKind::Won, now),
            Some(earlier)
        );
        assert_eq!(
            closed_at_after_move(Some((StageKind::Lost, Some(earlier))), StageKind::Won, now),
            Some(now)
        );
        assert_eq!(
            closed_at_after_move(Some((StageKind::Won, Some(earlier))), StageKind::Open, now),
            None
        );
    }

    #[test]
    fn lost_reasons_belong_to_lost_deals() {
        let why = Some("budget".to_owned());
        assert_eq!(
            lost_reason_after_move(StageKind::Lost, why.clone(), None),
            Ok(why.clone())
        );
        assert!(lost_reason_after_move(StageKind::Open, why.clone(), None).is_err());
        assert_eq!(lost_reason_after_move(StageKind::Open, why, Some("budget")), Ok(None));
    }
}
