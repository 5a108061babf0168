//! `cargo xtask seed --large [--quick]`: the synthetic dataset behind the
//! benchmarks, in its own database (`clearview_bench`, or
//! `clearview_bench_quick`) so the demo data is never touched.
//!
//! Full size: 1,000 organizations and 1,000,000 contacts — one "whale" of
//! 100,000, ten of 20,000, the rest ~710 each — with companies (1 per 10
//! contacts), deals (1 per 10, across every stage, each with one contact)
//! and activities with JSON metadata (1 per 5). The whale also has 20 reps
//! who own its contacts in equal shares and see only their own records.
//! Deterministic from a seed: the same names, emails, amounts and ids every
//! time. Loaded with `COPY … FROM STDIN` as the owner
//! (who bypasses RLS), in batches, with every index in place.

use crate::names::{FIRST_NAMES, LAST_NAMES};
use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{Connection, PgConnection};
use std::fmt::Write as _;
use std::time::Instant;
use uuid::Uuid;

/// The password of every benchmark organization's admin (benchmarks only).
pub const BENCH_PASSWORD: &str = "clearview-bench-password";

#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub organizations: usize,
    pub whale: usize,
    pub large_orgs: usize,
    pub large: usize,
    pub total_contacts: usize,
}

impl Size {
    pub const FULL: Size = Size {
        organizations: 1_000,
        whale: 100_000,
        large_orgs: 10,
        large: 20_000,
        total_contacts: 1_000_000,
    };
    pub const QUICK: Size = Size {
        organizations: 50,
        whale: 20_000,
        large_orgs: 2,
        large: 5_000,
        total_contacts: 40_000,
    };

    /// Contacts of organization `n` (0 is the whale).
    pub fn contacts_of(&self, n: usize) -> usize {
        let small_orgs = self.organizations - 1 - self.large_orgs;
        let small_total = self.total_contacts - self.whale - self.large_orgs * self.large;
        match n {
            0 => self.whale,
            n if n <= self.large_orgs => self.large,
            n => small_total / small_orgs + usize::from(n - self.large_orgs - 1 < small_total % small_orgs),
        }
    }

    pub fn database(&self, quick: bool) -> &'static str {
        if quick {
            "clearview_bench_quick"
        } else {
            "clearview_bench"
        }
    }
}

/// A deterministic UUIDv7: a timestamp and random bits from the generator.
fn id(rng: &mut StdRng, millis: u64) -> Uuid {
    uuid::Builder::from_unix_timestamp_millis(millis, &rng.random()).into_uuid()
}

/// The tenant id of organization `n`, stable across runs and tools.
pub fn tenant_of(n: usize) -> Uuid {
    Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0000 | (0xbe_0000_0000 + n as u128))
}

/// The admin e-mail of organization `n`.
pub fn admin_email(n: usize) -> String {
    format!("admin@org{n}.bench.test")
}

/// Reps of the largest organization, each owning an equal share of its
/// contacts; the organization shows reps only their own records.
pub const WHALE_REPS: usize = 20;

/// The e-mail of rep `r` of the largest organization.
pub fn whale_rep_email(r: usize) -> String {
    format!("rep{r}@org0.bench.test")
}

fn whale_rep(r: usize) -> Uuid {
    Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0000 | (0xee_0000_0000 + r as u128))
}

/// A CSV field: quoted, with quotes doubled.
fn q(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

struct Copier<'a> {
    conn: &'a mut PgConnection,
    statement: String,
    buffer: String,
    rows: usize,
}

impl<'a> Copier<'a> {
    fn new(conn: &'a mut PgConnection, table: &str, columns: &str) -> Self {
        Self {
            conn,
            statement: format!("COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"),
            buffer: String::new(),
            rows: 0,
        }
    }

