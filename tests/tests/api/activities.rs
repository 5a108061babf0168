//! Activities: logging, metadata containment, timelines, task completion,
//! validation, the role matrix and tenant isolation.

use clearview_tests::{TestApp, User, spawn_app};
use serde_json::{Value, json};
use std::collections::HashSet;
use uuid::Uuid;

/// Percent-encodes a query-string value.
fn enc(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn ids(response: &clearview_tests::Response) -> Vec<String> {
    response.json["data"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {}", response.body))
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn log(user: &mut User, body: Value) -> Uuid {
    let response = user.post("/api/activities", &body).await;
    assert_eq!(response.status, 201, "log activity: {}", response.body);
    response.id()
}

async fn count_activities(app: &TestApp, tenant: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM activities WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(&app.owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_rep_logs_a_call_against_a_contact_and_finds_it_by_its_metadata() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let mut rep = app.member(&admin, "rep").await;
    let contact = rep.contact("Grace", "Hopper", Some("grace@navy.mil")).await;

    let created = rep
        .post(
            "/api/activities",
            &json!({"kind": "call", "subject": "Intro call", "contact_id": contact,
                    "metadata": {"duration_seconds": 300, "outcome": "voicemail"}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.id();
    assert_eq!(created.header("location").unwrap(), format!("/api/activities/{id}"));
    assert_eq!(created.json["owner_id"], rep.user_id.to_string(), "the creator owns it");
    assert_eq!(created.json["contact_id"], contact.to_string());
    assert_eq!(
        created.json["metadata"],
        json!({"duration_seconds": 300, "outcome": "voicemail"})
    );
    assert!(created.json["occurred_at"].is_string(), "a logged call has a time");
    assert_eq!(created.json["timeline_at"], created.json["occurred_at"]);
    assert_eq!(created.json["done"], false);
    // Another call that connected, to tell the two apart.
    log(
        &mut rep,
        json!({"kind": "call", "subject": "Second try", "contact_id": contact,
               "metadata": {"duration_seconds": 900, "outcome": "connected"}}),
    )
    .await;

    let voicemail = rep
        .get(&format!(
            "/api/activities?metadata={}",
            enc(r#"{"outcome":"voicemail"}"#)
        ))
        .await;
    assert_eq!(voicemail.status, 200, "{}", voicemail.body);
    assert_eq!(ids(&voicemail), [id.to_string()]);
    let both = rep
        .get(&format!(
            "/api/activities?metadata={}",
            enc(r#"{"outcome":"voicemail","duration_seconds":300}"#)
        ))
        .await;
    assert_eq!(ids(&both), [id.to_string()]);
    let connected = rep
        .get(&format!(
            "/api/activities?metadata={}",
            enc(r#"{"outcome":"connected"}"#)
        ))
        .await;
    assert!(!ids(&connected).contains(&id.to_string()));
    assert_eq!(ids(&connected).len(), 1);
    let nothing = rep
        .get(&format!(
            "/api/activities?metadata={}&contact_id={contact}",
            enc(r#"{"outcome":"busy"}"#)
        ))
        .await;
    assert!(ids(&nothing).is_empty());

    let by_kind = rep
        .get(&format!("/api/activities?kind=call&contact_id={contact}"))
        .await;
    assert_eq!(ids(&by_kind).len(), 2);
    assert!(ids(&rep.get("/api/activities?kind=email").await).is_empty());
    assert_eq!(
        ids(&admin.get(&format!("/api/activities?owner_id={}", rep.user_id)).await).len(),
        2
    );

    let read = admin.get(&format!("/api/activities/{id}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json["subject"], "Intro call");
}

#[tokio::test]
async fn list_parameters_are_checked_and_named() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    for (query, field) in [
        (format!("metadata={}", enc("[1,2]")), "metadata"),
        (format!("metadata={}", enc(r#""voicemail""#)), "metadata"),
        ("metadata=not-json".to_owned(), "metadata"),
        ("kind=visit".to_owned(), "kind"),
        ("done=yes".to_owned(), "done"),
        ("due_before=tomorrow".to_owned(), "due_before"),
        ("deal_id=42".to_owned(), "deal_id"),
        ("sort=subject".to_owned(), "sort"),
        ("limit=500".to_owned(), "limit"),
        ("colour=red".to_owned(), "colour"),
    ] {
        let response = admin.get(&format!("/api/activities?{query}")).await;
        assert_eq!(response.status, 422, "{query}: {}", response.body);
        assert_eq!(response.error_fields(), [field], "{query}");
    }
    let contact = admin.contact("A", "B", None).await;
    let response = admin
        .get(&format!("/api/contacts/{contact}/activities?contact_id={contact}"))
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["contact_id"]);
}

#[tokio::test]
async fn timelines_are_newest_first_and_page_without_repeats() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let company = admin.company("Navy", Some("navy.mil")).await;
    let contact = admin.contact("Grace", "Hopper", None).await;
    let other = admin.contact("Other", "Person", None).await;
    // Two share a time, exercising the id tie-break; a task sits at its due date.
    let times = [
        "2026-01-05T10:00:00Z",
        "2026-01-01T09:00:00Z",
        "2026-01-03T12:00:00Z",
        "2026-01-03T12:00:00Z",
        "2026-01-07T08:30:00Z",
        "2026-01-02T15:45:00Z",
    ];
    for (i, at) in times.iter().enumerate() {
        log(
            &mut admin,
            json!({"kind": "note", "subject": format!("Note {i}"), "contact_id": contact,
                   "company_id": company, "occurred_at": at}),
        )
        .await;
    }
    log(
        &mut admin,
        json!({"kind": "task", "subject": "Follow up", "contact_id": contact, "company_id": company,
               "due_at": "2026-01-10T09:00:00Z"}),
    )
    .await;
    log(
        &mut admin,
        json!({"kind": "note", "subject": "Elsewhere", "contact_id": other, "occurred_at": "2026-01-04T00:00:00Z"}),
    )
    .await;

    for base in [
        format!("/api/contacts/{contact}/activities"),
        format!("/api/companies/{company}/activities"),
    ] {
        let all = admin.get(&format!("{base}?limit=200")).await;
        assert_eq!(all.status, 200, "{}", all.body);
        let data = all.json["data"].as_array().unwrap();
        assert_eq!(data.len(), 7, "{base}: only this record's activities");
        assert_eq!(data[0]["subject"], "Follow up", "the task sits at its due date");
        let stamps: Vec<&str> = data.iter().map(|a| a["timeline_at"].as_str().unwrap()).collect();
        let mut newest_first = stamps.clone();
        newest_first.sort_by(|a, b| b.cmp(a));
        assert_eq!(stamps, newest_first, "{base}: newest first");

        let mut walked = Vec::new();
        let mut path = format!("{base}?limit=3");
        let mut pages = 0;
        loop {
            let page = admin.get(&path).await;
            assert_eq!(page.status, 200, "{}", page.body);
            pages += 1;
            walked.extend(ids(&page));
            match page.json["next_cursor"].as_str() {
                Some(cursor) => path = format!("{base}?limit=3&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(walked.iter().collect::<HashSet<_>>().len(), 7, "no repeats");
        assert_eq!(walked, ids(&all), "pages follow the same order as one big page");
    }

    // Oldest first on request; creation order is the other sort.
    let oldest = admin
        .get(&format!("/api/contacts/{contact}/activities?sort=timeline_at&limit=1"))
        .await;
    assert_eq!(oldest.json["data"][0]["subject"], "Note 1");
    let created = admin.get("/api/activities?sort=-created_at&limit=1").await;
    assert_eq!(created.json["data"][0]["subject"], "Elsewhere");
}

#[tokio::test]
async fn a_task_is_completed_with_patch_and_task_fields_are_refused_on_other_kinds() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let task = admin
        .post(
            "/api/activities",
            &json!({"kind": "task", "subject": "Send proposal", "due_at": "2026-02-01T09:00:00Z"}),
        )
        .await;
    assert_eq!(task.status, 201, "{}", task.body);
    let id = task.id();
    assert_eq!(task.json["done"], false);
    assert_eq!(task.json["completed_at"], Value::Null);
    assert_eq!(task.json["occurred_at"], Value::Null, "a task is not back-dated to now");

    let open = admin
        .get(&format!(
            "/api/activities?kind=task&done=false&due_before={}",
            enc("2026-02-02T00:00:00Z")
        ))
        .await;
    assert_eq!(ids(&open), [id.to_string()]);
    assert!(ids(&admin.get("/api/activities?due_before=2026-01-01T00:00:00Z").await).is_empty());

    let done = admin
        .patch(&format!("/api/activities/{id}"), &json!({"done": true}))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json["done"], true);
    let completed_at = done.json["completed_at"]
        .as_str()
        .expect("completion is stamped")
        .to_owned();
    let renamed = admin
        .patch(
            &format!("/api/activities/{id}"),
            &json!({"subject": "Send signed proposal"}),
        )
        .await;
    assert_eq!(
        renamed.json["completed_at"], completed_at,
        "an unrelated change keeps it"
    );
    assert!(ids(&admin.get("/api/activities?done=false").await).is_empty());
    assert_eq!(ids(&admin.get("/api/activities?done=true").await), [id.to_string()]);

    let reopened = admin
        .patch(&format!("/api/activities/{id}"), &json!({"done": false}))
        .await;
    assert_eq!(reopened.json["done"], false);
    assert_eq!(reopened.json["completed_at"], Value::Null);

    let done_call = admin
        .post(
            "/api/activities",
            &json!({"kind": "call", "subject": "x", "done": true}),
        )
        .await;
    assert_eq!(done_call.status, 422);
    assert_eq!(done_call.error_fields(), ["done"]);
    let due_note = admin
        .post(
            "/api/activities",
            &json!({"kind": "note", "subject": "x", "due_at": "2026-02-01T09:00:00Z"}),
        )
        .await;
    assert_eq!(due_note.status, 422);
    assert_eq!(due_note.error_fields(), ["due_at"]);

    let call = log(&mut admin, json!({"kind": "call", "subject": "Intro"})).await;
    let response = admin
        .patch(&format!("/api/activities/{call}"), &json!({"done": true}))
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["done"]);
    let response = admin
        .patch(
            &format!("/api/activities/{call}"),
            &json!({"due_at": "2026-02-01T09:00:00Z"}),
        )
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["due_at"]);
    let response = admin
        .patch(&format!("/api/activities/{call}"), &json!({"subject": null}))
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["subject"]);
    // An open task without a due date may become a call.
    let to_call = admin
        .patch(
            &format!("/api/activities/{id}"),
            &json!({"kind": "call", "due_at": null}),
        )
        .await;
    assert_eq!(to_call.status, 200, "{}", to_call.body);
    assert!(to_call.json["occurred_at"].is_string());
    assert_eq!(count_activities(&app, admin.tenant_id).await, 2);
}

#[tokio::test]
async fn metadata_must_be_a_json_object_of_at_most_16_kib_and_fields_are_checked() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    for metadata in [json!("voicemail"), json!([1, 2]), json!(300)] {
        let response = admin
            .post(
                "/api/activities",
                &json!({"kind": "call", "subject": "x", "metadata": metadata}),
            )
            .await;
        assert_eq!(response.status, 422, "{metadata}: {}", response.body);
        assert_eq!(response.error_fields(), ["metadata"]);
    }
    let oversize = json!({"kind": "note", "subject": "x", "metadata": {"notes": "x".repeat(17 * 1024)}});
    let response = admin.post("/api/activities", &oversize).await;
    assert_eq!(response.status, 422, "{}", response.body);
    assert_eq!(response.error_fields(), ["metadata"]);

    let response = admin
        .post(
            "/api/activities",
            &json!({"kind": "visit", "subject": "", "completed_at": "2026-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["completed_at"], "not a field a client sets");
    let response = admin
        .post("/api/activities", &json!({"kind": "visit", "subject": "x"}))
        .await;
    assert_eq!(response.error_fields(), ["kind"]);
    let response = admin
        .post(
            "/api/activities",
            &json!({"kind": "note", "subject": "", "body": "b".repeat(10_001)}),
        )
        .await;
    assert_eq!(response.error_fields(), ["subject", "body"]);
    assert_eq!(count_activities(&app, admin.tenant_id).await, 0, "nothing was written");

    let id = log(
        &mut admin,
        json!({"kind": "meeting", "subject": "Demo", "body": "Agenda:\n- pricing",
               "metadata": {"attendees": ["grace@navy.mil", "ada@example.com"]}}),
    )
    .await;
    let response = admin
        .patch(&format!("/api/activities/{id}"), &json!({"metadata": [1]}))
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["metadata"]);
    let cleared = admin
        .patch(&format!("/api/activities/{id}"), &json!({"metadata": null}))
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.json["metadata"], json!({}));
    assert_eq!(cleared.json["body"], "Agenda:\n- pricing");
}

#[tokio::test]
async fn the_role_matrix_applies_to_activities() {
    let app = spawn_app().await;
    let admin = app.register("Acme").await;
    let mut viewer = app.member(&admin, "viewer").await;
    let mut alice = app.member(&admin, "rep").await;
    let mut bob = app.member(&admin, "rep").await;
    let mut manager = app.member(&admin, "manager").await;

    let response = viewer
        .post("/api/activities", &json!({"kind": "note", "subject": "x"}))
        .await;
    assert_eq!(response.status, 403);
    assert_eq!(count_activities(&app, admin.tenant_id).await, 0);

    let note = log(&mut alice, json!({"kind": "note", "subject": "Budget approved"})).await;
    let path = format!("/api/activities/{note}");
    assert_eq!(viewer.get(&path).await.status, 200, "viewers read");
    assert_eq!(viewer.patch(&path, &json!({"subject": "x"})).await.status, 403);
    assert_eq!(bob.patch(&path, &json!({"subject": "Mine now"})).await.status, 403);
    assert_eq!(bob.delete(&path).await.status, 403);
    let given_away = alice.patch(&path, &json!({"owner_id": bob.user_id})).await;
    assert_eq!(given_away.status, 403, "reps cannot reassign");
    let for_bob = alice
        .post(
            "/api/activities",
            &json!({"kind": "note", "subject": "x", "owner_id": bob.user_id}),
        )
        .await;
    assert_eq!(for_bob.status, 403);
    assert_eq!(alice.get(&path).await.json["subject"], "Budget approved");

    let reassigned = manager.patch(&path, &json!({"owner_id": bob.user_id})).await;
    assert_eq!(reassigned.status, 200, "{}", reassigned.body);
    assert_eq!(bob.patch(&path, &json!({"subject": "Now mine"})).await.status, 200);

    app.owner_exec(
        "UPDATE organizations SET rep_visibility = 'own' WHERE tenant_id = $1",
        admin.tenant_id,
    )
    .await;
    assert_eq!(alice.get(&path).await.status, 404, "with own visibility");
    assert!(ids(&alice.get("/api/activities").await).is_empty());
    assert_eq!(bob.delete(&path).await.status, 204);
    assert_eq!(count_activities(&app, admin.tenant_id).await, 0);
}

#[tokio::test]
async fn the_history_survives_when_its_contact_or_company_is_deleted() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let company = admin.company("Navy", None).await;
    let contact = admin.contact("Grace", "Hopper", None).await;
    let id = log(
        &mut admin,
        json!({"kind": "email", "subject": "Proposal sent", "contact_id": contact, "company_id": company}),
    )
    .await;
    assert_eq!(admin.delete(&format!("/api/contacts/{contact}")).await.status, 204);
    assert_eq!(admin.delete(&format!("/api/companies/{company}")).await.status, 204);
    let read = admin.get(&format!("/api/activities/{id}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json["contact_id"], Value::Null);
    assert_eq!(read.json["company_id"], Value::Null);
    assert_eq!(read.json["subject"], "Proposal sent");
}

/// Every activity row of a tenant, as JSON.
async fn snapshot(app: &TestApp, tenant: Uuid) -> Value {
    sqlx::query_scalar(
        "SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY id), '[]') FROM activities t WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_one(&app.owner)
    .await
    .unwrap()
}

#[tokio::test]
async fn another_tenants_activities_contacts_and_companies_are_404_and_nothing_changes() {
    let app = spawn_app().await;
    let mut victim = app.register("Victim Co").await;
    let company = victim.company("Victim Customer", Some("victim.example")).await;
    let contact = victim.contact("Secret", "Person", Some("secret@victim.example")).await;
    let activity = log(
        &mut victim,
        json!({"kind": "call", "subject": "Secret call", "contact_id": contact, "company_id": company,
               "metadata": {"outcome": "voicemail"}}),
    )
    .await;
    let before = snapshot(&app, victim.tenant_id).await;
    let mut attacker = app.register("Attacker Inc").await;
    let own = log(&mut attacker, json!({"kind": "note", "subject": "Own"})).await;

    let path = format!("/api/activities/{activity}");
    let attempts = [
        attacker.get(&path).await,
        attacker.patch(&path, &json!({"subject": "Owned"})).await,
        attacker.patch(&path, &json!({"done": true})).await,
        attacker.delete(&path).await,
        attacker.get(&format!("/api/contacts/{contact}/activities")).await,
        attacker.get(&format!("/api/companies/{company}/activities")).await,
        attacker
            .post(
                "/api/activities",
                &json!({"kind": "note", "subject": "Smuggled", "contact_id": contact}),
            )
            .await,
        attacker
            .post(
                "/api/activities",
                &json!({"kind": "note", "subject": "Smuggled", "company_id": company}),
            )
            .await,
        attacker
            .post(
                "/api/activities",
                &json!({"kind": "note", "subject": "Smuggled", "owner_id": victim.user_id}),
            )
            .await,
        attacker
            .patch(&format!("/api/activities/{own}"), &json!({"contact_id": contact}))
            .await,
    ];
    for (i, response) in attempts.iter().enumerate() {
        assert_eq!(response.status, 404, "attempt {i}: {}", response.body);
        assert!(!response.body.contains("Secret"), "attempt {i} leaked data");
    }
    assert_eq!(attempts[6].error_fields(), ["contact_id"]);
    assert_eq!(attempts[7].error_fields(), ["company_id"]);

    for list in [
        "/api/activities".to_owned(),
        format!("/api/activities?contact_id={contact}"),
        format!("/api/activities?company_id={company}"),
        format!("/api/activities?metadata={}", enc(r#"{"outcome":"voicemail"}"#)),
    ] {
        let response = attacker.get(&list).await;
        assert_eq!(response.status, 200, "{list}");
        assert!(!response.body.contains("Secret"), "{list} leaked");
    }
    assert_eq!(
        snapshot(&app, victim.tenant_id).await,
        before,
        "the victim's rows are unchanged"
    );
    let stored: Vec<(String, Option<Uuid>)> =
        sqlx::query_as("SELECT subject, contact_id FROM activities WHERE tenant_id = $1")
            .bind(attacker.tenant_id)
            .fetch_all(&app.owner)
            .await
            .unwrap();
    assert_eq!(stored, [("Own".to_owned(), None)], "nothing was written");
}
