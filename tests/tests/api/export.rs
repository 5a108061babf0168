//! CSV export (`GET /api/{contacts,companies,deals}/export`, ADR 0013):
//! exact round trips, RFC 4180 quoting, formula-injection neutralisation,
//! tenant isolation, roles, the audit entry and the list's filters.
//! Speed and memory are measured by the benchmark harness, not here.

use chrono::{DateTime, Utc};
use clearview_tests::{TestApp, User, spawn_app};
use serde_json::{Value, json};
use std::collections::HashMap;
use uuid::Uuid;

const CONTACT_HEADER: &str =
    "id,first_name,last_name,email,phone,title,company_id,company_name,owner_id,owner_email,created_at,updated_at";
const COMPANY_HEADER: &str = "id,name,domain,phone,owner_id,created_at,updated_at";
const DEAL_HEADER: &str = "id,title,amount,currency,pipeline,stage,status,probability,expected_close_date,closed_at,lost_reason,company_id,owner_id,created_at,updated_at";

/// An export's rows, keyed by header name, after checking the response's
/// status, headers and line ends.
async fn export(user: &mut User, path: &str) -> Vec<HashMap<String, String>> {
    let response = user.get(path).await;
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let what = path.trim_start_matches("/api/").split('/').next().unwrap();
    let disposition = response.header("content-disposition").unwrap();
    let date = Utc::now().format("%Y-%m-%d");
    assert_eq!(disposition, format!("attachment; filename=\"{what}-{date}.csv\""));
    assert!(response.body.ends_with("\r\n"), "CRLF line ends");
    let mut reader = csv::ReaderBuilder::new().from_reader(response.body.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("valid RFC 4180");
            assert_eq!(r.len(), headers.len());
            headers.iter().cloned().zip(r.iter().map(str::to_owned)).collect()
        })
        .collect()
}

/// Only the header row: nothing matched.
async fn header_only(user: &mut User, path: &str, header: &str) {
    let response = user.get(path).await;
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    assert_eq!(response.body, format!("{header}\r\n"), "{path}");
}

/// Every contact through the JSON list, oldest first.
async fn listed_contacts(user: &mut User) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/api/contacts?sort=created_at&limit=200".to_owned(),
            Some(c) => format!("/api/contacts?sort=created_at&limit=200&cursor={c}"),
        };
        let page = user.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        all.extend(page.json["data"].as_array().unwrap().iter().cloned());
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return all,
        }
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn instant(raw: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(raw)
        .unwrap_or_else(|e| panic!("{raw}: {e}"))
        .with_timezone(&Utc)
}

/// Inserts contacts straight into the table as the schema owner, in one
/// statement with `UNNEST` — thousands of rows in milliseconds, and values
/// the API would trim or refuse (line breaks, a leading tab) that an import
/// or an older client could still have stored.
async fn insert_contacts(app: &TestApp, admin: &User, rows: &[(String, String, Option<String>, Option<String>)]) {
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
    let first: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let last: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
    let email: Vec<Option<String>> = rows.iter().map(|r| r.2.clone()).collect();
    let title: Vec<Option<String>> = rows.iter().map(|r| r.3.clone()).collect();
    sqlx::query(
        "INSERT INTO contacts (tenant_id, id, first_name, last_name, email, title, owner_id) \
         SELECT $1, id, f, l, e, t, $2 \
         FROM UNNEST($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(id, f, l, e, t)",
    )
    .bind(admin.tenant_id)
    .bind(admin.user_id)
    .bind(ids)
    .bind(first)
    .bind(last)
    .bind(email)
    .bind(title)
    .execute(&app.owner)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_few_thousand_contacts_parse_back_to_exactly_the_listed_records() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let company = admin.company("Acme, \"the\" Company", Some("acme.test")).await;
    let linked = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "Ann-Marie", "last_name": "Zoë 名前", "email": "ann@acme.test",
                    "phone": "555 0100", "title": "Head, \"Sales\"", "company_id": company}),
        )
        .await;
    assert_eq!(linked.status, 201, "{}", linked.body);
    let rows: Vec<_> = (0..3000)
        .map(|i| {
            let title = match i % 4 {
                0 => None,
                1 => Some(format!("Line one\nline two {i}")),
                2 => Some(format!("Comma, \"quoted\" {i}")),
                _ => Some(format!("crlf\r\ninside {i}")),
            };
            let email = (i % 3 != 0).then(|| format!("person{i}@example.test"));
            (format!("First{i}"), format!("O'Last, {i}"), email, title)
        })
        .collect();
    insert_contacts(&app, &admin, &rows).await;

    let exported = export(&mut admin, "/api/contacts/export").await;
    let listed = listed_contacts(&mut admin).await;
    assert_eq!(exported.len(), 3001);
    assert_eq!(listed.len(), 3001);
    for (row, json) in exported.iter().zip(&listed) {
        assert_eq!(row["id"], text(&json["id"]));
        for field in [
            "first_name",
            "last_name",
            "email",
            "phone",
            "title",
            "company_id",
            "owner_id",
        ] {
            assert_eq!(row[field], text(&json[field]), "{field} of {}", row["id"]);
        }
        for field in ["created_at", "updated_at"] {
            assert_eq!(instant(&row[field]), instant(&text(&json[field])), "{field}");
        }
        assert_eq!(row["owner_email"], admin.email);
    }
    let ann = exported.iter().find(|r| r["first_name"] == "Ann-Marie").unwrap();
    assert_eq!(ann["company_name"], "Acme, \"the\" Company");
    assert_eq!(ann["title"], "Head, \"Sales\"");
    assert_eq!(ann["last_name"], "Zoë 名前");
    assert!(exported.iter().any(|r| r["title"] == "crlf\r\ninside 3"));
    assert!(exported.iter().any(|r| r["title"] == "Line one\nline two 1"));
}

