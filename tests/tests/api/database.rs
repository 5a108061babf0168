//! Isolation enforced by the database itself (invariant 3): RLS on and
//! forced on every tenant table, no tenant means no rows, and a server that
//! could bypass RLS refuses to start.

use clearview_tests::{AppOptions, spawn_app, spawn_app_with};
use sqlx::{Connection, PgConnection};

async fn as_app_role(database: &str) -> PgConnection {
    let base = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let host = base
        .rsplit_once('@')
        .map(|(_, h)| h.to_owned())
        .unwrap_or(base.replace("postgres://", ""));
    PgConnection::connect(&format!("postgres://clearview_app@{host}/{database}"))
        .await
        .unwrap()
}

#[tokio::test]
async fn every_table_with_a_tenant_id_has_row_level_security_enabled_and_forced() {
    let app = spawn_app().await;
    let tables: Vec<(String, bool, bool, i64)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity, \
                (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) \
         FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid \
         WHERE a.attname = 'tenant_id' AND c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert!(tables.len() >= 6, "found {tables:?}");
    for (table, enabled, forced, policies) in tables {
        assert!(enabled && forced, "{table}: RLS enabled={enabled} forced={forced}");
        assert_eq!(policies, 1, "{table} has exactly one policy");
    }
}

#[tokio::test]
async fn with_no_tenant_set_the_application_role_reads_no_rows_of_any_tenant_table() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let company = admin.company("Navy", None).await;
    let contact = admin
        .post(
            "/api/contacts",
            &serde_json::json!({"first_name": "A", "last_name": "B", "company_id": company}),
        )
        .await
        .id();
    // Registration made the default pipeline; a deal with a contact fills
    // deals, deal_contacts and deal_stage_changes.
    let deal = admin
        .post(
            "/api/deals",
            &serde_json::json!({"title": "Fleet", "amount": "10.00", "currency": "USD", "contact_ids": [contact]}),
        )
        .await
        .id();
    let activity = admin
        .post(
            "/api/activities",
            &serde_json::json!({"kind": "call", "subject": "Intro", "deal_id": deal, "contact_id": contact,
                                "company_id": company, "metadata": {"outcome": "voicemail"}}),
        )
        .await;
    assert_eq!(activity.status, 201, "{}", activity.body);
    // An invitation fills `invitations` and, with its e-mail, `jobs`.
    let invited = admin
        .post(
            &format!("/api/organizations/{}/invite", admin.tenant_id),
            &serde_json::json!({"email": "new@x.test", "role": "rep"}),
        )
        .await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    let key = admin
        .post("/api/api-keys", &serde_json::json!({"name": "ci", "role": "rep"}))
        .await;
    assert_eq!(key.status, 201, "{}", key.body);
    clearview_tests::webhook_receiver::fill_webhook_tables(&app, admin.tenant_id).await;
    let view = admin
        .post(
            "/api/views",
            &serde_json::json!({"entity": "contact", "name": "Mine", "shared": true}),
        )
        .await;
    assert_eq!(view.status, 201, "{}", view.body);
    // A forecast snapshot (the weekly schedule's) fills `forecast_snapshots`.
    clearview_tests::reports::fill_forecast_snapshots(&app, admin.tenant_id).await;
    clearview_tests::custom_fields::fill_custom_field_tables(&mut admin, "a").await;
    clearview_tests::scim::fill_scim_tables(&mut admin, "a").await;
    clearview_tests::oidc::fill_sso_tables(&app, admin.tenant_id).await;
    // A deleted company fills `trash`.
    let gone = admin.company("Gone", None).await;
    assert_eq!(admin.delete(&format!("/api/companies/{gone}")).await.status, 204);
    let rates = admin
        .put(
            "/api/exchange-rates",
            &serde_json::json!({"rates": [{"currency": "EUR", "date": "2026-01-01", "rate": "1.1"}]}),
        )
        .await;
    assert_eq!(rates.status, 200, "{}", rates.body);
    // Two-step sign-in, and a sign-in waiting for its code, fill `mfa_challenges`.
    clearview_tests::mfa::fill_mfa_tables(&app, &mut admin).await;
    // An import fills `imports`, `import_chunks`, `import_errors` and `import_changes`.
    clearview_tests::imports::fill_import_tables(&app, &mut admin, "a").await;
    // A sign-up not confirmed yet fills `signups`.
    let pending = app
        .anonymous()
        .post(
            "/api/auth/register",
            &serde_json::json!({"organization_name": "Pending", "name": "P", "email": "p@pending.test",
                                "password": clearview_tests::PASSWORD}),
        )
        .await;
    assert_eq!(pending.status, 202, "{}", pending.body);
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid \
         WHERE a.attname = 'tenant_id' AND c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    let mut conn = as_app_role(&app.database).await;
    for table in tables {
        let sql = format!("SELECT count(*) FROM {table}");
        let owner_sees: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_one(&app.owner)
            .await
            .unwrap();
        let app_sees: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert!(owner_sees > 0, "{table} has rows to hide");
        assert_eq!(app_sees, 0, "{table} leaks rows with no tenant set");
    }
}

