//! Deals: what a sales team is trying to win. A deal sits in one stage of
//! one pipeline; its status (open, won, lost) is the stage's kind, its win
//! probability defaults to the stage's and may be overridden, and moving it
//! into a won or lost stage closes it. Every stage move is kept in the
//! deal's history. Pure (invariant 1).

mod model;
mod ports;
mod rules;
mod service;

pub use model::{Board, DEAL_SORTS, Deal, DealDraft, DealInput, DealQuery, DealWrite, StageChange, StageRef};
pub use ports::DealRepository;
pub use rules::{closed_at_after_move, lost_reason_after_move};
pub use service::DealService;
