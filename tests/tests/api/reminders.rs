//! Task reminders (issue 12, ADR 0028): a task's `remind_at` e-mails its
//! owner once, through the outbox, by the `send_reminders` schedule; a new
//! time (snoozing) re-arms it; a task done or reassigned before its time
//! sends nothing; only tasks remind; another organization's task is 404.

use clearview_tests::{TestApp, User, spawn_app};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Makes the schedule due now and waits until a run has finished.
async fn run_reminders(app: &TestApp) {
    let finished = || async {
        sqlx::query_scalar::<_, Option<chrono::DateTime<chrono::Utc>>>(
            "SELECT last_finished_at FROM schedules WHERE name = 'send_reminders'",
        )
        .fetch_optional(&app.owner)
        .await
        .unwrap()
        .flatten()
    };
    let started = Instant::now();
    // The worker registers the schedule when it starts.
    while sqlx::query_scalar::<_, i64>("SELECT count(*) FROM schedules WHERE name = 'send_reminders'")
        .fetch_one(&app.owner)
        .await
        .unwrap()
        == 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the schedule was never registered"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let before = finished().await;
    sqlx::query("UPDATE schedules SET next_run_at = now() WHERE name = 'send_reminders'")
        .execute(&app.owner)
        .await
        .unwrap();
    while finished().await == before {
        assert!(started.elapsed() < Duration::from_secs(20), "the reminders did not run");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The reminder e-mails sent for `subject`, once the outbox has sent
/// everything queued (counting queued jobs and sent files at once would
/// count an e-mail twice when it is sent between the two reads).
async fn reminders_for(app: &TestApp, subject: &str) -> usize {
    let started = Instant::now();
    while sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM jobs WHERE kind = 'send_email' AND state IN ('queued', 'running')",
    )
    .fetch_one(&app.owner)
    .await
    .unwrap()
        > 0
    {
        assert!(started.elapsed() < Duration::from_secs(20), "the outbox did not drain");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    std::fs::read_dir(&app.config.mail_dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .filter(|m| m.contains(&format!("Subject: Reminder: {subject}")))
                .count()
        })
        .unwrap_or(0)
}

async fn task(user: &mut User, subject: &str, remind_in_seconds: i64) -> Value {
    let remind_at = chrono::Utc::now() + chrono::Duration::seconds(remind_in_seconds);
    let due_at = chrono::Utc::now() + chrono::Duration::days(1);
    let created = user
        .post(
            "/api/activities",
            &json!({"kind": "task", "subject": subject, "due_at": due_at, "remind_at": remind_at}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.json
}

#[tokio::test]
async fn a_task_reminds_its_owner_once_and_a_new_time_reminds_again() {
    let app = spawn_app().await;
    let mut rep = {
        let admin = app.register("Remind Co").await;
        app.member(&admin, "rep").await
    };
    let due = task(&mut rep, "Send the quote", -1).await;
    let later = task(&mut rep, "Call back next week", 3600).await;
    assert!(later["remind_at"].is_string());

    run_reminders(&app).await;
    let mail = app.mail_to(&rep.email, "Reminder: Send the quote", None).await;
    assert!(
        mail.contains(&format!("/tasks?task={}&snooze=1", due["id"].as_str().unwrap())),
        "{mail}"
    );
    run_reminders(&app).await;
    assert_eq!(
        reminders_for(&app, "Send the quote").await,
        1,
        "once, however many runs"
    );
    assert_eq!(reminders_for(&app, "Call back next week").await, 0, "not yet");

    // Snoozing is setting a new time: it reminds again when that comes.
    let path = format!("/api/activities/{}", due["id"].as_str().unwrap());
    let snoozed = rep
        .patch(
            &path,
            &json!({"remind_at": chrono::Utc::now() - chrono::Duration::seconds(1)}),
        )
        .await;
    assert_eq!(snoozed.status, 200, "{}", snoozed.body);
    run_reminders(&app).await;
    assert_eq!(reminders_for(&app, "Send the quote").await, 2);
}

#[tokio::test]
async fn a_task_done_or_reassigned_before_its_time_sends_nothing() {
    let app = spawn_app().await;
    let mut admin = app.register("Quiet Co").await;
    let rep = app.member(&admin, "rep").await;
    let done = task(&mut admin, "Already handled", -1).await;
    let moved = task(&mut admin, "Handed over", -1).await;
    task(&mut admin, "Still to do", -1).await;
    let patched = admin
        .patch(
            &format!("/api/activities/{}", done["id"].as_str().unwrap()),
            &json!({"done": true}),
        )
        .await;
    assert_eq!(patched.status, 200);
    let reassigned = admin
        .patch(
            &format!("/api/activities/{}", moved["id"].as_str().unwrap()),
            &json!({"owner_id": rep.user_id}),
        )
        .await;
    assert_eq!(reassigned.status, 200, "{}", reassigned.body);
    assert!(
        reassigned.json["remind_at"].is_null(),
        "the old owner's reminder is cancelled"
    );

    run_reminders(&app).await;
    assert_eq!(
        reminders_for(&app, "Still to do").await,
        1,
        "the run did send what was due"
    );
    assert_eq!(reminders_for(&app, "Already handled").await, 0);
    assert_eq!(reminders_for(&app, "Handed over").await, 0);
}

#[tokio::test]
async fn only_tasks_remind_and_another_organizations_task_is_not_found() {
    let app = spawn_app().await;
    let mut admin = app.register("Rules Co").await;
    let mut stranger = app.register("Other Co").await;
    let call = admin
        .post(
            "/api/activities",
            &json!({"kind": "call", "subject": "Intro", "remind_at": chrono::Utc::now()}),
        )
        .await;
    assert_eq!((call.status, call.error_fields()), (422, vec!["remind_at".to_owned()]));

    let theirs = task(&mut stranger, "Private follow-up", 3600).await;
    let path = format!("/api/activities/{}", theirs["id"].as_str().unwrap());
    let snooze = admin.patch(&path, &json!({"remind_at": chrono::Utc::now()})).await;
    assert_eq!(snooze.status, 404);
    let unchanged = stranger.get(&path).await;
    assert_eq!(unchanged.json["remind_at"], theirs["remind_at"]);
}