#[tokio::test]
async fn the_application_role_cannot_write_into_another_tenant() {
    let app = spawn_app().await;
    let a = app.register("A").await;
    let b = app.register("B").await;
    let mut conn = as_app_role(&app.database).await;
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(a.tenant_id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let write = sqlx::query("INSERT INTO companies (tenant_id, id, name) VALUES ($1, $2, 'Smuggled')")
        .bind(b.tenant_id)
        .bind(uuid::Uuid::now_v7())
        .execute(&mut *tx)
        .await;
    let err = write.expect_err("the policy's WITH CHECK refuses the row");
    assert!(err.to_string().contains("row-level security"), "{err}");
}

#[tokio::test]
async fn the_server_refuses_to_start_as_a_role_that_bypasses_row_level_security() {
    let result = spawn_app_with(AppOptions {
        connect_as_owner: true,
        ..AppOptions::default()
    })
    .await;
    let err = result.err().expect("start-up must fail as a superuser");
    assert!(err.contains("row-level security"), "{err}");
}

#[tokio::test]
async fn only_the_worker_role_may_claim_jobs_across_tenants() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let invited = admin
        .post(
            &format!("/api/organizations/{}/invite", admin.tenant_id),
            &serde_json::json!({"email": "new@x.test", "role": "rep"}),
        )
        .await;
    assert_eq!(invited.status, 202);
    let mut conn = as_app_role(&app.database).await;
    let refused = sqlx::query("SELECT id FROM claim_jobs('intruder', 10, 60, ARRAY['send_email'])")
        .fetch_all(&mut conn)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("permission denied"), "{refused}");
    // The server's embedded worker (role clearview_worker) still delivers.
    let started = std::time::Instant::now();
    while sqlx::query_scalar::<_, i64>("SELECT count(*) FROM jobs WHERE state = 'done'")
        .fetch_one(&app.owner)
        .await
        .unwrap()
        == 0
    {
        assert!(started.elapsed().as_secs() < 10, "the worker never delivered");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The rule that lets the schema distribute by `tenant_id` (Citus,
/// docs/scale-out.md): every tenant table's primary key, unique keys and
/// foreign keys to other tenant tables lead with `tenant_id`. The same
/// query must also catch a planted table that breaks the rule.
#[tokio::test]
async fn every_tenant_key_leads_with_tenant_id() {
    const CHECK: &str = include_str!("tenant_keys.sql");
    let app = spawn_app().await;
    let mut conn = app.owner.acquire().await.unwrap();
    let violations: Vec<(String, String)> = sqlx::query_as(CHECK).fetch_all(&mut *conn).await.unwrap();
    assert!(violations.is_empty(), "{violations:#?}");

    let mut tx = sqlx::Connection::begin(&mut *conn).await.unwrap();
    sqlx::raw_sql("CREATE TABLE planted (tenant_id uuid NOT NULL, id uuid PRIMARY KEY)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let planted: Vec<(String, String)> = sqlx::query_as(CHECK).fetch_all(&mut *tx).await.unwrap();
    assert!(
        planted
            .iter()
            .any(|(table, problem)| table == "planted" && problem.contains("primary key")),
        "{planted:#?}"
    );
    tx.rollback().await.unwrap();
}
