//! The demo organization: five members, one per role (two reps, so that
//! "own records only" visibility has something to hide), a few hundred
//! deterministic companies and contacts to page, sort and search through,
//! and (see [`crate::seed_sales`]) two pipelines with deals and activities.

use crate::demo_data::{Company, Contact, generate_companies, generate_contacts};
use anyhow::Context;
use rand::SeedableRng;
use rand::rngs::StdRng;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// DEVELOPMENT-ONLY credential shared by every demo user. It is printed on
/// purpose and must never be used on a real deployment.
pub const DEMO_PASSWORD: &str = "clearview-demo-password";

/// Fixed ids, so the seed can tell it already ran and ids survive a reset.
pub const DEMO_ORG_ID: Uuid = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001);
const DEMO_ORG_NAME: &str = "Demo Sales Co";

/// (id, email, display name, role)
const DEMO_USERS: &[(Uuid, &str, &str, &str)] = &[
    (user_id(1), "admin@demo.clearview.test", "Ada Admin", "admin"),
    (user_id(2), "manager@demo.clearview.test", "Max Manager", "manager"),
    (user_id(3), "rep@demo.clearview.test", "Rita Rep", "rep"),
    (user_id(4), "rep2@demo.clearview.test", "Ray Rep", "rep"),
    (user_id(5), "viewer@demo.clearview.test", "Vic Viewer", "viewer"),
];

/// bcrypt cost for the demo hashes: a realistic cost, so demo logins take as
/// long as real ones would.
const BCRYPT_COST: u32 = 12;

const fn user_id(n: u128) -> Uuid {
    Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0001_0000 + n)
}

/// Seeds what the demo organization lacks (all of it, or just its pipelines,
/// deals and activities), in one transaction; then prints counts and logins.
pub async fn run(owner_url: &str) -> anyhow::Result<()> {
    let mut connection = PgConnection::connect(owner_url)
        .await
        .context("connecting as the schema owner")?;
    let mut tx = connection.begin().await?;
    // Row-level security is forced on tenant tables; bind this transaction
    // to the demo tenant so the seed also works for an owner that is not a
    // superuser (a superuser would bypass the policies anyway).
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(DEMO_ORG_ID.to_string())
        .execute(&mut *tx)
        .await?;

    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organizations WHERE tenant_id = $1)")
        .bind(DEMO_ORG_ID)
        .fetch_one(&mut *tx)
        .await?;
    let mut added = Vec::new();
    if !exists {
        insert_org_and_members(&mut tx).await?;
        let owners = owners();
        let companies = generate_companies(&mut StdRng::seed_from_u64(0xC0FFEE), &owners);
        insert_companies(&mut tx, &companies).await?;
        let contacts = generate_contacts(&mut StdRng::seed_from_u64(0xFACADE), &companies, &owners);
        insert_contacts(&mut tx, &contacts, &companies).await?;
        added.push(format!(
            "{} users, {} companies, {} contacts",
            DEMO_USERS.len(),
            companies.len(),
            contacts.len()
        ));
    }
    // Pipelines came after the first version of this seed: an org seeded by
    // that version has people but no pipelines, and gets them (with deals
    // and activities) now. Any pipeline at all means the org is complete.
    let pipelines: i64 = sqlx::query_scalar("SELECT count(*) FROM pipelines WHERE tenant_id = $1")
        .bind(DEMO_ORG_ID)
        .fetch_one(&mut *tx)
        .await?;
    if pipelines == 0 {
        let owners: Vec<(Uuid, &str)> = DEMO_USERS
            .iter()
            .filter(|u| u.3 != "viewer")
            .map(|u| (u.0, u.2))
            .collect();
        crate::seed_sales::seed(&mut tx, DEMO_ORG_ID, &owners).await?;
        added.push("pipelines, deals and activities".to_string());
    }
    let counts = sales_counts(&mut tx).await?;
    tx.commit().await?;

    if added.is_empty() {
        println!("demo organization already seeded");
    } else {
        println!("seeded {DEMO_ORG_NAME}: {}", added.join("; "));
    }
    println!(
        "{DEMO_ORG_NAME} has {} pipelines, {} deals, {} activities",
        counts.0, counts.1, counts.2
    );
    print_logins();
    Ok(())
}