    async fn row(&mut self, line: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
        self.buffer.write_fmt(line)?;
        self.buffer.push('\n');
        self.rows += 1;
        if self.buffer.len() > 8 << 20 {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let mut copy = self.conn.copy_in_raw(&self.statement).await?;
        copy.send(std::mem::take(&mut self.buffer).into_bytes()).await?;
        copy.finish().await?;
        Ok(())
    }
}

const STAGES: [(&str, i16, &str); 6] = [
    ("Lead", 10, "open"),
    ("Qualified", 25, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 75, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
];

/// Creates (if needed) and fills the benchmark database.
pub async fn seed(owner_url: &str, size: Size, quick: bool) -> anyhow::Result<String> {
    let url = crate::pgurl::PgUrl::parse(owner_url)?
        .with_database(size.database(quick))
        .to_string();
    crate::db::ensure_database(&url).await?;
    crate::db::migrate(&url).await?;
    let mut conn = PgConnection::connect(&url)
        .await
        .context("connect to the benchmark database")?;
    let present: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
        .fetch_one(&mut conn)
        .await?;
    if present > 0 {
        // Datasets made before the whale had reps (and its deals contacts)
        // lack what later rows measure: say so rather than fail mid-run.
        let reps: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email = $1")
            .bind(whale_rep_email(0))
            .fetch_one(&mut conn)
            .await?;
        if reps == 0 {
            anyhow::bail!(
                "{} was made by an older `seed --large` (no reps in the largest organization); \
                 drop it (`psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE {} WITH (FORCE)'`) and run it again",
                size.database(quick),
                size.database(quick)
            );
        }
        println!(
            "benchmark dataset already present in {} ({present} contacts)",
            size.database(quick)
        );
        crate::large_custom::seed(&mut conn).await?;
        return Ok(url);
    }
    let started = Instant::now();
    let hash = bcrypt::hash(BENCH_PASSWORD, 12)?;
    let mut rng = StdRng::seed_from_u64(20261123);
    let now_ms = 1_795_000_000_000u64; // a fixed "now" keeps ids and dates deterministic
    let day_ms = 86_400_000u64;
    let mut orgs = Copier::new(&mut conn, "organizations", "tenant_id, name");
    for n in 0..size.organizations {
        orgs.row(format_args!("{},{}", tenant_of(n), q(&format!("Bench Org {n}"))))
            .await?;
    }
    orgs.flush().await?;
    let mut users = Copier::new(&mut conn, "users", "id, email, name, password_hash");
    for n in 0..size.organizations {
        users
            .row(format_args!(
                "{},{},{},{}",
                tenant_of(n),
                admin_email(n),
                q(&format!("Admin {n}")),
                q(&hash)
            ))
            .await?;
    }
    for r in 0..WHALE_REPS {
        users
            .row(format_args!(
                "{},{},{},{}",
                whale_rep(r),
                whale_rep_email(r),
                q(&format!("Rep {r}")),
                q(&hash)
            ))
            .await?;
    }
    users.flush().await?;
    let mut members = Copier::new(&mut conn, "memberships", "tenant_id, user_id, role");
    for n in 0..size.organizations {
        // The admin's identity id equals the tenant id: simple and unique.
        members
            .row(format_args!("{},{},admin", tenant_of(n), tenant_of(n)))
            .await?;
    }
    for r in 0..WHALE_REPS {
        members
            .row(format_args!("{},{},rep", tenant_of(0), whale_rep(r)))
            .await?;
    }
    members.flush().await?;
    sqlx::query("UPDATE organizations SET rep_visibility = 'own' WHERE tenant_id = $1")
        .bind(tenant_of(0))
        .execute(&mut conn)
        .await?;

    // Pipelines and stages: the default funnel for every organization.
    let mut stage_ids: Vec<[Uuid; 6]> = Vec::with_capacity(size.organizations);
    let mut pipelines = Copier::new(&mut conn, "pipelines", "tenant_id, id, name, is_default");
    let mut pipeline_ids = Vec::with_capacity(size.organizations);
    for n in 0..size.organizations {
        let pipeline = id(&mut rng, now_ms);
        pipeline_ids.push(pipeline);
        pipelines
            .row(format_args!("{},{pipeline},Sales,true", tenant_of(n)))
            .await?;
    }
    pipelines.flush().await?;
    let mut stages = Copier::new(
        &mut conn,
        "pipeline_stages",
        "tenant_id, id, pipeline_id, name, position, probability, kind",
    );
    for (n, pipeline) in pipeline_ids.iter().enumerate() {
        let ids: [Uuid; 6] = std::array::from_fn(|_| id(&mut rng, now_ms));
        for (i, (name, probability, kind)) in STAGES.iter().enumerate() {
            stages
                .row(format_args!(
                    "{},{},{},{name},{i},{probability},{kind}",
                    tenant_of(n),
                    ids[i],
                    pipeline
                ))
                .await?;
        }
        stage_ids.push(ids);
    }
    stages.flush().await?;
    drop(stages);

    let mut companies = Copier::new(
        &mut conn,
        "companies",
        "tenant_id, id, name, domain, owner_id, created_at, updated_at",
    );
    let mut company_ids: Vec<Vec<Uuid>> = Vec::with_capacity(size.organizations);
    for n in 0..size.organizations {
        let count = size.contacts_of(n).div_ceil(10);
        let mut ids = Vec::with_capacity(count);
        for c in 0..count {
            let created = now_ms - rng.random_range(0..730) * day_ms;
            let company = id(&mut rng, created);
            let word = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
            companies
                .row(format_args!(
                    "{},{company},{},c{c}.org{n}.example,{},{},{}",
                    tenant_of(n),
                    q(&format!("{word} Holdings {c}")),
                    tenant_of(n),
                    ts(created),
                    ts(created)
                ))
                .await?;
            ids.push(company);
        }
        company_ids.push(ids);
    }
    companies.flush().await?;
    drop(companies);
    println!(
        "organizations, pipelines and companies loaded ({:.1} s)",
        started.elapsed().as_secs_f64()
    );

    let mut contacts = Copier::new(
        &mut conn,
        "contacts",
        "tenant_id, id, first_name, last_name, email, phone, title, company_id, owner_id, created_at, updated_at",
    );
    let mut contact_sample: Vec<(usize, Uuid)> = Vec::new();
    for (n, companies_of_org) in company_ids.iter().enumerate() {
        for c in 0..size.contacts_of(n) {
            let created = now_ms - rng.random_range(0..730 * 24) * 3_600_000 - rng.random_range(0..3_600_000);
            let contact = id(&mut rng, created);
            let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
            let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
            let company = companies_of_org[c / 10];
            let owner = if n == 0 {
                whale_rep(c % WHALE_REPS)
            } else {
                tenant_of(n)
            };
            contacts
                .row(format_args!(
                    "{},{contact},{},{},{}.{}.{c}@org{n}.example,+1 555 {:04},Buyer,{company},{},{},{}",
                    tenant_of(n),
                    q(first),
                    q(last),
                    first.to_lowercase().replace(['\'', ' '], ""),
                    last.to_lowercase().replace(['\'', ' '], ""),
                    c % 10_000,
                    owner,
                    ts(created),
                    ts(created)
                ))
                .await?;
            if (n == 0 && c % 100 == 0) || (n > 0 && c == 0) {
                contact_sample.push((n, contact));
            }
        }
    }
    contacts.flush().await?;
    drop(contacts);
    println!(
        "{} contacts loaded ({:.1} s)",
        size.total_contacts,
        started.elapsed().as_secs_f64()
    );

    let mut deals = Copier::new(
        &mut conn,
        "deals",
        "tenant_id, id, title, amount, currency, pipeline_id, stage_id, owner_id, expected_close_date, closed_at, created_at, updated_at",
    );
    for n in 0..size.organizations {
        for d in 0..size.contacts_of(n).div_ceil(10) {
            let created = now_ms - rng.random_range(0..365) * day_ms;
            let stage = d % 6;
            let closed = if stage >= 4 {
                ts(created + 7 * day_ms)
            } else {
                String::new()
            };
            let cents: u64 = rng.random_range(150_000..25_000_000);
            let close_day = 20_400 + rng.random_range(0..270); // days since 1970: the months ahead
            deals
                .row(format_args!(
                    "{},{},Deal {d},{}.{:02},{},{},{},{},{},{closed},{},{}",
                    tenant_of(n),
                    id(&mut rng, created),
                    cents / 100,
                    cents % 100,
                    ["USD", "USD", "EUR", "GBP"][d % 4],
                    pipeline_ids[n],
                    stage_ids[n][stage],
                    tenant_of(n),
                    chrono::DateTime::from_timestamp(close_day * 86_400, 0)
                        .map(|t| t.date_naive().to_string())
                        .unwrap_or_default(),
                    ts(created),
                    ts(created)
                ))
                .await?;
        }
    }
    deals.flush().await?;
    drop(deals);
    // Each deal gets one contact of its organization, so reads of deals
    // pay for their contacts as they do in use.
    sqlx::query(
        "INSERT INTO deal_contacts (tenant_id, deal_id, contact_id) \
         SELECT d.tenant_id, d.id, c.id \
         FROM (SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS n FROM deals) d \
         JOIN (SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS n FROM contacts) c \
           ON c.tenant_id = d.tenant_id AND c.n = d.n",
    )
    .execute(&mut conn)
    .await?;

    let mut activities = Copier::new(
        &mut conn,
        "activities",
        "tenant_id, id, kind, subject, company_id, owner_id, occurred_at, metadata, created_at, updated_at",
    );
    let outcomes = ["connected", "voicemail", "no_answer"];
    for n in 0..size.organizations {
        for a in 0..size.contacts_of(n).div_ceil(5) {
            let at = now_ms - rng.random_range(0..180) * day_ms;
            let metadata = format!(
                "{{\"duration_seconds\": {}, \"outcome\": \"{}\"}}",
                rng.random_range(20..1800),
                outcomes[a % 3]
            );
            activities
                .row(format_args!(
                    "{},{},call,Call {a},{},{},{},{},{},{}",
                    tenant_of(n),
                    id(&mut rng, at),
                    company_ids[n][a % company_ids[n].len()],
                    tenant_of(n),
                    ts(at),
                    q(&metadata),
                    ts(at),
                    ts(at)
                ))
                .await?;
        }
    }
    activities.flush().await?;
    drop(activities);

    // Contact ids the benchmark reads, kept in a plain table (not tenant data).
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_contacts (n serial PRIMARY KEY, tenant_id uuid NOT NULL, id uuid NOT NULL)",
    )
    .execute(&mut conn)
    .await?;
    // pgbench reads it as the application role too.
    sqlx::query("GRANT SELECT ON bench_contacts TO clearview_app")
        .execute(&mut conn)
        .await?;
    let (tenants, ids): (Vec<Uuid>, Vec<Uuid>) = contact_sample.iter().map(|(n, c)| (tenant_of(*n), *c)).unzip();
    sqlx::query("INSERT INTO bench_contacts (tenant_id, id) SELECT * FROM UNNEST($1::uuid[], $2::uuid[])")
        .bind(tenants)
        .bind(ids)
        .execute(&mut conn)
        .await?;
    crate::large_custom::seed(&mut conn).await?;
    sqlx::query("ANALYZE").execute(&mut conn).await?;
    println!(
        "benchmark dataset loaded into {} in {:.1} s: {} organizations, {} contacts; every admin's password is `{BENCH_PASSWORD}` (benchmarks only)",
        size.database(quick),
        started.elapsed().as_secs_f64(),
        size.organizations,
        size.total_contacts
    );
    Ok(url)
}

/// A timestamp for COPY, from milliseconds since the epoch.
fn ts(millis: u64) -> String {
    chrono::DateTime::from_timestamp_millis(millis as i64)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sizes_add_up_to_the_total() {
        for size in [Size::FULL, Size::QUICK] {
            let sum: usize = (0..size.organizations).map(|n| size.contacts_of(n)).sum();
            assert_eq!(sum, size.total_contacts);
            assert_eq!(size.contacts_of(0), size.whale);
        }
    }

    #[test]
    fn tenant_ids_are_stable_and_distinct() {
        assert_eq!(tenant_of(3), tenant_of(3));
        assert_ne!(tenant_of(1), tenant_of(2));
    }
}
