//! One organization tries to starve the others (issue 9, ADR 0016): ten
//! uploads that send their head and 1 MiB of body, then nothing, and ten
//! export downloads that are never read, all from one admin. Meanwhile
//! another organization reads its contact list at a steady rate; the row
//! compares that with the same reads before the attack.

use super::load::{MakeRequest, open_loop};
use super::scenarios::Row;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ATTACKERS: usize = 10;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// An upload that announces 100 MiB, sends 1 MiB and stalls.
async fn stalled_upload(addr: &str, cookie: &str) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let head = format!(
        "POST /api/contacts/import HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
         Content-Type: text/csv\r\nContent-Length: {}\r\n\r\nfirst_name,last_name\r\n",
        100 << 20
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    let chunk = "Ada,Lovelace\r\n".repeat(1 << 17);
    stream.write_all(&chunk.as_bytes()[..1 << 20]).await.ok()?;
    Some(stream)
}

/// An export whose answer is never read past its first bytes.
async fn stalled_export(addr: &str, cookie: &str) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let head = format!("GET /api/contacts/export HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.ok()?;
    let mut first = [0u8; 64];
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut first)).await;
    Some(stream)
}

/// The victim's reads alone, then beside the attack.
pub async fn row(
    client: &reqwest::Client,
    base: &str,
    attacker_cookie: &str,
    victim_reads: MakeRequest,
    d: Duration,
) -> Row {
    let alone = open_loop(client, 200, d, victim_reads.clone()).await;
    let addr = base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..ATTACKERS {
        held.extend(stalled_upload(&addr, attacker_cookie).await);
        held.extend(stalled_export(&addr, attacker_cookie).await);
    }
    let beside = open_loop(client, 200, d, victim_reads).await;
    drop(held);
    let bound = (2.0 * ms(alone.p99)).max(ms(alone.p99) + 10.0);
    let met = beside.errors == 0 && ms(beside.p99) <= bound;
    Row {
        scenario: format!(
            "another organization's reads while one holds {ATTACKERS} stalled uploads and {ATTACKERS} unread exports"
        ),
        target: "no error; p99 within 2× (or +10 ms) of the same reads alone".into(),
        load: "open, 200 req/s".into(),
        measured: format!(
            "{} attacker sockets held; p99 {:.1} → {:.1} ms; {} errors",
            2 * ATTACKERS,
            ms(alone.p99),
            ms(beside.p99),
            beside.errors
        ),
        met: Some(met),
        outcome: Some(beside),
    }
}
