//! CSV import helpers: upload a file, wait for the import to finish, and
//! fill every import table of a tenant (for the catalog tests).

use crate::client::User;
use crate::spawn::TestApp;
use serde_json::Value;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long an import may take in a test.
pub const IMPORT_WAIT: Duration = Duration::from_secs(20);

/// Percent-encodes a query parameter value.
pub fn query_value(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Uploads `csv` (`query` is e.g. `?mode=update`), expects 202 and returns
/// the answer.
pub async fn upload(user: &mut User, query: &str, csv: &str) -> Value {
    let response = user.post_csv(&format!("/api/contacts/import{query}"), csv).await;
    assert_eq!(response.status, 202, "import upload: {}", response.body);
    let id = response.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        response.header("location").as_deref(),
        Some(format!("/api/imports/{id}").as_str())
    );
    response.json
}

/// Polls `GET /api/imports/{id}` until the import is done or failed.
pub async fn finished(user: &mut User, id: &str) -> Value {
    let started = Instant::now();
    loop {
        let response = user.get(&format!("/api/imports/{id}")).await;
        assert_eq!(response.status, 200, "{}", response.body);
        if matches!(response.json["status"].as_str(), Some("done" | "failed")) {
            return response.json;
        }
        assert!(
            started.elapsed() < IMPORT_WAIT,
            "the import did not finish: {}",
            response.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Uploads and waits; returns the finished import.
pub async fn import(user: &mut User, query: &str, csv: &str) -> Value {
    let accepted = upload(user, query, csv).await;
    finished(user, accepted["id"].as_str().unwrap()).await
}

/// Leaves rows of `user`'s tenant in every import table: an import that
/// created a contact and a company, updated a contact and reported an error;
/// and (arranged as the owner, since a finished import drops its upload) a
/// stored chunk.
pub async fn fill_import_tables(app: &TestApp, user: &mut User, tag: &str) {
    let existing = format!("{tag}-existing@import.test");
    user.contact("Existing", "Person", Some(&existing)).await;
    let csv = format!(
        "first_name,last_name,email,company,company_domain\n\
         New,Person,{tag}-new@import.test,{tag} Imported,{tag}-imported.test\n\
         Existing,Changed,{existing},,\n\
         Bad,,bad-email,,\n"
    );
    let done = import(user, "?mode=update&create_companies=true", &csv).await;
    assert_eq!(done["status"], "done", "{done}");
    let id: Uuid = done["id"].as_str().unwrap().parse().unwrap();
    sqlx::query("INSERT INTO import_chunks (tenant_id, import_id, seq, data) VALUES ($1, $2, 0, 'x')")
        .bind(user.tenant_id)
        .bind(id)
        .execute(&app.owner)
        .await
        .unwrap();
}
