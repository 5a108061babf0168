//! Load generation from this (second) process on loopback.
//!
//! Open loop: requests start on a fixed schedule whatever the server does,
//! and each latency is measured from the request's *intended* start, so a
//! stalled server is charged for the queue it causes (no coordinated
//! omission). Closed loop: N clients back to back, for peak throughput only.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// One request to make; `i` numbers them (for unique bodies).
pub type MakeRequest = Arc<dyn Fn(&reqwest::Client, u64) -> reqwest::RequestBuilder + Send + Sync>;

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub sent: u64,
    pub errors: u64,
    pub achieved_rps: f64,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

fn summarize(mut latencies: Vec<Duration>, errors: u64, elapsed: Duration) -> Outcome {
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
    };
    let sent = latencies.len() as u64 + errors;
    Outcome {
        sent,
        errors,
        achieved_rps: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50).unwrap_or_default(),
        p95: at(0.95).unwrap_or_default(),
        p99: at(0.99).unwrap_or_default(),
        max: latencies.last().copied().unwrap_or_default(),
    }
}

async fn send(client: &reqwest::Client, request: &MakeRequest, i: u64) -> bool {
    match request(client, i).send().await {
        Ok(response) => {
            let ok = response.status().is_success();
            // Read the whole body: the work is not done before it arrives.
            ok && response.bytes().await.is_ok()
        }
        Err(_) => false,
    }
}

/// `rate` requests per second for `duration`, open loop.
pub async fn open_loop(client: &reqwest::Client, rate: u32, duration: Duration, request: MakeRequest) -> Outcome {
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(Mutex::new(0u64));
    // A ceiling on requests in flight so a dead server cannot exhaust us.
    let in_flight = Arc::new(Semaphore::new(2_000));
    let total = (f64::from(rate) * duration.as_secs_f64()) as u64;
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let intended = started + interval.mul_f64(i as f64);
        tokio::time::sleep_until(intended.into()).await;
        let permit = in_flight.clone().acquire_owned().await.expect("semaphore open");
        let (client, request, latencies, errors) = (client.clone(), request.clone(), latencies.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let ok = send(&client, &request, i).await;
            let latency = intended.elapsed();
            if ok {
                latencies.lock().unwrap().push(latency);
            } else {
                *errors.lock().unwrap() += 1;
            }
            drop(permit);
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed();
    let latencies = std::mem::take(&mut *latencies.lock().unwrap());
    let errors = *errors.lock().unwrap();
    summarize(latencies, errors, elapsed)
}

/// `clients` back-to-back clients for `duration`: the peak rate.
pub async fn closed_loop(client: &reqwest::Client, clients: u32, duration: Duration, request: MakeRequest) -> Outcome {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, request) = (client.clone(), request.clone());
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut errors, mut i) = (Vec::new(), 0u64, u64::from(c) << 32);
            while started.elapsed() < duration {
                let begun = Instant::now();
                if send(&client, &request, i).await {
                    latencies.push(begun.elapsed());
                } else {
                    errors += 1;
                }
                i += 1;
            }
            (latencies, errors)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for task in tasks {
        if let Ok((latencies, e)) = task.await {
            all.extend(latencies);
            errors += e;
        }
    }
    summarize(all, errors, started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_sorted_latencies() {
        let latencies = (1..=100).map(Duration::from_millis).collect();
        let outcome = summarize(latencies, 2, Duration::from_secs(1));
        assert_eq!(outcome.p50, Duration::from_millis(51));
        assert_eq!(outcome.p99, Duration::from_millis(100));
        assert_eq!(outcome.max, Duration::from_millis(100));
        assert_eq!(outcome.sent, 102);
        assert_eq!(outcome.achieved_rps, 100.0);
    }
}
