//! Keyset pagination: every row exactly once, in order, even while rows are
//! being inserted; bad parameters are named.

use clearview_tests::{User, spawn_app};
use serde_json::json;
use std::collections::HashSet;

async fn collect(user: &mut User, first: &str) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut path = first.to_owned();
    loop {
        let response = user.get(&path).await;
        assert_eq!(response.status, 200, "{}", response.body);
        pages += 1;
        for contact in response.json["data"].as_array().unwrap() {
            ids.push(contact["id"].as_str().unwrap().to_owned());
        }
        match response.json["next_cursor"].as_str() {
            Some(cursor) => path = format!("{first}&cursor={cursor}"),
            None => return (ids, pages),
        }
    }
}

#[tokio::test]
async fn pages_cover_every_contact_once_in_sort_order() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    // Duplicate last names exercise the id tie-break.
    for i in 0..23 {
        admin
            .contact(&format!("First{i:02}"), &format!("Last{}", i % 5), None)
            .await;
    }
    let (ids, pages) = collect(&mut admin, "/api/contacts?limit=5&sort=last_name").await;
    assert_eq!(pages, 5);
    assert_eq!(ids.len(), 23);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 23);

    let all = admin.get("/api/contacts?limit=200&sort=last_name").await;
    let expected: Vec<String> = all.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, expected, "paging yields the same order as one big page");
    let names: Vec<&str> = all.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["last_name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[tokio::test]
async fn inserts_between_pages_neither_repeat_nor_skip_rows() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    for i in 0..10 {
        admin.contact(&format!("Old{i}"), "Contact", None).await;
    }
    let first = admin.get("/api/contacts?limit=4").await;
    let mut seen: Vec<String> = first.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    // Newest first: new rows land before the cursor and must not appear.
    for i in 0..5 {
        admin.contact(&format!("New{i}"), "Contact", None).await;
    }
    let mut cursor = first.json["next_cursor"].as_str().unwrap().to_owned();
    loop {
        let page = admin.get(&format!("/api/contacts?limit=4&cursor={cursor}")).await;
        seen.extend(
            page.json["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        match page.json["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 10, "exactly the ten rows that existed, once each");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 10);
}

#[tokio::test]
async fn bad_list_parameters_are_named() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    admin.post("/api/companies", &json!({"name": "X"})).await;
    for (path, field) in [
        ("/api/contacts?limit=201", "limit"),
        ("/api/contacts?limit=0", "limit"),
        ("/api/contacts?limit=ten", "limit"),
        ("/api/contacts?sort=password_hash", "sort"),
        ("/api/contacts?cursor=garbage", "cursor"),
        ("/api/contacts?owner_id=me", "owner_id"),
        ("/api/contacts?colour=red", "colour"),
        ("/api/companies?company_id=x", "company_id"),
    ] {
        let response = admin.get(path).await;
        assert_eq!(response.status, 422, "{path}: {}", response.body);
        assert_eq!(response.error_fields(), [field], "{path}");
    }
    // A cursor made for one sort is refused for another.
    for i in 0..3 {
        admin.contact(&format!("C{i}"), "X", None).await;
    }
    let page = admin.get("/api/contacts?limit=1&sort=last_name").await;
    let cursor = page.json["next_cursor"].as_str().unwrap();
    let response = admin
        .get(&format!("/api/contacts?limit=1&sort=-last_name&cursor={cursor}"))
        .await;
    assert_eq!(response.status, 422);
}
