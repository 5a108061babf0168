//! Deterministic demo pipelines and deals: the default "Sales" funnel that
//! sign-up creates, a "Renewals" pipeline, and about 120 deals spread over
//! every stage of both, each with a stage history that ends in its current
//! stage. Pure: ids aside, the same seed and `now` give the same deals.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use clearview_pipelines::{StageKind, default_stages};
use rand::Rng;
use rand::rngs::StdRng;
use std::collections::HashSet;
use uuid::Uuid;

pub const DEAL_COUNT: usize = 120;

pub struct DemoStage {
    pub id: Uuid,
    pub name: String,
    pub probability: i16,
    pub kind: StageKind,
}

pub struct DemoPipeline {
    pub id: Uuid,
    pub name: &'static str,
    pub is_default: bool,
    /// In board order: the index is the stage's position.
    pub stages: Vec<DemoStage>,
}

/// A company as the deal generator needs it (loaded back from the
/// database, so an org seeded by an older version works too).
pub struct Account {
    pub id: Uuid,
    pub name: String,
    pub owner_id: Option<Uuid>,
}

/// A contact as the deal and activity generators need it.
pub struct Person {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    /// Index into the accounts.
    pub company: Option<usize>,
}

/// One entry of a deal's history; `from: None` is the deal's creation.
pub struct StageMove {
    pub from: Option<usize>,
    pub to: usize,
    pub at: DateTime<Utc>,
}

pub struct Deal {
    pub id: Uuid,
    pub title: String,
    /// Exact money in cents; written as `12345.67`, never through a float.
    pub amount_cents: i64,
    pub currency: &'static str,
    pub pipeline: usize,
    pub stage: usize,
    pub company: Option<usize>,
    /// Indexes into the people, all of the deal's company when it has one.
    pub contacts: Vec<usize>,
    pub owner_id: Uuid,
    pub expected_close_date: Option<NaiveDate>,
    pub probability: Option<i16>,
    pub closed_at: Option<DateTime<Utc>>,
    pub lost_reason: Option<&'static str>,
    pub created_at: DateTime<Utc>,
    /// Oldest first; the last move ends in `stage`.
    pub history: Vec<StageMove>,
}

impl Deal {
    /// `amount_cents` as a NUMERIC literal with two decimals.
    pub fn amount_text(&self) -> String {
        format!("{}.{:02}", self.amount_cents / 100, self.amount_cents % 100)
    }

    pub fn updated_at(&self) -> DateTime<Utc> {
        self.history.last().map_or(self.created_at, |m| m.at)
    }
}

const SALES_TITLES: &[&str] = &[
    "{} pilot",
    "{} — consulting engagement",
    "{} — platform rollout",
    "{} — annual subscription",
    "{} — seat expansion",
    "{} — onboarding package",
    "{} — data migration",
    "{} — analytics add-on",
    "{} — regional launch",
];
const RENEWAL_TITLES: &[&str] = &[
    "{} — annual renewal",
    "{} — fleet renewal",
    "{} — support renewal",
    "{} — multi-year renewal",
];
const LOST_REASONS: &[&str] = &[
    "Chose a competitor",
    "No budget this year",
    "Went quiet after the demo",
    "Timing: revisit next fiscal year",
    "Built it in-house",
    "Price too high",
    "Consolidated vendors",
];

/// The two demo pipelines: the default funnel exactly as sign-up creates it
/// (so the demo looks like a fresh org), plus a short renewals funnel.
pub fn demo_pipelines() -> Vec<DemoPipeline> {
    let sales = default_stages()
        .into_iter()
        .map(|s| (s.name, i16::from(s.probability.get()), s.kind))
        .collect::<Vec<_>>();
    let renewals = [
        ("Up for renewal", 60, StageKind::Open),
        ("Renewed", 100, StageKind::Won),
        ("Churned", 0, StageKind::Lost),
    ]
    .into_iter()
    .map(|(name, probability, kind)| (name.to_string(), probability, kind))
    .collect::<Vec<_>>();
    [("Sales", true, sales), ("Renewals", false, renewals)]
        .into_iter()
        .map(|(name, is_default, stages)| DemoPipeline {
            id: Uuid::now_v7(),
            name,
            is_default,
            stages: stages
                .into_iter()
                .map(|(name, probability, kind)| DemoStage {
                    id: Uuid::now_v7(),
                    name,
                    probability,
                    kind,
                })
                .collect(),
        })
        .collect()
}

