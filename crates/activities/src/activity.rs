//! An activity: a call, email, meeting, task or note, logged against a deal,
//! a contact and/or a company. Tasks are the only kind with a due date and a
//! done flag; every other kind happened at some time (`occurred_at`).

use chrono::{DateTime, Utc};
use clearview_kernel::{ActivityId, CompanyId, ContactId, DealId, UserId, ValidationErrors, required_text};
use std::fmt;
use std::str::FromStr;

/// Longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Longest body, in characters.
pub const MAX_BODY_CHARS: usize = 10_000;
/// Largest metadata object, in bytes of JSON text.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    Call,
    Email,
    Meeting,
    Task,
    Note,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 5] = [
        ActivityKind::Call,
        ActivityKind::Email,
        ActivityKind::Meeting,
        ActivityKind::Task,
        ActivityKind::Note,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Call => "call",
            ActivityKind::Email => "email",
            ActivityKind::Meeting => "meeting",
            ActivityKind::Task => "task",
            ActivityKind::Note => "note",
        }
    }

    pub const fn is_task(self) -> bool {
        matches!(self, ActivityKind::Task)
    }
}

impl FromStr for ActivityKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ActivityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| "must be one of call, email, meeting, task, note".to_string())
    }
}

impl fmt::Display for ActivityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub id: ActivityId,
    pub kind: ActivityKind,
    pub subject: String,
    pub body: Option<String>,
    pub deal_id: Option<DealId>,
    pub contact_id: Option<ContactId>,
    pub company_id: Option<CompanyId>,
    pub owner_id: Option<UserId>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    /// Tasks only: when to e-mail the owner (ADR 0028).
    pub remind_at: Option<DateTime<Utc>>,
    /// Always false for kinds other than tasks.
    pub done: bool,
    pub completed_at: Option<DateTime<Utc>>,
    /// A JSON object, as text (domain types do not use serde).
    pub metadata: String,
    /// Where the activity sits on a timeline: when it happened, else when it
    /// is due, else when it was logged. Never null, so it can be paged on.
    pub timeline_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Every field a client may set, as given (unvalidated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityInput {
    pub kind: ActivityKind,
    pub subject: String,
    pub body: Option<String>,
    pub deal_id: Option<DealId>,
    pub contact_id: Option<ContactId>,
    pub company_id: Option<CompanyId>,
    pub owner_id: Option<UserId>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    /// Tasks only: when to e-mail the owner.
    pub remind_at: Option<DateTime<Utc>>,
    /// Tasks only; absent means "not done".
    pub done: Option<bool>,
    /// A JSON object as text; the HTTP layer has checked it is an object.
    pub metadata: Option<String>,
    /// Not client-settable: carried over from the stored record so that a
    /// change that leaves a task done keeps its completion time.
    pub completed_at: Option<DateTime<Utc>>,
}

impl ActivityInput {
    /// A fresh input with only the required fields.
    pub fn new(kind: ActivityKind, subject: impl Into<String>) -> Self {
        Self {
            kind,
            subject: subject.into(),
            body: None,
            deal_id: None,
            contact_id: None,
            company_id: None,
            owner_id: None,
            occurred_at: None,
            due_at: None,
            remind_at: None,
            done: None,
            metadata: None,
            completed_at: None,
        }
    }

    /// Changes the kind. Leaving the task kind drops a `done: false` that
    /// only meant "a task not done yet" (it means nothing for other kinds);
    /// a done task or a due date still has to be cleared explicitly.
    pub fn change_kind(&mut self, kind: ActivityKind) {
        if !kind.is_task() && self.done == Some(false) {
            self.done = None;
        }
        self.kind = kind;
    }

    pub fn validate(&self) -> Result<ActivityDraft, ValidationErrors> {
        self.validate_at(Utc::now())
    }

    /// Validates with `now` as the default time of a logged activity and of
    /// a task's completion.
    pub fn validate_at(&self, now: DateTime<Utc>) -> Result<ActivityDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let subject = errors.check("subject", required_text(&self.subject, MAX_SUBJECT_CHARS));
        let body = errors.check("body", long_text(self.body.as_deref(), MAX_BODY_CHARS));
        let is_task = self.kind.is_task();
        if !is_task {
            if self.due_at.is_some() {
                errors.add("due_at", "is only for tasks");
            }
            if self.remind_at.is_some() {
                errors.add("remind_at", "is only for tasks");
            }
            if self.done.is_some() {
                errors.add("done", "is only for tasks");
            }
        }
        let metadata = errors.check("metadata", metadata_text(self.metadata.as_deref()));
        match (subject, body, metadata) {
            (Some(subject), Some(body), Some(metadata)) if errors.is_empty() => {
                let done = is_task && self.done.unwrap_or(false);
                Ok(ActivityDraft {
                    kind: self.kind,
                    subject,
                    body,
                    deal_id: self.deal_id,
                    contact_id: self.contact_id,
                    company_id: self.company_id,
                    owner_id: self.owner_id,
                    // Every logged call, email, meeting or note has a time.
                    occurred_at: if is_task {
                        self.occurred_at
                    } else {
                        Some(self.occurred_at.unwrap_or(now))
                    },
                    due_at: self.due_at,
                    remind_at: self.remind_at,
                    done,
                    completed_at: done.then(|| self.completed_at.unwrap_or(now)),
                    metadata,
                })
            }
            _ => Err(errors),
        }
    }
}