#[tokio::test]
async fn formula_cells_are_neutralised_and_ordinary_text_is_untouched() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let company = admin.company("=HYPERLINK(\"http://evil\")", None).await;
    let response = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "=cmd|' /C calc'!A0", "last_name": "@SUM(1)", "title": "-2",
                    "phone": "+1 555 0100", "company_id": company}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
    insert_contacts(
        &app,
        &admin,
        &[
            ("\tTabbed".into(), "\rReturn".into(), None, Some("Ann-Marie".into())),
            (
                "Ann-Marie".into(),
                "Smith-Jones".into(),
                Some("ann@x.test".into()),
                None,
            ),
        ],
    )
    .await;
    let rows = export(&mut admin, "/api/contacts/export").await;
    assert_eq!(rows.len(), 3);
    let evil = &rows[0];
    assert_eq!(evil["first_name"], "'=cmd|' /C calc'!A0");
    assert_eq!(evil["last_name"], "'@SUM(1)");
    assert_eq!(evil["title"], "'-2");
    assert_eq!(evil["phone"], "'+1 555 0100");
    assert_eq!(evil["company_name"], "'=HYPERLINK(\"http://evil\")");
    let (tabbed, ann) = if rows[1]["first_name"] == "Ann-Marie" {
        (&rows[2], &rows[1])
    } else {
        (&rows[1], &rows[2])
    };
    assert_eq!(tabbed["first_name"], "'\tTabbed");
    assert_eq!(tabbed["last_name"], "'\rReturn");
    assert_eq!(tabbed["title"], "Ann-Marie");
    assert_eq!(ann["first_name"], "Ann-Marie");
    assert_eq!(ann["last_name"], "Smith-Jones");

    let companies = export(&mut admin, "/api/companies/export").await;
    assert_eq!(companies[0]["name"], "'=HYPERLINK(\"http://evil\")");
}

#[tokio::test]
async fn another_tenants_rows_never_appear() {
    let app = spawn_app().await;
    let mut a = app.register("Tenant A").await;
    let mut b = app.register("Tenant B").await;
    let a_contact = a.contact("Alice", "A", Some("alice@a.test")).await;
    let b_company = b.company("B Corp", Some("b.test")).await;
    let b_contact = b
        .post(
            "/api/contacts",
            &json!({"first_name": "Bob", "last_name": "B", "company_id": b_company}),
        )
        .await
        .id();
    let b_deal = b
        .post(
            "/api/deals",
            &json!({"title": "B deal", "amount": "10.00", "currency": "EUR", "company_id": b_company}),
        )
        .await;
    assert_eq!(b_deal.status, 201, "{}", b_deal.body);

    let contacts = export(&mut a, "/api/contacts/export").await;
    let ids: Vec<&str> = contacts.iter().map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, vec![a_contact.to_string().as_str()]);
    assert!(!ids.contains(&b_contact.to_string().as_str()));
    let companies = export(&mut a, "/api/companies/export").await;
    assert!(companies.is_empty());
    assert!(export(&mut a, "/api/deals/export").await.is_empty());

    header_only(
        &mut a,
        &format!("/api/contacts/export?company_id={b_company}"),
        CONTACT_HEADER,
    )
    .await;
    header_only(
        &mut a,
        &format!("/api/deals/export?company_id={b_company}"),
        DEAL_HEADER,
    )
    .await;
    header_only(
        &mut a,
        &format!("/api/deals/export?contact_id={b_contact}"),
        DEAL_HEADER,
    )
    .await;
    header_only(&mut a, "/api/companies/export", COMPANY_HEADER).await;
    // And B sees its own.
    assert_eq!(export(&mut b, "/api/deals/export").await.len(), 1);
}

