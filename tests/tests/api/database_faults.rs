//! PostgreSQL restarted in the middle of a load (issue 10 §5), on a server
//! of the test's own: while it is down requests fail fast with 503 and
//! `Retry-After` (never a 500, never a hang), and the same application
//! process recovers by itself once it is back.

use clearview_tests::postgres_server::OwnPostgres;
use clearview_tests::{AppOptions, User, spawn_app_with};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// What one read of the load saw.
struct Seen {
    status: u16,
    retry_after: bool,
    took: Duration,
}

/// Reads the contact over and over until `stop`, on its own connections.
async fn read_until(mut user: User, contact: Uuid, stop: Arc<AtomicBool>) -> Vec<Seen> {
    let mut seen = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        let response = user.get(&format!("/api/contacts/{contact}")).await;
        seen.push(Seen {
            status: response.status,
            retry_after: response.header("retry-after").is_some(),
            took: started.elapsed(),
        });
        // Nearly back to back, so some read is in flight when it stops.
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    seen
}

#[tokio::test]
async fn while_postgres_restarts_requests_get_503_with_retry_after_and_the_server_recovers_alone() {
    let postgres = OwnPostgres::start().await;
    let app = spawn_app_with(AppOptions {
        database_server: Some(postgres.url()),
        database_acquire_timeout_ms: 1_000,
        ..AppOptions::default()
    })
    .await
    .unwrap();
    let mut admin = app.register("Outage Co").await;
    let contact = admin.contact("Still", "Here", None).await;

    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| tokio::spawn(read_until(admin.at(&app.address), contact, stop.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    postgres.stop();
    // While it is down: 503 with Retry-After, quickly.
    for _ in 0..5 {
        let started = Instant::now();
        let response = admin.get(&format!("/api/contacts/{contact}")).await;
        assert_eq!(response.status, 503, "database down: {}", response.body);
        assert!(response.header("retry-after").is_some(), "503 says when to retry");
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "fails fast: {:?}",
            started.elapsed()
        );
        assert_eq!(response.json["status"], 503, "a problem body: {}", response.body);
    }

    postgres.start_again();
    // The same process recovers: reads and writes work again.
    let started = Instant::now();
    loop {
        let response = admin.get(&format!("/api/contacts/{contact}")).await;
        if response.status == 200 {
            break;
        }
        assert_eq!(response.status, 503, "{}", response.body);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not recover"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    admin.contact("Written", "After", None).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);

    let mut seen = Vec::new();
    for reader in readers {
        seen.extend(reader.await.unwrap());
    }
    assert!(seen.iter().any(|s| s.status == 503), "the load saw the outage");
    assert!(seen.last().is_some_and(|s| s.status == 200), "and its end");
    for s in &seen {
        assert!(
            s.status == 200 || s.status == 503,
            "only 200 or 503 during a restart, not {}",
            s.status
        );
        assert!(s.status == 200 || s.retry_after, "every 503 carries Retry-After");
        assert!(s.took < Duration::from_secs(5), "no request hangs: {:?}", s.took);
    }
}
