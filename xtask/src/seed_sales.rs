//! Writes the demo pipelines, deals and activities. Companies and contacts
//! are read back from the database rather than taken from the generator, so
//! this also completes a demo org seeded before pipelines existed. Every
//! insert is one batched UNNEST inside the caller's transaction, which is
//! already bound to the demo tenant.

use crate::demo_activities::{Activity, generate_activities};
use crate::demo_deals::{Account, Deal, DemoPipeline, Person, demo_pipelines, generate_deals};
use anyhow::Context;
use chrono::{DateTime, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sqlx::PgConnection;
use uuid::Uuid;

/// Adds pipelines, deals and activities to `tenant`, which has none yet.
pub async fn seed(tx: &mut PgConnection, tenant: Uuid, owners: &[(Uuid, &str)]) -> anyhow::Result<()> {
    let (accounts, people) = load_accounts(tx, tenant).await?;
    let now = Utc::now();
    let owner_ids: Vec<Uuid> = owners.iter().map(|o| o.0).collect();
    let pipelines = demo_pipelines();
    let deals = generate_deals(
        &mut StdRng::seed_from_u64(0xDEA15),
        now,
        &pipelines,
        &accounts,
        &people,
        &owner_ids,
    );
    let activities = generate_activities(
        &mut StdRng::seed_from_u64(0xAC7),
        now,
        &deals,
        &accounts,
        &people,
        owners,
    );
    insert_pipelines(tx, tenant, &pipelines).await?;
    insert_deals(tx, tenant, &pipelines, &deals, &accounts).await?;
    insert_deal_links(tx, tenant, &pipelines, &deals, &people).await?;
    insert_activities(tx, tenant, &activities, &deals, &accounts, &people).await?;
    Ok(())
}

/// Companies by name and contacts by email: stable orders, so the same
/// seed picks the same companies however their ids were generated.
async fn load_accounts(tx: &mut PgConnection, tenant: Uuid) -> anyhow::Result<(Vec<Account>, Vec<Person>)> {
    let rows: Vec<(Uuid, String, Option<Uuid>)> =
        sqlx::query_as("SELECT id, name, owner_id FROM companies WHERE tenant_id = $1 ORDER BY name, id")
            .bind(tenant)
            .fetch_all(&mut *tx)
            .await?;
    let accounts: Vec<Account> = rows
        .into_iter()
        .map(|(id, name, owner_id)| Account { id, name, owner_id })
        .collect();
    let rows: Vec<(Uuid, String, String, Option<Uuid>)> = sqlx::query_as(
        "SELECT id, first_name, last_name, company_id FROM contacts WHERE tenant_id = $1 ORDER BY email, id",
    )
    .bind(tenant)
    .fetch_all(&mut *tx)
    .await?;
    let people = rows
        .into_iter()
        .map(|(id, first_name, last_name, company_id)| Person {
            id,
            first_name,
            last_name,
            company: company_id.and_then(|c| accounts.iter().position(|a| a.id == c)),
        })
        .collect();
    Ok((accounts, people))
}

async fn insert_pipelines(tx: &mut PgConnection, tenant: Uuid, pipelines: &[DemoPipeline]) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO pipelines (tenant_id, id, name, is_default) \
         SELECT $1, * FROM UNNEST($2::uuid[], $3::text[], $4::bool[])",
    )
    .bind(tenant)
    .bind(pipelines.iter().map(|p| p.id).collect::<Vec<_>>())
    .bind(pipelines.iter().map(|p| p.name).collect::<Vec<_>>())
    .bind(pipelines.iter().map(|p| p.is_default).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .context("inserting demo pipelines")?;
    let stages: Vec<_> = pipelines
        .iter()
        .flat_map(|p| p.stages.iter().enumerate().map(move |(i, s)| (p.id, i as i32, s)))
        .collect();
    sqlx::query(
        "INSERT INTO pipeline_stages (tenant_id, pipeline_id, id, name, position, probability, kind) \
         SELECT $1, * FROM UNNEST($2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::smallint[], $7::text[])",
    )
    .bind(tenant)
    .bind(stages.iter().map(|s| s.0).collect::<Vec<_>>())
    .bind(stages.iter().map(|s| s.2.id).collect::<Vec<_>>())
    .bind(stages.iter().map(|s| s.2.name.as_str()).collect::<Vec<_>>())
    .bind(stages.iter().map(|s| s.1).collect::<Vec<_>>())
    .bind(stages.iter().map(|s| s.2.probability).collect::<Vec<_>>())
    .bind(stages.iter().map(|s| s.2.kind.as_str()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .context("inserting demo pipeline stages")?;
    Ok(())
}

async fn insert_deals(
    tx: &mut PgConnection,
    tenant: Uuid,
    pipelines: &[DemoPipeline],
    deals: &[Deal],
    accounts: &[Account],
) -> anyhow::Result<()> {
    // Amounts travel as text and are cast in SQL, so no float ever touches
    // the money and the scale (two decimals) is kept as written.
    sqlx::query(
        "INSERT INTO deals (tenant_id, id, title, amount, currency, pipeline_id, stage_id, company_id, owner_id, \
                            expected_close_date, probability, closed_at, lost_reason, created_at, updated_at) \
         SELECT $1, id, title, amount::numeric, currency, pipeline_id, stage_id, company_id, owner_id, \
                expected_close_date, probability, closed_at, lost_reason, created_at, updated_at \
         FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::uuid[], $8::uuid[], $9::uuid[], \
                     $10::date[], $11::smallint[], $12::timestamptz[], $13::text[], $14::timestamptz[], $15::timestamptz[]) \
              AS d(id, title, amount, currency, pipeline_id, stage_id, company_id, owner_id, \
                   expected_close_date, probability, closed_at, lost_reason, created_at, updated_at)",
    )
    .bind(tenant)
    .bind(deals.iter().map(|d| d.id).collect::<Vec<_>>())
    .bind(deals.iter().map(|d| d.title.as_str()).collect::<Vec<_>>())
    .bind(deals.iter().map(Deal::amount_text).collect::<Vec<_>>())
    .bind(deals.iter().map(|d| d.currency).collect::<Vec<_>>())
    .bind(deals.iter().map(|d| pipelines[d.pipeline].id).collect::<Vec<_>>())
    .bind(deals.iter().map(|d| pipelines[d.pipeline].stages[d.stage].id).collect::<Vec<_>>())
    .bind(deals.iter().map(|d| d.company.map(|c| accounts[c].id)).collect::<Vec<_>>())
    .bind(deals.iter().map(|d| d.owner_id).collect::<Vec<_>>())
    .bind(deals.iter().map(|d| d.expected_close_date).collect::<Vec<_>>())
    .bind(deals.iter().map(|d| d.probability).collect::<Vec<_>>())
    .bind(deals.iter().map(|d| d.closed_at).collect::<Vec<_>>())
    .bind(deals.iter().map(|d| d.lost_reason).collect::<Vec<_>>())
    .bind(deals.iter().map(|d| d.created_at).collect::<Vec<_>>())
    .bind(deals.iter().map(Deal::updated_at).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .context("inserting demo deals")?;
    Ok(())
}

/// The deals' contacts and their stage histories.
async fn insert_deal_links(
    tx: &mut PgConnection,
    tenant: Uuid,
    pipelines: &[DemoPipeline],
    deals: &[Deal],
    people: &[Person],
) -> anyhow::Result<()> {
    let links: Vec<(Uuid, Uuid)> = deals
        .iter()
        .flat_map(|d| d.contacts.iter().map(|&p| (d.id, people[p].id)))
        .collect();
    sqlx::query(
        "INSERT INTO deal_contacts (tenant_id, deal_id, contact_id) SELECT $1, * FROM UNNEST($2::uuid[], $3::uuid[])",
    )
    .bind(tenant)
    .bind(links.iter().map(|l| l.0).collect::<Vec<_>>())
    .bind(links.iter().map(|l| l.1).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .context("inserting demo deal contacts")?;

    let moves: Vec<_> = deals
        .iter()
        .flat_map(|d| d.history.iter().map(move |m| (d, m)))
        .collect();
    let stage = |d: &Deal, i: usize| &pipelines[d.pipeline].stages[i];
    sqlx::query(
        "INSERT INTO deal_stage_changes (tenant_id, id, deal_id, from_stage_id, from_stage_name, to_stage_id, \
                                         to_stage_name, changed_by, changed_at) \
         SELECT $1, * FROM UNNEST($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::uuid[], $7::text[], \
                                  $8::uuid[], $9::timestamptz[])",
    )
    .bind(tenant)
    .bind(moves.iter().map(|_| Uuid::now_v7()).collect::<Vec<_>>())
    .bind(moves.iter().map(|(d, _)| d.id).collect::<Vec<_>>())
    .bind(
        moves
            .iter()
            .map(|(d, m)| m.from.map(|i| stage(d, i).id))
            .collect::<Vec<_>>(),
    )
    .bind(
        moves
            .iter()
            .map(|(d, m)| m.from.map(|i| stage(d, i).name.as_str()))
            .collect::<Vec<_>>(),
    )
    .bind(moves.iter().map(|(d, m)| stage(d, m.to).id).collect::<Vec<_>>())
    .bind(
        moves
            .iter()
            .map(|(d, m)| stage(d, m.to).name.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(moves.iter().map(|(d, _)| d.owner_id).collect::<Vec<_>>())
    .bind(moves.iter().map(|(_, m)| m.at).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .context("inserting demo deal stage changes")?;
    Ok(())
}

async fn insert_activities(
    tx: &mut PgConnection,
    tenant: Uuid,
    activities: &[Activity],
    deals: &[Deal],
    accounts: &[Account],
    people: &[Person],
) -> anyhow::Result<()> {
    let times = |f: fn(&Activity) -> Option<DateTime<Utc>>| activities.iter().map(f).collect::<Vec<_>>();
    // `timeline_at` is generated from these columns, so it is left out.
    // Metadata travels as text and is cast, one JSON document per row.
    sqlx::query(
        "INSERT INTO activities (tenant_id, id, kind, subject, body, deal_id, contact_id, company_id, owner_id, \
                                 occurred_at, due_at, done, completed_at, metadata, created_at, updated_at) \
         SELECT $1, id, kind, subject, body, deal_id, contact_id, company_id, owner_id, \
                occurred_at, due_at, completed_at IS NOT NULL, completed_at, metadata::jsonb, created_at, \
                coalesce(completed_at, created_at) \
         FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::uuid[], $8::uuid[], $9::uuid[], \
                     $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::text[], $14::timestamptz[]) \
              AS a(id, kind, subject, body, deal_id, contact_id, company_id, owner_id, \
                   occurred_at, due_at, completed_at, metadata, created_at)",
    )
    .bind(tenant)
    .bind(activities.iter().map(|a| a.id).collect::<Vec<_>>())
    .bind(activities.iter().map(|a| a.kind).collect::<Vec<_>>())
    .bind(activities.iter().map(|a| a.subject.as_str()).collect::<Vec<_>>())
    .bind(activities.iter().map(|a| a.body).collect::<Vec<_>>())
    .bind(
        activities
            .iter()
            .map(|a| a.deal.map(|d| deals[d].id))
            .collect::<Vec<_>>(),
    )
    .bind(
        activities
            .iter()
            .map(|a| a.contact.map(|p| people[p].id))
            .collect::<Vec<_>>(),
    )
    .bind(
        activities
            .iter()
            .map(|a| a.company.map(|c| accounts[c].id))
            .collect::<Vec<_>>(),
    )
    .bind(activities.iter().map(|a| a.owner_id).collect::<Vec<_>>())
    .bind(times(|a| a.occurred_at))
    .bind(times(|a| a.due_at))
    .bind(times(|a| a.completed_at))
    .bind(activities.iter().map(|a| a.metadata.to_string()).collect::<Vec<_>>())
    .bind(activities.iter().map(|a| a.created_at).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .context("inserting demo activities")?;
    Ok(())
}
