//! `cargo xtask audit verify [TENANT_ID]`: walks the audit log's hash chain
//! (ADR 0024) of one organization, or of every organization, as the schema
//! owner, and reports the first break of each. Exits 1 when any is broken.

use clearview_kernel::TenantId;
use sqlx::{Connection, PgConnection};
use std::process::ExitCode;
use uuid::Uuid;

pub async fn verify(owner_url: &str, tenant: Option<&str>) -> anyhow::Result<ExitCode> {
    let mut conn = PgConnection::connect(owner_url).await?;
    // Every organization's rows, or an error: an owner that row-level
    // security would filter must not report "0 organizations, 0 broken".
    sqlx::query("SET row_security = off").execute(&mut conn).await?;
    let tenants: Vec<Uuid> = match tenant {
        Some(raw) => vec![Uuid::try_parse(raw).map_err(|_| anyhow::anyhow!("`{raw}` is not a tenant id (UUID)"))?],
        None => {
            sqlx::query_scalar("SELECT tenant_id FROM organizations ORDER BY tenant_id")
                .fetch_all(&mut conn)
                .await?
        }
    };
    let mut broken = 0;
    for tenant in &tenants {
        let check = clearview_store_postgres::verify_chain(&mut conn, TenantId::from_uuid(*tenant)).await?;
        match check.broken {
            None => println!("{tenant}: ok, {} entries", check.checked),
            Some(at) => {
                broken += 1;
                let id = at.id.map(|id| format!(" ({id})")).unwrap_or_default();
                println!(
                    "{tenant}: BROKEN at entry {}{id}: {}; {} entries before it are intact",
                    at.seq, at.problem, check.checked
                );
            }
        }
    }
    println!("{} organizations checked, {broken} broken", tenants.len());
    Ok(if broken == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