async fn export_entries(admin: &mut User) -> Vec<Value> {
    let response = admin.get("/api/audit-log?action=contacts.exported").await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn reps_and_viewers_get_403_and_leave_no_trace_admins_and_managers_export() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    admin.contact("Alice", "A", None).await;
    let mut manager = app.member(&admin, "manager").await;
    let mut rep = app.member(&admin, "rep").await;
    let mut viewer = app.member(&admin, "viewer").await;
    for user in [&mut rep, &mut viewer] {
        for path in [
            "/api/contacts/export",
            "/api/companies/export",
            "/api/deals/export",
            // 403 even with a malformed filter: the role is checked first.
            "/api/contacts/export?owner_id=nope",
        ] {
            let response = user.get(path).await;
            assert_eq!(response.status, 403, "{path}: {}", response.body);
        }
    }
    assert_eq!(app.anonymous().get("/api/contacts/export").await.status, 401);
    assert!(
        export_entries(&mut admin).await.is_empty(),
        "no audit entry for a refusal"
    );

    assert_eq!(export(&mut manager, "/api/contacts/export").await.len(), 1);
    assert_eq!(export(&mut manager, "/api/deals/export").await.len(), 0);
    let path = format!("/api/contacts/export?owner_id={}&q=alice", admin.user_id);
    assert_eq!(export(&mut admin, &path).await.len(), 1);

    let entries = export_entries(&mut admin).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    let latest = &entries[0];
    assert_eq!(latest["actor_id"], json!(admin.user_id));
    assert_eq!(latest["details"]["owner_id"], json!(admin.user_id.to_string()));
    // Only the presence of a search, never its text (it may be a name).
    assert_eq!(latest["details"]["search"], "true");
    assert!(!latest.to_string().to_lowercase().contains("alice"));
    assert_eq!(entries[1]["actor_id"], json!(manager.user_id));

    let deals = admin.get("/api/audit-log?action=deals.exported").await;
    assert_eq!(deals.json["data"].as_array().unwrap().len(), 1);
    let companies = admin.get("/api/audit-log?action=companies.exported").await;
    assert_eq!(companies.json["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn deals_export_exact_amounts_names_and_the_lists_filters() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let company = admin.company("Globex", None).await;
    let big = admin
        .post(
            "/api/deals",
            &json!({"title": "Big, \"quoted\" deal", "amount": "12345678901234.5678", "currency": "USD",
                    "company_id": company, "expected_close_date": "2027-01-31", "probability": 35}),
        )
        .await;
    assert_eq!(big.status, 201, "{}", big.body);
    let small = admin
        .post(
            "/api/deals",
            &json!({"title": "Small", "amount": "0.10", "currency": "EUR"}),
        )
        .await;
    assert_eq!(small.status, 201, "{}", small.body);

    let rows = export(&mut admin, "/api/deals/export").await;
    assert_eq!(rows.len(), 2);
    let first = &rows[0];
    assert_eq!(first["id"], big.id().to_string());
    assert_eq!(first["title"], "Big, \"quoted\" deal");
    assert_eq!(first["amount"], text(&big.json["amount"]));
    assert_eq!(first["amount"], "12345678901234.5678");
    assert_eq!(first["currency"], "USD");
    assert_eq!(first["status"], "open");
    assert_eq!(first["probability"], "35");
    assert_eq!(first["expected_close_date"], "2027-01-31");
    assert_eq!(first["company_id"], company.to_string());
    assert_eq!(first["owner_id"], admin.user_id.to_string());
    assert_eq!(first["closed_at"], "");
    assert!(!first["pipeline"].is_empty() && !first["stage"].is_empty());
    assert_eq!(rows[1]["amount"], text(&small.json["amount"]));

    // The list's filters.
    let only = |rows: Vec<HashMap<String, String>>| rows.into_iter().map(|r| r["title"].clone()).collect::<Vec<_>>();
    assert_eq!(
        only(export(&mut admin, "/api/deals/export?q=quoted").await),
        vec!["Big, \"quoted\" deal"]
    );
    assert_eq!(
        only(export(&mut admin, &format!("/api/deals/export?company_id={company}")).await),
        vec!["Big, \"quoted\" deal"]
    );
    let stage = text(&big.json["stage_id"]);
    let pipeline = text(&big.json["pipeline_id"]);
    let path = format!("/api/deals/export?pipeline_id={pipeline}&stage_id={stage}&status=open");
    assert_eq!(export(&mut admin, &path).await.len(), 2);
    header_only(&mut admin, "/api/deals/export?status=won", DEAL_HEADER).await;

    let bad = admin.get("/api/deals/export?status=maybe&limit=5").await;
    assert_eq!(bad.status, 422, "{}", bad.body);
}

#[tokio::test]
async fn contact_and_company_filters_match_the_list() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let rep = app.member(&admin, "rep").await;
    let company = admin.company("Initech", Some("initech.test")).await;
    admin.company("Umbrella", Some("umbrella.test")).await;
    for (first, owner) in [
        ("Peter", admin.user_id),
        ("Milton", rep.user_id),
        ("Petra", rep.user_id),
    ] {
        let response = admin
            .post(
                "/api/contacts",
                &json!({"first_name": first, "last_name": "Gibbons", "owner_id": owner,
                        "company_id": (first == "Peter").then_some(company)}),
            )
            .await;
        assert_eq!(response.status, 201, "{}", response.body);
    }
    let names =
        |rows: Vec<HashMap<String, String>>| rows.into_iter().map(|r| r["first_name"].clone()).collect::<Vec<_>>();
    for (query, expected) in [
        ("q=pet".to_owned(), vec!["Peter", "Petra"]),
        ("q=pe".to_owned(), vec!["Peter", "Petra"]),
        (format!("owner_id={}", rep.user_id), vec!["Milton", "Petra"]),
        (format!("owner_id={}&q=petra", rep.user_id), vec!["Petra"]),
        (format!("company_id={company}"), vec!["Peter"]),
    ] {
        // The export and the list agree.
        let listed = admin.get(&format!("/api/contacts?sort=created_at&{query}")).await;
        let listed: Vec<String> = listed.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| text(&c["first_name"]))
            .collect();
        assert_eq!(listed, expected, "list {query}");
        assert_eq!(
            names(export(&mut admin, &format!("/api/contacts/export?{query}")).await),
            expected,
            "{query}"
        );
    }
    let companies = export(&mut admin, "/api/companies/export?q=initech").await;
    assert_eq!(companies.len(), 1);
    assert_eq!(companies[0]["domain"], "initech.test");
    header_only(
        &mut admin,
        &format!("/api/companies/export?owner_id={}", rep.user_id),
        COMPANY_HEADER,
    )
    .await;
    // Paging and sorting are not export parameters.
    assert_eq!(admin.get("/api/contacts/export?limit=10").await.status, 422);
    assert_eq!(
        admin
            .get(&format!("/api/companies/export?company_id={company}"))
            .await
            .status,
        422
    );
}

