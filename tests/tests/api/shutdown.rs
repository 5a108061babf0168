//! Graceful shutdown (issue 10 §2, ADR 0020), on the real binary: SIGTERM
//! during steady load fails no request the server accepted, running jobs
//! finish or are handed back, no job is lost or run twice, and the process
//! exits 0.

use clearview_tests::process::{ServerProcess, database_for_processes};
use clearview_tests::smtp::SmtpSink;
use clearview_tests::{TestApp, User};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A database with a signed-up admin and no worker running; the servers
/// under test are child processes on it.
async fn arrange(sink: &SmtpSink) -> (TestApp, User) {
    let app = database_for_processes(Some(sink.url())).await;
    // A worker only for the sign-up's confirmation e-mail.
    let stop = CancellationToken::new();
    let worker = clearview_app::start_worker(&app.config, stop.clone()).await.unwrap();
    let admin = app.register_via(sink, "Shutdown Co").await;
    stop.cancel();
    worker.await.unwrap();
    (app, admin)
}

/// What happened to one request of the load.
struct Outcome {
    sent_after_signal: bool,
    result: Result<u16, String>,
}

/// Sends `request` in a loop, `pause` apart, until one fails after the
/// signal (the server is gone) or a minute passes.
async fn keep_sending<F, Fut>(signalled: Arc<AtomicBool>, pause: Duration, mut request: F) -> Vec<Outcome>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u16, String>>,
{
    let mut outcomes = Vec::new();
    let give_up = Instant::now() + Duration::from_secs(60);
    while Instant::now() < give_up {
        tokio::time::sleep(pause).await;
        let sent_after_signal = signalled.load(Ordering::SeqCst);
        let result = request().await;
        let failed = result.is_err();
        outcomes.push(Outcome {
            sent_after_signal,
            result,
        });
        if failed && sent_after_signal {
            break;
        }
    }
    outcomes
}

/// One GET by id from a client of its own (its own connections).
fn reader(
    address: String,
    cookie: String,
    contact: Uuid,
) -> impl FnMut() -> std::pin::Pin<Box<dyn Future<Output = Result<u16, String>> + Send>> {
    let http = clearview_tests::http_client();
    move || {
        let request = http
            .get(format!("{address}/api/contacts/{contact}"))
            .header("Cookie", cookie.clone())
            .send();
        Box::pin(async move {
            match request.await {
                Ok(response) => Ok(response.status().as_u16()),
                Err(err) => Err(err.to_string()),
            }
        })
    }
}

/// Starts a contact creation whose body arrives in two halves, the second
/// after the signal: a request in flight when shutdown starts.
async fn start_slow_create(address: &str, cookie: &str) -> (TcpStream, Vec<u8>) {
    let body = serde_json::json!({"first_name": "Slow", "last_name": "Upload"}).to_string();
    let head = format!(
        "POST /api/contacts HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len(),
        host = address.trim_start_matches("http://"),
    );
    let mut socket = TcpStream::connect(address.trim_start_matches("http://")).await.unwrap();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(first).await.unwrap();
    (socket, rest.to_vec())
}

async fn finish_slow_create(mut socket: TcpStream, rest: Vec<u8>) -> String {
    socket.write_all(&rest).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut answer))
        .await
        .expect("the in-flight request is answered")
        .unwrap();
    String::from_utf8_lossy(&answer[..read]).into_owned()
}

async fn jobs_in(app: &TestApp, state: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = $1")
        .bind(state)
        .fetch_one(&app.owner)
        .await
        .unwrap()
}

/// Runs a worker in the test until every job is done; returns how many
/// attempts each took.
async fn deliver_the_rest(app: &TestApp) -> Vec<i32> {
    let stop = CancellationToken::new();
    let worker = clearview_app::start_worker(&app.config, stop.clone()).await.unwrap();
    let started = Instant::now();
    while jobs_in(app, "done").await < jobs_total(app).await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the jobs are not all delivered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.cancel();
    worker.await.unwrap();
    sqlx::query_scalar("SELECT attempts FROM jobs ORDER BY id")
        .fetch_all(&app.owner)
        .await
        .unwrap()
}

async fn jobs_total(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(&app.owner)
        .await
        .unwrap()
}

/// How many messages went to `address`.
fn mail_count(sink: &SmtpSink, address: &str) -> usize {
    let header = format!("To: {address}");
    sink.messages().iter().filter(|m| m.contains(&header)).count()
}