pub fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// A random instant a whole number of days (from `days`) plus a fraction of
/// a day before `now`.
pub fn days_ago(rng: &mut StdRng, now: DateTime<Utc>, days: std::ops::Range<i64>) -> DateTime<Utc> {
    let whole = rng.random_range(days);
    now - Duration::days(whole) - Duration::seconds(rng.random_range(0..86_400))
}

/// Stage index for the `n`-th deal of a pipeline: the first deals walk every
/// stage once so none is empty, the rest follow a funnel-shaped weighting.
fn stage_for(rng: &mut StdRng, n: usize, pipeline: &DemoPipeline) -> usize {
    let count = pipeline.stages.len();
    if n < count {
        return n;
    }
    // Weights per stage: more early-stage deals than late ones.
    let weights: &[u32] = if count == 6 {
        &[22, 18, 15, 10, 20, 15]
    } else {
        &[50, 35, 15]
    };
    let mut roll = rng.random_range(0..weights.iter().sum::<u32>());
    for (i, w) in weights.iter().enumerate() {
        if roll < *w {
            return i;
        }
        roll -= w;
    }
    count - 1
}

fn amount_cents(rng: &mut StdRng) -> i64 {
    // Skewed towards smaller deals: 1,500.00 .. 250,000.00.
    let u: i64 = rng.random_range(0..=1000);
    let dollars = 1_500 + u * u * 248_500 / 1_000_000;
    // Most quotes are whole amounts; some carry cents from line items.
    let cents = if rng.random_bool(0.6) {
        0
    } else {
        rng.random_range(1..100)
    };
    (dollars * 100 + cents).min(25_000_000)
}

fn currency(rng: &mut StdRng) -> &'static str {
    match rng.random_range(0..20) {
        0..15 => "USD",
        15..18 => "EUR",
        _ => "GBP",
    }
}

/// Up to three distinct people of `company`, at least one if it has any.
fn people_of(rng: &mut StdRng, people: &[Person], company: usize) -> Vec<usize> {
    let mut staff: Vec<usize> = (0..people.len())
        .filter(|&i| people[i].company == Some(company))
        .collect();
    let want = rng.random_range(1..=3).min(staff.len());
    let mut chosen = Vec::with_capacity(want);
    for _ in 0..want {
        chosen.push(staff.swap_remove(rng.random_range(0..staff.len())));
    }
    chosen.sort_unstable();
    chosen
}