#[tokio::test]
async fn a_client_that_goes_away_mid_export_frees_its_connection() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    // 200,000 contacts generated in the database by the owner: an export of
    // tens of MiB that cannot sit in socket buffers.
    sqlx::query(
        "INSERT INTO contacts (tenant_id, id, first_name, last_name, email, owner_id) \
         SELECT $1, gen_random_uuid(), 'First' || i, 'Last' || i, 'p' || i || '@example.test', $2 \
         FROM generate_series(1, 200000) AS i",
    )
    .bind(admin.tenant_id)
    .bind(admin.user_id)
    .execute(&app.owner)
    .await
    .unwrap();
    let cookie = admin
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    // More abandoned exports than the server's pool has connections (4).
    for _ in 0..6 {
        let mut response = app
            .http
            .get(format!("{}/api/contacts/export", app.address))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let first = response.chunk().await.unwrap().unwrap();
        assert!(first.starts_with(CONTACT_HEADER.as_bytes()));
        drop(response);
    }
    // The server still answers (its pool was not left holding COPYs)…
    let list = admin.get("/api/contacts?limit=1").await;
    assert_eq!(list.status, 200, "{}", list.body);
    // …and PostgreSQL is not still sending abandoned exports.
    let mut copies = i64::MAX;
    for _ in 0..100 {
        copies = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND state = 'active' AND query LIKE 'COPY%'",
        )
        .fetch_one(&app.owner)
        .await
        .unwrap();
        if copies == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(copies, 0, "abandoned COPYs still running");
}
