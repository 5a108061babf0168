//! Deterministic demo activities: calls, emails, meetings, notes and tasks
//! logged against the demo deals, their contacts and companies. Logged kinds
//! happened in the last six months; tasks are a mix of done, upcoming and
//! overdue so the "what is overdue" views have something to show. Pure:
//! ids aside, the same seed and `now` give the same activities.

use crate::demo_deals::{Account, Deal, Person, days_ago, pick};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use uuid::Uuid;

pub const ACTIVITY_COUNT: usize = 600;
pub const KINDS: [&str; 5] = ["call", "email", "meeting", "note", "task"];

pub struct Activity {
    pub id: Uuid,
    pub kind: &'static str,
    pub subject: String,
    pub body: Option<&'static str>,
    /// Indexes into the deals, people and accounts the activities were
    /// generated from.
    pub deal: Option<usize>,
    pub contact: Option<usize>,
    pub company: Option<usize>,
    pub owner_id: Uuid,
    pub occurred_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    /// Set exactly for done tasks (the table's CHECK: done = completed).
    pub completed_at: Option<DateTime<Utc>>,
    pub metadata: Value,
    pub created_at: DateTime<Utc>,
}

const CALLS: &[&str] = &[
    "Discovery call with {who}",
    "Follow-up call with {who}",
    "Pricing check-in with {who}",
    "Intro call with {who}",
];
const EMAILS_OUT: &[&str] = &[
    "Proposal for {org}",
    "Following up on our call",
    "Intro: Clearview x {org}",
    "Contract redlines for {org}",
    "Case studies you asked for",
];
const EMAILS_IN: &[&str] = &[
    "Re: proposal for {org}",
    "Re: pricing question",
    "Question about onboarding",
    "Re: security questionnaire",
];
const MEETINGS: &[&str] = &[
    "Demo for {org}",
    "Quarterly business review with {org}",
    "Kick-off workshop with {org}",
    "Technical deep dive with {who}",
    "Lunch with {who}",
];
const NOTES: &[&str] = &[
    "Budget confirmed for next quarter",
    "Champion is moving to a new role",
    "Competitor is also in the running",
    "Legal review takes about two weeks",
    "Asked for a reference customer",
    "Procurement needs three quotes",
];
const TASKS: &[&str] = &[
    "Send proposal to {who}",
    "Prepare renewal quote for {org}",
    "Follow up on the security questionnaire",
    "Book a demo with {who}",
    "Chase the signed order form from {org}",
    "Update the mutual action plan",
];
const BODIES: &[&str] = &[
    "Walked through the pricing tiers; they want a quote for 50 seats.",
    "Decision maker is the VP of Operations; IT has a veto on integrations.",
    "They are comparing us with two other vendors. Timeline is end of quarter.",
    "Needs SSO and an EU data residency answer before legal signs off.",
    "Happy with the pilot so far; asked about volume discounts.",
    "Sent the deck and the ROI calculator afterwards.",
];
const LOCATIONS: &[&str] = &[
    "Zoom",
    "Google Meet",
    "Microsoft Teams",
    "Customer office",
    "Our office, room 3",
    "Coffee shop downtown",
];

/// What an activity is about: indexes of the deal, contact and company.
type Target = (Option<usize>, Option<usize>, Option<usize>);

/// Most activities belong to a deal (and then to its company and one of its
/// contacts, so every timeline tells the same story); the rest to a contact
/// and their company, or to a company alone.
fn target(rng: &mut StdRng, deals: &[Deal], accounts: &[Account], people: &[Person]) -> Target {
    let roll = rng.random_range(0..10);
    if roll < 7 && !deals.is_empty() {
        let d = rng.random_range(0..deals.len());
        let contact = (!deals[d].contacts.is_empty() && rng.random_bool(0.8)).then(|| pick(rng, &deals[d].contacts));
        (Some(d), contact, deals[d].company)
    } else if roll < 9 && !people.is_empty() {
        let p = rng.random_range(0..people.len());
        (None, Some(p), people[p].company)
    } else if !accounts.is_empty() {
        (None, None, Some(rng.random_range(0..accounts.len())))
    } else {
        (None, None, None)
    }
}

fn kind_for(rng: &mut StdRng, n: usize) -> &'static str {
    // The first few walk every kind once so none is missing.
    if n < KINDS.len() {
        return KINDS[n];
    }
    match rng.random_range(0..100) {
        0..30 => "call",
        30..60 => "email",
        60..72 => "meeting",
        72..85 => "note",
        _ => "task",
    }
}