impl From<&Activity> for ActivityInput {
    fn from(a: &Activity) -> Self {
        Self {
            kind: a.kind,
            subject: a.subject.clone(),
            body: a.body.clone(),
            deal_id: a.deal_id,
            contact_id: a.contact_id,
            company_id: a.company_id,
            owner_id: a.owner_id,
            occurred_at: a.occurred_at,
            due_at: a.due_at,
            remind_at: a.remind_at,
            done: a.kind.is_task().then_some(a.done),
            metadata: Some(a.metadata.clone()),
            completed_at: a.completed_at,
        }
    }
}

/// A validated activity, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityDraft {
    pub kind: ActivityKind,
    pub subject: String,
    pub body: Option<String>,
    pub deal_id: Option<DealId>,
    pub contact_id: Option<ContactId>,
    pub company_id: Option<CompanyId>,
    pub owner_id: Option<UserId>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub remind_at: Option<DateTime<Utc>>,
    pub done: bool,
    /// Set exactly when `done` is.
    pub completed_at: Option<DateTime<Utc>>,
    /// A JSON object as text; `{}` when none was given.
    pub metadata: String,
}

/// A multi-line text (a body): trimmed, bounded, blank means none. Unlike
/// one-line fields it may hold line breaks, but no other control characters.
fn long_text(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        return Err("must not contain control characters".into());
    }
    Ok(Some(text.to_owned()))
}

/// Metadata is a JSON object of at most `MAX_METADATA_BYTES`; absent means
/// `{}`. (The HTTP layer parses it; this is the domain's size rule and a
/// cheap guard that it is an object.)
/// PostgreSQL's `jsonb` cannot hold the NUL character, so JSON that
/// escapes one (`\u0000`, as serde_json writes it) is refused up front.
pub fn no_nul(json_text: &str) -> Result<(), String> {
    if json_text.contains("\\u0000") {
        return Err("must not contain the NUL character (\\u0000)".into());
    }
    Ok(())
}

