//! Stage rules that hold for every change to a pipeline.

use crate::model::StageKind;
use clearview_kernel::StageId;
use std::collections::HashSet;

/// A pipeline must keep somewhere for a live deal to be.
pub fn ensure_open_stage(kinds: impl IntoIterator<Item = StageKind>) -> Result<(), &'static str> {
    if kinds.into_iter().any(|k| k == StageKind::Open) {
        Ok(())
    } else {
        Err("a pipeline needs at least one open stage")
    }
}

/// Stage names are unique in a pipeline, ignoring case.
pub fn unique_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), &'static str> {
    let mut seen = HashSet::new();
    if names.into_iter().all(|n| seen.insert(n.trim().to_lowercase())) {
        Ok(())
    } else {
        Err("stage names must be unique in a pipeline")
    }
}

/// Checks that `requested` is exactly the current stages in a new order and
/// returns each stage with its new dense position (0, 1, 2, …).
pub fn reorder(current: &[StageId], requested: &[StageId]) -> Result<Vec<(StageId, u32)>, &'static str> {
    let current_set: HashSet<_> = current.iter().collect();
    let requested_set: HashSet<_> = requested.iter().collect();
    if requested.len() != current.len() || requested_set.len() != requested.len() || requested_set != current_set {
        return Err("must list every stage of the pipeline exactly once");
    }
    Ok(requested.iter().enumerate().map(|(i, id)| (*id, i as u32)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ids(n: usize) -> Vec<StageId> {
        (0..n).map(|_| StageId::generate()).collect()
    }

    #[test]
    fn a_reorder_must_be_a_permutation() {
        let stages = ids(3);
        assert!(reorder(&stages, &stages[..2]).is_err());
        assert!(reorder(&stages, &[stages[0], stages[0], stages[1]]).is_err());
        assert!(reorder(&stages, &[stages[0], stages[1], StageId::generate()]).is_err());
        let new = reorder(&stages, &[stages[2], stages[0], stages[1]]).unwrap();
        assert_eq!(new, vec![(stages[2], 0), (stages[0], 1), (stages[1], 2)]);
    }

    proptest! {
        #[test]
        fn any_permutation_gives_dense_positions(n in 1usize..12, seed in any::<u64>()) {
            let stages = ids(n);
            let mut shuffled = stages.clone();
            // A deterministic shuffle from the seed.
            let mut s = seed;
            for i in (1..n).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            let positions = reorder(&stages, &shuffled).unwrap();
            let mut seen: Vec<u32> = positions.iter().map(|(_, p)| *p).collect();
            seen.sort();
            prop_assert_eq!(seen, (0..n as u32).collect::<Vec<_>>());
            prop_assert!(positions.iter().all(|(id, p)| shuffled[*p as usize] == *id));
        }
    }

    #[test]
    fn open_stage_and_unique_names() {
        assert!(ensure_open_stage([StageKind::Won, StageKind::Lost]).is_err());
        assert!(ensure_open_stage([StageKind::Won, StageKind::Open]).is_ok());
        assert!(unique_names(["Lead", " lead"]).is_err());
    }
}
