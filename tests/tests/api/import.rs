//! CSV import of contacts: counts and the per-row report in both modes,
//! inferred and given mappings, companies, batches that fail as a whole,
//! undo, limits, roles and tenant isolation.

use clearview_tests::imports::{finished, import, query_value, upload};
use clearview_tests::{AppOptions, TestApp, User, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use uuid::Uuid;

/// Good rows, a bad email, a missing last name, an in-file duplicate and
/// an email that already exists; an unknown column.
const MIXED: &str = "First Name,Last Name,E-mail,Phone,Notes\n\
Ada,Lovelace,ada@x.test,+44 20 7946,first\n\
Alan,Turing,alan@x.test,,\n\
Bad,Email,not-an-email,,\n\
NoLast,,nolast@x.test,,\n\
Ada,Again,ADA@x.test,,dup\n\
Grace,Hopper-Updated,grace@navy.test,999 999,\n";

async fn with_grace(app: &TestApp, name: &str) -> (User, Uuid) {
    let mut admin = app.register(name).await;
    let response = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.test", "phone": "111 111"}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
    (admin, response.id())
}

fn errors(import: &Value) -> Vec<(i64, String)> {
    import["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["field"].as_str().unwrap().to_owned()))
        .collect()
}

fn counts(import: &Value) -> [i64; 4] {
    ["created", "updated", "skipped", "failed"].map(|k| import[k].as_i64().unwrap())
}

async fn contacts_of(app: &TestApp, tenant: Uuid) -> Vec<Value> {
    sqlx::query_scalar("SELECT to_jsonb(c) - 'search_text' FROM contacts c WHERE tenant_id = $1 ORDER BY id")
        .bind(tenant)
        .fetch_all(&app.owner)
        .await
        .unwrap()
}

async fn by_email(admin: &mut User, email: &str) -> Value {
    let list = admin.get(&format!("/api/contacts?q={}", query_value(email))).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let found: Vec<&Value> = list.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["email"].as_str().map(str::to_lowercase).as_deref() == Some(email))
        .collect();
    assert_eq!(found.len(), 1, "one contact with {email}: {}", list.body);
    found[0].clone()
}

#[tokio::test]
async fn skip_mode_counts_exactly_and_reports_each_bad_row_and_field() {
    let app = spawn_app().await;
    let (mut admin, grace) = with_grace(&app, "Skip Co").await;
    let accepted = upload(&mut admin, "", MIXED).await;
    assert_eq!(accepted["status"], "uploaded");
    assert_eq!(accepted["ignored_columns"], json!(["Notes"]));
    assert_eq!(
        accepted["mapping"],
        json!({"First Name": "first_name", "Last Name": "last_name", "E-mail": "email", "Phone": "phone"})
    );
    let id = accepted["id"].as_str().unwrap();
    let done = finished(&mut admin, id).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(counts(&done), [2, 0, 1, 3], "{done}");
    assert_eq!(done["total_rows"], 6);
    assert_eq!(done["processed_rows"], 6);
    assert_eq!(done["progress"], 1.0);
    assert_eq!(
        errors(&done),
        [
            (3, "email".to_owned()),
            (4, "last_name".to_owned()),
            (5, "email".to_owned())
        ]
    );
    // Skipped means untouched.
    let kept = admin.get(&format!("/api/contacts/{grace}")).await;
    assert_eq!(kept.json["last_name"], "Hopper");
    assert_eq!(kept.json["phone"], "111 111");
    let ada = by_email(&mut admin, "ada@x.test").await;
    assert_eq!(ada["last_name"], "Lovelace", "the first of the duplicates is kept");
    assert_eq!(ada["owner_id"], admin.user_id.to_string());
    for absent in ["not-an-email", "nolast@x.test"] {
        let list = admin.get(&format!("/api/contacts?q={}", query_value(absent))).await;
        assert_eq!(list.json["data"], json!([]), "{absent} was not written");
    }
    assert_eq!(contacts_of(&app, admin.tenant_id).await.len(), 3);

    // Every error as CSV.
    let csv = admin.get(&format!("/api/imports/{id}/errors.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "row,field,message");
    assert_eq!(lines.len(), 4, "{}", csv.body);
    assert!(lines[1].starts_with("3,email,"), "{}", csv.body);
    assert!(lines[2].starts_with("4,last_name,"), "{}", csv.body);
    assert!(
        lines[3].starts_with("5,email,") && lines[3].contains("earlier row"),
        "{}",
        csv.body
    );

    // The list, newest first, and the audit trail.
    let list = admin.get("/api/imports").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json["data"][0]["id"], id);
    let trail = admin.get("/api/audit-log?action=contacts.imported").await;
    assert_eq!(trail.status, 200, "{}", trail.body);
    let entry = &trail.json["data"][0];
    assert_eq!(entry["target_id"], id, "{}", trail.body);
    assert_eq!(entry["details"]["created"], "2", "{}", trail.body);
    assert_eq!(entry["details"]["failed"], "3", "{}", trail.body);
}

#[tokio::test]
async fn update_mode_updates_the_mapped_fields_of_existing_contacts() {
    let app = spawn_app().await;
    let (mut admin, grace) = with_grace(&app, "Update Co").await;
    let done = import(&mut admin, "?mode=update", MIXED).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(counts(&done), [2, 1, 0, 3], "{done}");
    assert_eq!(errors(&done).len(), 3);
    let updated = admin.get(&format!("/api/contacts/{grace}")).await;
    assert_eq!(updated.json["last_name"], "Hopper-Updated");
    assert_eq!(updated.json["phone"], "999 999");
    assert_eq!(contacts_of(&app, admin.tenant_id).await.len(), 3);

    // A column the mapping does not fill is left as it was.
    let done = import(
        &mut admin,
        "?mode=update",
        "first_name,last_name,email\nGrace,Again,GRACE@navy.test\n",
    )
    .await;
    assert_eq!(counts(&done), [0, 1, 0, 0], "{done}");
    let updated = admin.get(&format!("/api/contacts/{grace}")).await;
    assert_eq!(updated.json["last_name"], "Again");
    assert_eq!(updated.json["phone"], "999 999", "phone was not mapped");
}

#[tokio::test]
async fn odd_header_spellings_are_inferred_and_a_mapping_can_be_given() {
    let app = spawn_app().await;
    let mut admin = app.register("Mapping Co").await;
    let csv = "\u{feff} FIRSTNAME ,last-name,Email Address,Job Title,company_name,Domain,Shoe Size\n\
               Ada,Lovelace,ada@x.test,Countess,Analytical,analytical.test,38\n";
    let accepted = upload(&mut admin, "", csv).await;
    assert_eq!(
        accepted["mapping"],
        json!({"FIRSTNAME": "first_name", "last-name": "last_name", "Email Address": "email",
               "Job Title": "title", "company_name": "company", "Domain": "company_domain"})
    );
    assert_eq!(accepted["ignored_columns"], json!(["Shoe Size"]));
    let done = finished(&mut admin, accepted["id"].as_str().unwrap()).await;
    assert_eq!(counts(&done), [1, 0, 0, 0], "{done}");
    assert_eq!(by_email(&mut admin, "ada@x.test").await["title"], "Countess");

    // A given mapping wins over the headers.
    let mapping = query_value(r#"{"Vorname": "first_name", "Nachname": "last_name", "Mail": "email"}"#);
    let accepted = upload(
        &mut admin,
        &format!("?mapping={mapping}"),
        "Vorname,Nachname,Mail,Firma\nKarl,Benz,karl@benz.test,Benz\n",
    )
    .await;
    assert_eq!(accepted["ignored_columns"], json!(["Firma"]));
    let done = finished(&mut admin, accepted["id"].as_str().unwrap()).await;
    assert_eq!(counts(&done), [1, 0, 0, 0], "{done}");
    assert_eq!(by_email(&mut admin, "karl@benz.test").await["last_name"], "Benz");

    // Without both names the mapping is refused, naming `mapping`.
    for (query, csv) in [
        ("".to_owned(), "Name,Email\nAda,ada@y.test\n"),
        (
            format!("?mapping={}", query_value(r#"{"Vorname": "first_name"}"#)),
            "Vorname,Nachname\nKarl,Benz\n",
        ),
        (
            format!(
                "?mapping={}",
                query_value(r#"{"Missing": "first_name", "B": "last_name"}"#)
            ),
            "A,B\nx,y\n",
        ),
        (
            format!("?mapping={}", query_value(r#"{"A": "shoe_size", "B": "last_name"}"#)),
            "A,B\nx,y\n",
        ),
    ] {
        let refused = admin.post_csv(&format!("/api/contacts/import{query}"), csv).await;
        assert_eq!(refused.status, 422, "{query}: {}", refused.body);
        assert_eq!(refused.error_fields(), ["mapping"], "{query}");
    }
    let bad_mode = admin.post_csv("/api/contacts/import?mode=merge", "a,b\n").await;
    assert_eq!(bad_mode.status, 422);
    assert_eq!(bad_mode.error_fields(), ["mode"]);
    let not_csv = admin.post("/api/contacts/import", &json!({})).await;
    assert_eq!(not_csv.status, 415);
    let imports: i64 = sqlx::query_scalar("SELECT count(*) FROM imports")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(imports, 2, "refused uploads leave nothing behind");
}

#[tokio::test]
async fn companies_are_linked_by_name_or_domain_and_created_when_asked() {
    let app = spawn_app().await;
    let mut admin = app.register("Company Co").await;
    let navy = admin.company("Navy", Some("navy.test")).await;
    let csv = "first_name,last_name,email,company,company_domain\n\
               A,One,a1@x.test,navy,\n\
               A,Two,a2@x.test,,https://www.NAVY.test/about\n\
               A,Three,a3@x.test,NewCo,newco.test\n\
               A,Four,a4@x.test,newco,\n\
               A,Five,a5@x.test,,\n";
    let done = import(&mut admin, "", csv).await;
    assert_eq!(counts(&done), [5, 0, 0, 0], "{done}");
    assert_eq!(by_email(&mut admin, "a1@x.test").await["company_id"], navy.to_string());
    assert_eq!(by_email(&mut admin, "a2@x.test").await["company_id"], navy.to_string());
    assert_eq!(
        by_email(&mut admin, "a3@x.test").await["company_id"],
        Value::Null,
        "not created"
    );
    let companies = admin.get("/api/companies").await;
    assert_eq!(companies.json["data"].as_array().unwrap().len(), 1);

    let csv = csv.replace("@x.test", "@y.test");
    let done = import(&mut admin, "?create_companies=true", &csv).await;
    assert_eq!(counts(&done), [5, 0, 0, 0], "{done}");
    let newco = by_email(&mut admin, "a3@y.test").await["company_id"].clone();
    assert!(newco.is_string(), "NewCo was created");
    assert_eq!(
        by_email(&mut admin, "a4@y.test").await["company_id"],
        newco,
        "found by name"
    );
    assert_eq!(by_email(&mut admin, "a1@y.test").await["company_id"], navy.to_string());
    assert_eq!(by_email(&mut admin, "a5@y.test").await["company_id"], Value::Null);
    let created = admin.get(&format!("/api/companies/{}", newco.as_str().unwrap())).await;
    assert_eq!(created.json["name"], "NewCo");
    assert_eq!(created.json["domain"], "newco.test");

    // Undo removes the company the import created, with its contacts.
    let undone = admin
        .post(
            &format!("/api/imports/{}/undo", done["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(undone.status, 200, "{}", undone.body);
    let gone = admin.get(&format!("/api/companies/{}", newco.as_str().unwrap())).await;
    assert_eq!(gone.status, 404);
}

/// A trigger (installed as the owner) refuses one row at the database,
/// after validation: the batch holding it must leave nothing behind.
async fn refuse_at_the_database(app: &TestApp, email: &str, times: i64) {
    for sql in [
        "CREATE SEQUENCE IF NOT EXISTS refusals".to_owned(),
        format!(
            "CREATE OR REPLACE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ \
             BEGIN IF NEW.email = '{email}' AND nextval('refusals') <= {times} THEN \
               RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$"
        ),
        "CREATE OR REPLACE TRIGGER refuse_row BEFORE INSERT OR UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION refuse_row()"
            .to_owned(),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&app.owner).await.unwrap();
    }
}

/// Attempts of the tenant's latest import job (a done job drops its payload).
async fn job_attempts(app: &TestApp, tenant: Uuid) -> i32 {
    sqlx::query_scalar(
        "SELECT attempts FROM jobs WHERE kind = 'import_contacts' AND tenant_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(tenant)
    .fetch_one(&app.owner)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_failing_batch_leaves_nothing_half_written_and_a_retry_resumes_after_the_last_batch() {
    let app = spawn_app_with(AppOptions {
        import_batch_rows: 2,
        ..AppOptions::default()
    })
    .await
    .unwrap();
    let mut admin = app.register("Batch Co").await;
    admin.contact("Boom", "Old", Some("boom@x.test")).await;
    admin.contact("Never", "Old", Some("never@y.test")).await;
    // Rows 3 and 4 are one batch: row 3 is inserted, then the update of
    // row 4's existing contact is refused at the database (once).
    refuse_at_the_database(&app, "boom@x.test", 1).await;
    let csv =
        "first_name,last_name,email\nA,A,a@x.test\nB,B,b@x.test\nC,C,c@x.test\nBoom,New,boom@x.test\nD,D,d@x.test\n";
    let done = import(&mut admin, "?mode=update", csv).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(job_attempts(&app, admin.tenant_id).await, 2, "the first attempt failed");
    // Had row 3 survived the failed attempt, the retry would have found
    // its email and counted an update: it was rolled back with its batch.
    assert_eq!(counts(&done), [4, 1, 0, 0], "{done}");
    assert_eq!(contacts_of(&app, admin.tenant_id).await.len(), 6);
    assert_eq!(by_email(&mut admin, "boom@x.test").await["last_name"], "New");

    // Refused on every attempt: the import fails; the batch before the
    // refused one stays, nothing of the refused batch exists.
    refuse_at_the_database(&app, "never@y.test", i64::MAX).await;
    let csv =
        "first_name,last_name,email\nA,A,a@y.test\nB,B,b@y.test\nC,C,c@y.test\nN,New,never@y.test\nD,D,d@y.test\n";
    let failed = import(&mut admin, "?mode=update", csv).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error"].as_str().unwrap().contains("refused by the test"),
        "{failed}"
    );
    assert_eq!(failed["processed_rows"], 2, "{failed}");
    assert_eq!(counts(&failed), [2, 0, 0, 0], "{failed}");
    let written: Vec<String> =
        sqlx::query_scalar("SELECT email FROM contacts WHERE tenant_id = $1 AND email LIKE '%@y.test' ORDER BY email")
            .bind(admin.tenant_id)
            .fetch_all(&app.owner)
            .await
            .unwrap();
    assert_eq!(written, ["a@y.test", "b@y.test", "never@y.test"]);
    assert_eq!(by_email(&mut admin, "never@y.test").await["last_name"], "Old");
    let undo = admin
        .post(
            &format!("/api/imports/{}/undo", failed["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(undo.status, 409, "only a done import is undone");
}

#[tokio::test]
async fn undo_restores_the_previous_state_exactly() {
    let app = spawn_app().await;
    let (mut admin, grace) = with_grace(&app, "Undo Co").await;
    admin.contact("Other", "Person", Some("other@x.test")).await;
    let before = contacts_of(&app, admin.tenant_id).await;
    let done = import(&mut admin, "?mode=update", MIXED).await;
    assert_eq!(counts(&done), [2, 1, 0, 3], "{done}");
    assert_ne!(contacts_of(&app, admin.tenant_id).await, before);
    let id = done["id"].as_str().unwrap();

    let undone = admin.post(&format!("/api/imports/{id}/undo"), &json!({})).await;
    assert_eq!(undone.status, 200, "{}", undone.body);
    assert_eq!(undone.json["status"], "undone");
    assert_eq!(
        contacts_of(&app, admin.tenant_id).await,
        before,
        "every column as it was"
    );
    assert_eq!(
        admin.get(&format!("/api/contacts/{grace}")).await.json["last_name"],
        "Hopper"
    );
    let again = admin.post(&format!("/api/imports/{id}/undo"), &json!({})).await;
    assert_eq!(again.status, 409);
}

#[tokio::test]
async fn limits_give_clear_errors() {
    let app = spawn_app_with(AppOptions {
        import_max_bytes: 200,
        import_max_rows: 3,
        ..AppOptions::default()
    })
    .await
    .unwrap();
    let mut admin = app.register("Limits Co").await;
    let mut big = String::from("first_name,last_name,email\n");
    for i in 0..20 {
        big.push_str(&format!("First{i},Last{i},person{i}@x.test\n"));
    }
    let refused = admin.post_csv("/api/contacts/import", &big).await;
    assert_eq!(refused.status, 413, "{}", refused.body);
    assert!(refused.json["detail"].as_str().unwrap().contains("IMPORT_MAX_BYTES"));
    for table in ["imports", "import_chunks", "jobs"] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(&app.owner)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}: the partial upload is gone");
    }

    let rows = "first_name,last_name\nA,A\nB,B\nC,C\nD,D\n";
    let failed = import(&mut admin, "", rows).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error"].as_str().unwrap().contains("IMPORT_MAX_ROWS"),
        "{failed}"
    );
    assert_eq!(contacts_of(&app, admin.tenant_id).await.len(), 0, "nothing was written");
    let ok = import(&mut admin, "", "first_name,last_name\nA,A\nB,B\nC,C\n").await;
    assert_eq!(ok["status"], "done", "{ok}");
    assert_eq!(counts(&ok), [3, 0, 0, 0]);
}

#[tokio::test]
async fn reps_and_viewers_may_not_import() {
    let app = spawn_app().await;
    let mut admin = app.register("Roles Co").await;
    let done = import(&mut admin, "", "first_name,last_name\nA,B\n").await;
    let id = done["id"].as_str().unwrap();
    let mut manager = app.member(&admin, "manager").await;
    assert_eq!(manager.get(&format!("/api/imports/{id}")).await.status, 200);
    let by_manager = import(&mut manager, "", "first_name,last_name\nC,D\n").await;
    assert_eq!(by_manager["status"], "done");
    for role in ["rep", "viewer"] {
        let mut member = app.member(&admin, role).await;
        let upload = member
            .post_csv("/api/contacts/import", "first_name,last_name\nE,F\n")
            .await;
        assert_eq!(upload.status, 403, "{role}");
        assert_eq!(member.get(&format!("/api/imports/{id}")).await.status, 403, "{role}");
        assert_eq!(member.get("/api/imports").await.status, 403, "{role}");
        let undo = member.post(&format!("/api/imports/{id}/undo"), &json!({})).await;
        assert_eq!(undo.status, 403, "{role}");
    }
    assert_eq!(contacts_of(&app, admin.tenant_id).await.len(), 2);
}

#[tokio::test]
async fn imports_never_reach_another_tenant() {
    let app = spawn_app().await;
    let mut a = app.register("Tenant A").await;
    let mut b = app.register("Tenant B").await;
    let theirs = b.contact("Bea", "Original", Some("shared@x.test")).await;
    let b_before = contacts_of(&app, b.tenant_id).await;
    let b_import = import(&mut b, "", "first_name,last_name,email\nBo,B,bo@x.test\nBad,,x\n").await;
    let b_id = b_import["id"].as_str().unwrap();

    let done = import(
        &mut a,
        "?mode=update",
        "first_name,last_name,email\nAnn,Changed,SHARED@x.test\n",
    )
    .await;
    assert_eq!(counts(&done), [1, 0, 0, 0], "A has no contact with that email: {done}");
    let after: Vec<Value> = contacts_of(&app, b.tenant_id).await;
    assert_eq!(after.len(), b_before.len() + 1, "only B's own import added to B");
    let still = b.get(&format!("/api/contacts/{theirs}")).await;
    assert_eq!(still.json["last_name"], "Original");
    assert_eq!(
        after.iter().find(|c| c["id"] == theirs.to_string()),
        b_before.iter().find(|c| c["id"] == theirs.to_string())
    );

    assert_eq!(a.get(&format!("/api/imports/{b_id}")).await.status, 404);
    assert_eq!(a.get(&format!("/api/imports/{b_id}/errors.csv")).await.status, 404);
    assert_eq!(
        a.post(&format!("/api/imports/{b_id}/undo"), &json!({})).await.status,
        404
    );
    assert_eq!(a.get("/api/imports").await.json["data"].as_array().unwrap().len(), 1);
    assert_eq!(b.get(&format!("/api/imports/{b_id}")).await.json["status"], "done");
}

#[tokio::test]
async fn undo_keeps_contacts_changed_since_the_import_and_says_how_many() {
    let app = spawn_app().await;
    let (mut admin, grace) = with_grace(&app, "Later Edits Co").await;
    let done = import(&mut admin, "?mode=update", MIXED).await;
    let id = done["id"].as_str().unwrap();
    let contacts = admin.get("/api/contacts?q=alan").await;
    let alan = contacts.json["data"][0]["id"].as_str().unwrap().to_owned();
    // After the import: Grace (updated by it) is edited again, Alan (created
    // by it) gets a call logged against him.
    let edited = admin
        .patch(&format!("/api/contacts/{grace}"), &json!({"title": "Rear Admiral"}))
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let call = admin
        .post(
            "/api/activities",
            &json!({"kind": "call", "subject": "Intro", "contact_id": alan}),
        )
        .await;
    assert_eq!(call.status, 201, "{}", call.body);

    let undone = admin.post(&format!("/api/imports/{id}/undo"), &json!({})).await;
    assert_eq!(undone.status, 200, "{}", undone.body);
    assert_eq!(undone.json["kept_changed"], 2);
    let grace_now = admin.get(&format!("/api/contacts/{grace}")).await;
    assert_eq!(grace_now.json["title"], "Rear Admiral", "the later edit survives");
    assert_eq!(grace_now.json["last_name"], "Hopper-Updated");
    assert_eq!(
        admin.get(&format!("/api/contacts/{alan}")).await.status,
        200,
        "Alan and his call stay"
    );
    let ada = admin.get("/api/contacts?q=lovelace").await;
    assert_eq!(
        ada.json["data"].as_array().unwrap().len(),
        0,
        "an untouched created contact goes"
    );
}
