//! A Redis server of a test's own (`redis-server` on a free loopback port,
//! nothing on disk), so a test can count its commands or stop it without
//! touching the Redis other tests share. Killed when dropped.

use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct OwnRedis {
    pub port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    /// Starts `redis-server` and waits until it answers.
    pub async fn start() -> OwnRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut redis = OwnRedis { port, child: None };
        redis.restart().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server again on the same port (after [`Self::stop`]).
    pub async fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        self.child = Some(child);
        for _ in 0..100 {
            if self.command("PING").await.is_ok_and(|reply| reply.contains("PONG")) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server on port {} did not answer", self.port);
    }

    /// Kills the server (its data is gone, as after a crash).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends one inline command and returns the raw reply.
    pub async fn command(&self, line: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).await?;
        stream.write_all(format!("{line}\r\n").as_bytes()).await?;
        let mut reply = Vec::new();
        let mut buffer = [0u8; 8192];
        loop {
            let n = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buffer))
                .await
                .unwrap_or(Ok(0))?;
            if n == 0 {
                break;
            }
            reply.extend_from_slice(&buffer[..n]);
            if complete(&reply) {
                break;
            }
        }
        Ok(String::from_utf8_lossy(&reply).into_owned())
    }

    /// Calls per command since the last `CONFIG RESETSTAT`, from `INFO
    /// commandstats` (`cmdstat_evalsha:calls=50,…`).
    pub async fn command_calls(&self) -> Vec<(String, u64)> {
        let info = self.command("INFO commandstats").await.expect("INFO answers");
        info.lines()
            .filter_map(|line| {
                let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
                let calls = stats.split(',').find_map(|s| s.strip_prefix("calls="))?.parse().ok()?;
                Some((name.to_owned(), calls))
            })
            .collect()
    }
}

/// Whether a RESP reply is whole: a simple line, or a bulk string whose
/// announced length has arrived.
fn complete(reply: &[u8]) -> bool {
    let text = String::from_utf8_lossy(reply);
    let Some((head, rest)) = text.split_once("\r\n") else {
        return false;
    };
    match head.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()) {
        Some(length) => rest.len() >= length + 2,
        None => true,
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