#[tokio::test]
async fn sigterm_during_load_fails_no_accepted_request_loses_no_job_and_exits_zero() {
    let sink = SmtpSink::start().await;
    let (app, mut admin) = arrange(&sink).await;
    let contact = admin.contact("Steady", "Reader", None).await;
    // Mail jobs take a while, so some are running when the signal comes.
    sink.set_data_delay(Duration::from_millis(300));
    let mut config = app.config.clone();
    config.embedded_worker = true;
    let mut server = ServerProcess::serve(&config).await;
    let client = admin.at(&server.address);
    let cookie = client.cookie_header();

    let signalled = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let request = reader(server.address.clone(), cookie.clone(), contact);
            tokio::spawn(keep_sending(signalled.clone(), Duration::ZERO, request))
        })
        .collect();
    // Invitations queue e-mails while the load runs.
    let invited = Arc::new(std::sync::Mutex::new(Vec::new()));
    let inviter = {
        let (address, cookie, invited) = (server.address.clone(), cookie.clone(), invited.clone());
        let path = format!("{address}/api/organizations/{}/invite", admin.tenant_id);
        let http = clearview_tests::http_client();
        tokio::spawn(keep_sending(signalled.clone(), Duration::from_millis(100), move || {
            let email = format!("invitee-{}@example.test", Uuid::new_v4().simple());
            let request = http
                .post(&path)
                .header("Cookie", cookie.clone())
                .json(&serde_json::json!({"email": email, "role": "rep"}))
                .send();
            let invited = invited.clone();
            async move {
                let status = request.await.map_err(|e| e.to_string())?.status().as_u16();
                if status == 202 {
                    invited.lock().unwrap().push(email);
                }
                Ok(status)
            }
        }))
    };
    tokio::time::sleep(Duration::from_secs(2)).await;

    let (slow, rest) = start_slow_create(&server.address, &cookie).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    signalled.store(true, Ordering::SeqCst);
    server.terminate();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let answer = finish_slow_create(slow, rest).await;
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "the request in flight at SIGTERM completes: {answer}"
    );

    let status = server.exit_status(Duration::from_secs(40)).await;
    assert_eq!(
        status.code(),
        Some(0),
        "a graceful stop exits 0; log: {}",
        server.log_text()
    );

    let mut outcomes = Vec::new();
    for task in readers.into_iter().chain([inviter]) {
        outcomes.extend(task.await.unwrap());
    }
    let before: Vec<_> = outcomes.iter().filter(|o| !o.sent_after_signal).collect();
    assert!(
        before.len() >= 20,
        "the load was steady: {} requests before the signal",
        before.len()
    );
    for outcome in &outcomes {
        match &outcome.result {
            Ok(status) => assert!(
                *status == 200 || *status == 202,
                "a request the server accepted failed with {status}"
            ),
            Err(err) => assert!(
                outcome.sent_after_signal,
                "a request sent before the signal failed: {err}"
            ),
        }
    }

    // Nothing is left running: each job finished or was handed back.
    assert_eq!(jobs_in(&app, "running").await, 0);
    sink.set_data_delay(Duration::ZERO);
    let attempts = deliver_the_rest(&app).await;
    let invited = invited.lock().unwrap().clone();
    assert!(!invited.is_empty(), "invitations were queued during the load");
    assert_eq!(attempts.len(), invited.len(), "one job per invitation");
    assert!(attempts.iter().all(|a| *a == 1), "no job ran twice: {attempts:?}");
    for email in &invited {
        assert_eq!(mail_count(&sink, email), 1, "{email} gets its invitation exactly once");
    }
}

#[tokio::test]
async fn a_job_still_running_when_the_grace_period_ends_is_handed_back_and_runs_once_later() {
    let sink = SmtpSink::start().await;
    let (app, admin) = arrange(&sink).await;
    // The SMTP server hangs far longer than the grace period.
    sink.set_data_delay(Duration::from_secs(20));
    let mut config = app.config.clone();
    config.embedded_worker = true;
    config.shutdown_timeout_seconds = 1;
    let mut server = ServerProcess::serve(&config).await;
    let mut client = admin.at(&server.address);
    let path = format!("/api/organizations/{}/invite", admin.tenant_id);
    let emails: Vec<String> = (0..3).map(|i| format!("late-{i}@example.test")).collect();
    for email in &emails {
        let response = client
            .post(&path, &serde_json::json!({"email": email, "role": "rep"}))
            .await;
        assert_eq!(response.status, 202, "{}", response.body);
    }
    let started = Instant::now();
    while jobs_in(&app, "running").await < 3 {
        if started.elapsed() > Duration::from_secs(10) {
            let rows: Vec<(String, i32)> = sqlx::query_as("SELECT state, attempts FROM jobs")
                .fetch_all(&app.owner)
                .await
                .unwrap();
            panic!("the jobs never started: {rows:?}; log: {}", server.log_text());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    let signalled_at = Instant::now();
    server.terminate();
    let status = server.exit_status(Duration::from_secs(15)).await;
    assert_eq!(status.code(), Some(0), "log: {}", server.log_text());
    assert!(
        signalled_at.elapsed() < Duration::from_secs(10),
        "the grace period bounds the stop, not the hanging jobs"
    );
    // Handed back: queued again, the interrupted attempt not counted,
    // nothing delivered.
    let rows: Vec<(String, i32)> = sqlx::query_as("SELECT state, attempts FROM jobs")
        .fetch_all(&app.owner)
        .await
        .unwrap();
    assert_eq!(rows, vec![("queued".to_owned(), 0); 3]);
    assert!(sink.messages().is_empty());

    sink.set_data_delay(Duration::ZERO);
    let attempts = deliver_the_rest(&app).await;
    assert_eq!(attempts, vec![1, 1, 1], "each runs once, later");
    for email in &emails {
        assert_eq!(mail_count(&sink, email), 1);
    }
}
