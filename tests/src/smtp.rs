//! A real SMTP server on loopback that keeps what it receives: enough of
//! RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for a real
//! client to deliver to it. Tests read the messages; none is relayed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct SmtpSink {
    pub port: u16,
    messages: Arc<Mutex<Vec<String>>>,
    /// How long the sink waits before accepting a message's content (a
    /// slow server keeps a mail job running).
    data_delay_ms: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

/// A loopback port with nothing listening on it (an SMTP server that is down).
pub fn unused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("the SMTP sink binds");
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let data_delay_ms = Arc::new(AtomicU64::new(0));
        let (store, delay) = (messages.clone(), data_delay_ms.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, store.clone(), delay.clone()));
            }
        });
        Self {
            port,
            messages,
            data_delay_ms,
            task,
        }
    }

    /// Makes every later `DATA` wait `delay` before the content is sent.
    pub fn set_data_delay(&self, delay: Duration) {
        self.data_delay_ms.store(delay.as_millis() as u64, Ordering::Relaxed);
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }

    /// Drops the messages addressed to `address`.
    pub fn forget_mail_to(&self, address: &str) {
        let header = format!("To: {address}");
        self.messages.lock().unwrap().retain(|m| !m.contains(&header));
    }

    /// Waits until `count` messages arrived (or the timeout passed).
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<String> {
        let started = Instant::now();
        while self.messages.lock().unwrap().len() < count && started.elapsed() < timeout {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.messages()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn session(stream: TcpStream, store: Arc<Mutex<Vec<String>>>, data_delay_ms: Arc<AtomicU64>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    if write.write_all(b"220 clearview-test-sink ESMTP\r\n").await.is_err() {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 clearview-test-sink\r\n",
            "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "DATA" => {
                tokio::time::sleep(Duration::from_millis(data_delay_ms.load(Ordering::Relaxed))).await;
                if write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await.is_err() {
                    return;
                }
                let mut message = String::new();
                let mut complete = false;
                while let Ok(Some(data)) = lines.next_line().await {
                    if data == "." {
                        complete = true;
                        break;
                    }
                    // Undo dot-stuffing.
                    message.push_str(data.strip_prefix('.').unwrap_or(&data));
                    message.push_str("\r\n");
                }
                // A client that hung up mid-message delivered nothing.
                if !complete {
                    return;
                }
                store.lock().unwrap().push(message);
                b"250 queued\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"502 not implemented\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// The value of `token=` in a message's first link, with quoted-printable
/// soft breaks and `=3D` undone.
pub fn token_in(message: &str) -> Option<String> {
    let unfolded = message.replace("=\r\n", "").replace("=3D", "=");
    let start = unfolded.find("token=")? + "token=".len();
    let token: String = unfolded[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    (!token.is_empty()).then_some(token)
}