/// History ending in `stage`: created in the first stage, then one or two
/// moves, the last at `end` (a closed deal's `closed_at`).
fn history(
    rng: &mut StdRng,
    pipeline: &DemoPipeline,
    stage: usize,
    created: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<StageMove> {
    let mut path = vec![0];
    if stage > 0 {
        // A stop in an open stage between the first and the current one.
        let open_between: Vec<usize> = (1..stage.min(pipeline.stages.len()))
            .filter(|&i| pipeline.stages[i].kind == StageKind::Open)
            .collect();
        if !open_between.is_empty() && rng.random_bool(0.6) {
            path.push(pick(rng, &open_between));
        }
        path.push(stage);
    }
    let span = (end - created).num_seconds().max(1);
    let mut moves = Vec::with_capacity(path.len());
    for (i, &to) in path.iter().enumerate() {
        let at = match i {
            0 => created,
            _ if i == path.len() - 1 => end,
            // An intermediate stop somewhere in the middle of the span.
            _ => created + Duration::seconds(rng.random_range(span / 4..=span / 2)),
        };
        moves.push(StageMove {
            from: i.checked_sub(1).map(|p| path[p]),
            to,
            at,
        });
    }
    moves
}

pub fn generate_deals(
    rng: &mut StdRng,
    now: DateTime<Utc>,
    pipelines: &[DemoPipeline],
    accounts: &[Account],
    people: &[Person],
    owners: &[Uuid],
) -> Vec<Deal> {
    let individuals: Vec<usize> = (0..people.len()).filter(|&i| people[i].company.is_none()).collect();
    let mut per_pipeline = vec![0; pipelines.len()];
    let mut titles = HashSet::new();
    let mut deals = Vec::with_capacity(DEAL_COUNT);
    for n in 0..DEAL_COUNT {
        // Roughly one deal in four is a renewal.
        let pipeline = usize::from(n % 4 == 3 && pipelines.len() > 1);
        let p = &pipelines[pipeline];
        let stage = stage_for(rng, per_pipeline[pipeline], p);
        per_pipeline[pipeline] += 1;
        let kind = p.stages[stage].kind;

        let company = (!accounts.is_empty() && rng.random_bool(0.9)).then(|| rng.random_range(0..accounts.len()));
        let templates = if pipeline == 0 { SALES_TITLES } else { RENEWAL_TITLES };
        let (who, contacts) = match company {
            Some(c) => (accounts[c].name.clone(), people_of(rng, people, c)),
            // The rest are sold to individuals (contacts without a company).
            None if individuals.is_empty() => ("Walk-in customer".to_string(), Vec::new()),
            None => {
                let i = pick(rng, &individuals);
                (format!("{} {}", people[i].first_name, people[i].last_name), vec![i])
            }
        };
        let who = who.as_str();
        let mut title = pick(rng, templates).replace("{}", who);
        // Same company, same template: tell the deals apart like a rep would.
        let mut round = 2;
        while !titles.insert(title.clone()) {
            title = format!("{} ({round})", pick(rng, templates).replace("{}", who));
            round += 1;
        }
        // Usually the account's owner works its deals.
        let owner_id = match company.and_then(|c| accounts[c].owner_id) {
            Some(o) if owners.contains(&o) && rng.random_bool(0.7) => o,
            _ => pick(rng, owners),
        };

        let (created_at, end, closed_at, expected_close_date) = if kind.is_closed() {
            let closed = days_ago(rng, now, 1..180);
            let created = closed - Duration::days(rng.random_range(14..120));
            let expected = closed.date_naive() + Duration::days(rng.random_range(-10..=20));
            (created, closed, Some(closed), Some(expected))
        } else {
            let created = days_ago(rng, now, 10..200);
            let moved = now - Duration::seconds(rng.random_range(3_600..(now - created).num_seconds() / 2));
            // Mostly the next nine months; some slipped into past months.
            let offset = if rng.random_bool(0.15) {
                rng.random_range(-75..0)
            } else {
                rng.random_range(3..275)
            };
            (created, moved, None, Some(now.date_naive() + Duration::days(offset)))
        };
        let probability = (!kind.is_closed() && rng.random_bool(0.15)).then(|| {
            // A rep's gut feeling: never equal to the stage's own figure.
            let nudge = pick(rng, &[-15, -10, -5, 5, 10, 15]);
            (p.stages[stage].probability + nudge).clamp(5, 95)
        });
        let lost_reason = (kind == StageKind::Lost).then(|| pick(rng, LOST_REASONS));
        deals.push(Deal {
            id: Uuid::now_v7(),
            title,
            amount_cents: amount_cents(rng),
            currency: currency(rng),
            pipeline,
            stage,
            company,
            contacts,
            owner_id,
            expected_close_date,
            probability,
            closed_at,
            lost_reason,
            created_at,
            history: history(rng, p, stage, created_at, end),
        });
    }
    deals
}