/// (pipelines, deals, activities) of the demo org, for the summary line.
async fn sales_counts(tx: &mut PgConnection) -> anyhow::Result<(i64, i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM pipelines WHERE tenant_id = $1), \
                (SELECT count(*) FROM deals WHERE tenant_id = $1), \
                (SELECT count(*) FROM activities WHERE tenant_id = $1)",
    )
    .bind(DEMO_ORG_ID)
    .fetch_one(&mut *tx)
    .await?)
}

/// Members that can own records: everyone but the viewer.
fn owners() -> Vec<Uuid> {
    DEMO_USERS.iter().filter(|u| u.3 != "viewer").map(|u| u.0).collect()
}

pub fn print_logins() {
    println!("demo logins (DEVELOPMENT ONLY, password `{DEMO_PASSWORD}`):");
    for (_, email, _, role) in DEMO_USERS {
        println!("  {email:<30} {role}");
    }
}

async fn insert_org_and_members(tx: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO organizations (tenant_id, name, rep_visibility) VALUES ($1, $2, 'all')")
        .bind(DEMO_ORG_ID)
        .bind(DEMO_ORG_NAME)
        .execute(&mut *tx)
        .await?;

    // One hash for all five users: bcrypt at cost 12 is deliberately slow.
    let hash = bcrypt::hash(DEMO_PASSWORD, BCRYPT_COST)?;
    let ids: Vec<Uuid> = DEMO_USERS.iter().map(|u| u.0).collect();
    let emails: Vec<&str> = DEMO_USERS.iter().map(|u| u.1).collect();
    let names: Vec<&str> = DEMO_USERS.iter().map(|u| u.2).collect();
    let roles: Vec<&str> = DEMO_USERS.iter().map(|u| u.3).collect();
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash) \
         SELECT id, email, name, $4 FROM UNNEST($1::uuid[], $2::text[], $3::text[]) AS u(id, email, name)",
    )
    .bind(&ids)
    .bind(&emails)
    .bind(&names)
    .bind(&hash)
    .execute(&mut *tx)
    .await
    .context("inserting demo users (is an old copy of them left in the database?)")?;
    sqlx::query(
        "INSERT INTO memberships (tenant_id, user_id, role) \
         SELECT $1, user_id, role FROM UNNEST($2::uuid[], $3::text[]) AS m(user_id, role)",
    )
    .bind(DEMO_ORG_ID)
    .bind(&ids)
    .bind(&roles)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn insert_companies(tx: &mut PgConnection, companies: &[Company]) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO companies (tenant_id, id, name, domain, phone, owner_id) \
         SELECT $1, * FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[])",
    )
    .bind(DEMO_ORG_ID)
    .bind(companies.iter().map(|c| c.id).collect::<Vec<_>>())
    .bind(companies.iter().map(|c| c.name.as_str()).collect::<Vec<_>>())
    .bind(companies.iter().map(|c| c.domain.as_str()).collect::<Vec<_>>())
    .bind(companies.iter().map(|c| c.phone.as_str()).collect::<Vec<_>>())
    .bind(companies.iter().map(|c| c.owner_id).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .context("inserting demo companies")?;
    Ok(())
}

async fn insert_contacts(tx: &mut PgConnection, contacts: &[Contact], companies: &[Company]) -> anyhow::Result<()> {
    let company_ids: Vec<Option<Uuid>> = contacts.iter().map(|c| c.company.map(|i| companies[i].id)).collect();
    sqlx::query(
        "INSERT INTO contacts (tenant_id, id, first_name, last_name, email, phone, title, company_id, owner_id) \
         SELECT $1, * FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::uuid[])",
    )
    .bind(DEMO_ORG_ID)
    .bind(contacts.iter().map(|_| Uuid::now_v7()).collect::<Vec<_>>())
    .bind(contacts.iter().map(|c| c.first_name).collect::<Vec<_>>())
    .bind(contacts.iter().map(|c| c.last_name).collect::<Vec<_>>())
    .bind(contacts.iter().map(|c| c.email.as_str()).collect::<Vec<_>>())
    .bind(contacts.iter().map(|c| c.phone.as_deref()).collect::<Vec<_>>())
    .bind(contacts.iter().map(|c| c.title).collect::<Vec<_>>())
    .bind(company_ids)
    .bind(contacts.iter().map(|c| c.owner_id).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .context("inserting demo contacts")?;
    Ok(())
}
