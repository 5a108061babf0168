//! Per-organization limits on long transfers — CSV import uploads and CSV
//! exports — so that one organization cannot tie up the instance with many
//! slow ones (issue 9, class 2). A transfer holds a slot from its start to
//! its last byte; the slot is given back when the guard drops, whether the
//! transfer finished, failed or the client went away.
//!
//! Counted per instance (like the bcrypt pool): with N instances an
//! organization may run N × the limit at once, each still bounded in time by
//! the stall timeout.

use crate::problem::ApiError;
use clearview_kernel::TenantId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Seconds a refused client is told to wait.
const RETRY_AFTER_SECONDS: u64 = 5;

pub struct TransferSlots {
    per_organization: usize,
    busy: Mutex<HashMap<TenantId, usize>>,
}

/// A taken slot; dropping it gives the slot back.
pub struct TransferGuard {
    slots: Arc<TransferSlots>,
    tenant: TenantId,
}

impl TransferSlots {
    pub fn new(per_organization: usize) -> Arc<Self> {
        Arc::new(Self {
            per_organization: per_organization.max(1),
            busy: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for the organization, or 429 with `Retry-After` when all of
    /// its slots are taken.
    pub fn take(self: &Arc<Self>, tenant: TenantId) -> Result<TransferGuard, ApiError> {
        let mut busy = self.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = busy.entry(tenant).or_insert(0);
        if *count >= self.per_organization {
            metrics::counter!("clearview_rate_limit_refusals_total", "policy" => "org_transfers").increment(1);
            return Err(ApiError::too_many_requests(RETRY_AFTER_SECONDS).with_detail(format!(
                "your organization already runs {} imports or exports at once (ORG_MAX_CONCURRENT_TRANSFERS); \
                 wait for one to finish",
                self.per_organization
            )));
        }
        *count += 1;
        Ok(TransferGuard {
            slots: self.clone(),
            tenant,
        })
    }
}

impl Drop for TransferGuard {
    fn drop(&mut self) {
        let mut busy = self.slots.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = busy.get_mut(&self.tenant) {
            *count -= 1;
            if *count == 0 {
                busy.remove(&self.tenant);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organization_gets_its_slots_and_no_more_and_dropping_gives_them_back() {
        let slots = TransferSlots::new(2);
        let (a, b) = (TenantId::generate(), TenantId::generate());
        let first = slots.take(a).unwrap();
        let _second = slots.take(a).unwrap();
        assert!(slots.take(a).is_err(), "a third is refused");
        assert!(slots.take(b).is_ok(), "another organization is not affected");
        drop(first);
        assert!(slots.take(a).is_ok(), "a finished transfer frees its slot");
    }
}