pub fn generate_activities(
    rng: &mut StdRng,
    now: DateTime<Utc>,
    deals: &[Deal],
    accounts: &[Account],
    people: &[Person],
    owners: &[(Uuid, &str)],
) -> Vec<Activity> {
    let owner_ids: Vec<Uuid> = owners.iter().map(|o| o.0).collect();
    let mut activities = Vec::with_capacity(ACTIVITY_COUNT);
    for n in 0..ACTIVITY_COUNT {
        let kind = kind_for(rng, n);
        let (deal, contact, company) = target(rng, deals, accounts, people);
        let owner_id = match deal {
            Some(d) if rng.random_bool(0.85) => deals[d].owner_id,
            _ => pick(rng, &owner_ids),
        };
        let who = contact.map_or("the team".to_string(), |p| people[p].first_name.clone());
        let org = match (company, contact) {
            (Some(c), _) => accounts[c].name.clone(),
            (None, Some(p)) => format!("{} {}", people[p].first_name, people[p].last_name),
            (None, None) => "the prospect".to_string(),
        };

        // Logged kinds happened after the deal was opened and within the
        // last six months.
        let earliest = deal.map_or(now - Duration::days(180), |d| {
            deals[d].created_at.max(now - Duration::days(180))
        });
        let window = (now - Duration::minutes(10) - earliest).num_seconds().max(60);
        let occurred = earliest + Duration::seconds(rng.random_range(0..window));

        let (template, metadata) = match kind {
            "call" => {
                let (outcome, duration) = match rng.random_range(0..20) {
                    0..11 => ("connected", rng.random_range(120..2_400)),
                    11..17 => ("voicemail", rng.random_range(20..90)),
                    _ => ("no_answer", 0),
                };
                (
                    pick(rng, CALLS),
                    json!({ "duration_seconds": duration, "outcome": outcome }),
                )
            }
            "email" if rng.random_bool(0.7) => (
                pick(rng, EMAILS_OUT),
                json!({ "direction": "outbound", "opens": rng.random_range(0..7) }),
            ),
            "email" => (pick(rng, EMAILS_IN), json!({ "direction": "inbound", "opens": 0 })),
            "meeting" => {
                let owner_name = owners.iter().find(|o| o.0 == owner_id).map_or("", |o| o.1);
                let mut attendees = vec![owner_name.to_string()];
                let guests = deal.map_or_else(|| contact.into_iter().collect(), |d| deals[d].contacts.clone());
                attendees.extend(
                    guests
                        .iter()
                        .map(|&p| format!("{} {}", people[p].first_name, people[p].last_name)),
                );
                let location = pick(rng, LOCATIONS);
                (
                    pick(rng, MEETINGS),
                    json!({ "attendees": attendees, "location": location }),
                )
            }
            "note" => (pick(rng, NOTES), json!({})),
            _ => (pick(rng, TASKS), json!({})),
        };
        let body = if kind == "note" || rng.random_bool(0.4) {
            Some(pick(rng, BODIES))
        } else {
            None
        };

        let (occurred_at, due_at, completed_at, created_at) = if kind == "task" {
            let (due, completed, created) = match rng.random_range(0..20) {
                // Done, usually around its due date.
                0..8 => {
                    let completed = occurred.min(now - Duration::minutes(5));
                    let due = completed + Duration::hours(rng.random_range(-48..=72));
                    (
                        due,
                        Some(completed),
                        completed - Duration::days(rng.random_range(1..10)),
                    )
                }
                // Open, due in the next three weeks.
                8..15 => (
                    now + Duration::hours(rng.random_range(2..21 * 24)),
                    None,
                    days_ago(rng, now, 0..7),
                ),
                // Overdue.
                _ => {
                    let due = now - Duration::hours(rng.random_range(6..14 * 24));
                    (due, None, due - Duration::days(rng.random_range(1..10)))
                }
            };
            (None, Some(due), completed, created)
        } else {
            // Logged a few minutes after it happened.
            let logged = occurred + Duration::minutes(rng.random_range(1..30));
            (Some(occurred), None, None, logged.min(now))
        };

        activities.push(Activity {
            id: Uuid::now_v7(),
            kind,
            subject: template.replace("{who}", &who).replace("{org}", &org),
            body,
            deal,
            contact,
            company,
            owner_id,
            occurred_at,
            due_at,
            completed_at,
            metadata,
            created_at,
        });
    }
    activities
}