fn metadata_text(value: Option<&str>) -> Result<String, String> {
    let Some(text) = value.map(str::trim) else {
        return Ok("{}".to_owned());
    };
    if text.len() > MAX_METADATA_BYTES {
        return Err(format!("must be at most {MAX_METADATA_BYTES} bytes of JSON"));
    }
    if !(text.starts_with('{') && text.ends_with('}')) {
        return Err("must be a JSON object".into());
    }
    no_nul(text)?;
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
    }

    fn fields(errors: &ValidationErrors) -> Vec<&str> {
        errors.fields().iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_logged_call_happens_now_unless_told_otherwise() {
        let call = ActivityInput {
            metadata: Some(r#"{"duration_seconds": 300}"#.into()),
            ..ActivityInput::new(ActivityKind::Call, "  Intro call ")
        };
        let draft = call.validate_at(now()).unwrap();
        assert_eq!(draft.subject, "Intro call");
        assert_eq!(draft.occurred_at, Some(now()));
        assert!(!draft.done);
        assert_eq!(draft.completed_at, None);
        assert_eq!(draft.metadata, r#"{"duration_seconds": 300}"#);

        let earlier = now() - chrono::Duration::days(2);
        let draft = ActivityInput {
            occurred_at: Some(earlier),
            ..ActivityInput::new(ActivityKind::Meeting, "Demo")
        }
        .validate_at(now())
        .unwrap();
        assert_eq!(draft.occurred_at, Some(earlier));
    }

    #[test]
    fn a_task_gets_no_default_time_and_metadata_defaults_to_an_empty_object() {
        let draft = ActivityInput::new(ActivityKind::Task, "Send proposal")
            .validate_at(now())
            .unwrap();
        assert_eq!(draft.occurred_at, None);
        assert_eq!(draft.metadata, "{}");
    }

    #[test]
    fn due_dates_and_done_are_only_for_tasks() {
        for kind in ActivityKind::ALL.into_iter().filter(|k| !k.is_task()) {
            let input = ActivityInput {
                due_at: Some(now()),
                done: Some(true),
                ..ActivityInput::new(kind, "x")
            };
            let errors = input.validate_at(now()).unwrap_err();
            assert_eq!(fields(&errors), ["due_at", "done"], "{kind}");
        }
        let task = ActivityInput {
            due_at: Some(now()),
            done: Some(false),
            ..ActivityInput::new(ActivityKind::Task, "x")
        };
        assert!(task.validate_at(now()).is_ok());
    }

    #[test]
    fn completing_a_task_stamps_it_once_and_reopening_clears_the_stamp() {
        let mut task = ActivityInput {
            done: Some(true),
            ..ActivityInput::new(ActivityKind::Task, "Call back")
        };
        let done = task.validate_at(now()).unwrap();
        assert!(done.done);
        assert_eq!(done.completed_at, Some(now()));

        // Saving a done task again keeps its completion time.
        task.completed_at = done.completed_at;
        let later = now() + chrono::Duration::hours(1);
        assert_eq!(task.validate_at(later).unwrap().completed_at, Some(now()));

        task.done = Some(false);
        let reopened = task.validate_at(later).unwrap();
        assert!(!reopened.done);
        assert_eq!(reopened.completed_at, None);
    }

    #[test]
    fn only_tasks_remind() {
        let at = now() + chrono::Duration::hours(2);
        let task = ActivityInput {
            remind_at: Some(at),
            ..ActivityInput::new(ActivityKind::Task, "Send the quote")
        };
        assert_eq!(task.validate_at(now()).unwrap().remind_at, Some(at));
        let call = ActivityInput {
            remind_at: Some(at),
            ..ActivityInput::new(ActivityKind::Call, "Intro")
        };
        assert_eq!(fields(&call.validate_at(now()).unwrap_err()), ["remind_at"]);
    }

    #[test]
    fn leaving_the_task_kind_drops_an_open_done_flag_but_not_a_due_date() {
        let mut input = ActivityInput {
            done: Some(false),
            ..ActivityInput::new(ActivityKind::Task, "x")
        };
        input.change_kind(ActivityKind::Call);
        assert!(input.validate_at(now()).is_ok());

        let mut due = ActivityInput {
            due_at: Some(now()),
            done: Some(false),
            ..ActivityInput::new(ActivityKind::Task, "x")
        };
        due.change_kind(ActivityKind::Note);
        assert_eq!(fields(&due.validate_at(now()).unwrap_err()), ["due_at"]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = ActivityInput {
            body: Some("x".repeat(MAX_BODY_CHARS + 1)),
            metadata: Some("[1, 2]".into()),
            ..ActivityInput::new(ActivityKind::Note, "   ")
        };
        let errors = input.validate_at(now()).unwrap_err();
        assert_eq!(fields(&errors), ["subject", "body", "metadata"]);

        let long_subject = ActivityInput::new(ActivityKind::Note, "s".repeat(MAX_SUBJECT_CHARS + 1));
        assert_eq!(fields(&long_subject.validate_at(now()).unwrap_err()), ["subject"]);
    }

    #[test]
    fn bodies_keep_line_breaks_but_refuse_other_control_characters() {
        let input = ActivityInput {
            body: Some("Agenda:\n- pricing\r\n- timeline\t(tbd)".into()),
            ..ActivityInput::new(ActivityKind::Email, "Follow-up")
        };
        assert!(input.validate_at(now()).unwrap().body.unwrap().contains('\n'));
        let bad = ActivityInput {
            body: Some("a\u{0}b".into()),
            ..ActivityInput::new(ActivityKind::Email, "Follow-up")
        };
        assert_eq!(fields(&bad.validate_at(now()).unwrap_err()), ["body"]);
    }

    #[test]
    fn metadata_is_bounded_at_16_kib() {
        let fits = format!(r#"{{"notes": "{}"}}"#, "x".repeat(MAX_METADATA_BYTES - 13));
        assert_eq!(fits.len(), MAX_METADATA_BYTES);
        let input = ActivityInput {
            metadata: Some(fits.clone()),
            ..ActivityInput::new(ActivityKind::Note, "n")
        };
        assert!(input.validate_at(now()).is_ok());
        let over = ActivityInput {
            metadata: Some(fits.replace("\"x", "\"xx")),
            ..ActivityInput::new(ActivityKind::Note, "n")
        };
        assert_eq!(fields(&over.validate_at(now()).unwrap_err()), ["metadata"]);
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in ActivityKind::ALL {
            assert_eq!(kind.as_str().parse::<ActivityKind>(), Ok(kind));
        }
        assert!("visit".parse::<ActivityKind>().is_err());
        assert!("Call".parse::<ActivityKind>().is_err());
    }

    #[test]
    fn an_activity_round_trips_through_its_input() {
        let draft = ActivityInput {
            due_at: Some(now()),
            done: Some(true),
            metadata: Some(r#"{"priority": "high"}"#.into()),
            ..ActivityInput::new(ActivityKind::Task, "Renewal")
        }
        .validate_at(now())
        .unwrap();
        let stored = Activity {
            id: ActivityId::generate(),
            kind: draft.kind,
            subject: draft.subject.clone(),
            body: draft.body.clone(),
            deal_id: None,
            contact_id: None,
            company_id: None,
            owner_id: None,
            occurred_at: draft.occurred_at,
            due_at: draft.due_at,
            remind_at: draft.remind_at,
            done: draft.done,
            completed_at: draft.completed_at,
            metadata: draft.metadata.clone(),
            timeline_at: now(),
            created_at: now(),
            updated_at: now(),
        };
        let later = now() + chrono::Duration::days(1);
        assert_eq!(ActivityInput::from(&stored).validate_at(later).unwrap(), draft);
    }
}
