//! A webhook receiver on loopback for the tests: it keeps every request's
//! headers and body and answers with the statuses it is told to (then 204).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One request as received: lower-case header names.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    answers: VecDeque<u16>,
}

pub struct WebhookReceiver {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl WebhookReceiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, &state).await;
                });
            }
        });
        Self { port, state }
    }

    /// `host:port` for `WEBHOOK_ALLOW_HOSTS`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The next requests get these statuses, in order; then 204.
    pub fn answer_with(&self, statuses: &[u16]) {
        self.state.lock().unwrap().answers.extend(statuses);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Waits until `count` requests arrived (panics after `within`).
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                started.elapsed() < within,
                "{} of {count} webhook requests arrived",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn serve(stream: tokio::net::TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let path = line.split_whitespace().nth(1).unwrap_or_default().to_owned();
    let mut headers = BTreeMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).await?;
    let status = {
        let mut state = state.lock().unwrap();
        state.received.push(Received {
            path,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        state.answers.pop_front().unwrap_or(204)
    };
    let response = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    reader.get_mut().write_all(response.as_bytes()).await
}

/// Gives `tenant` a subscription and a delivery, arranged as the owner (no
/// receiver needed): for tests that need a row in every tenant table. It
/// wants the events a deletion cascade fires, so deleting the organization
/// shows that its own cascade queues nothing.
pub async fn fill_webhook_tables(app: &crate::TestApp, tenant: uuid::Uuid) {
    let hook = uuid::Uuid::now_v7();
    sqlx::query(
        "INSERT INTO webhooks (tenant_id, id, url, events, secret) \
         VALUES ($1, $2, 'https://hooks.example.com/x', \
                 ARRAY['contact.deleted', 'company.deleted', 'deal.deleted', 'activity.created'], '{\"sealed\": \"x\"}')",
    )
    .bind(tenant)
    .bind(hook)
    .execute(&app.owner)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_type, payload) \
         VALUES ($1, $2, $3, 'deal.won', '{}')",
    )
    .bind(tenant)
    .bind(uuid::Uuid::now_v7())
    .bind(hook)
    .execute(&app.owner)
    .await
    .unwrap();
}
