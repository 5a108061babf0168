//! SCIM 2.0 provisioning (issue 11): an admin mints one bearer token per
//! organization (shown once, only its digest stored, rotated and revoked at
//! once), and an identity provider holding it manages `/scim/v2` Users and
//! Groups. Everything here is what scim2-tester does not check
//! (docs/research/scim2-tester.md §8): authentication, filters and paging,
//! and above all what SCIM does to Clearview memberships — an address makes
//! a member, `active=false` or DELETE removes them and ends their sessions at
//! once, groups named after a role grant it, the last admin stays, and no
//! organization ever sees or touches another's resources.

use clearview_tests::{PASSWORD, Response, TestApp, User, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const SCIM_JSON: &str = "application/scim+json";

/// One request under `/scim/v2`, with no cookies and the given
/// `Authorization` header (or none).
async fn scim_request(
    app: &TestApp,
    authorization: Option<&str>,
    method: Method,
    path: &str,
    body: Option<(&str, &Value)>,
) -> Response {
    let headers: Vec<(&str, &str)> = authorization
        .map(|value| ("authorization", value))
        .into_iter()
        .collect();
    let body = body.map(|(content_type, body)| (content_type, body.to_string().into_bytes()));
    app.anonymous()
        .send_raw(method, &format!("/scim/v2{path}"), body, &headers)
        .await
}

/// An identity provider: the SCIM token alone. Bodies go as
/// `application/scim+json`, as Okta and Entra send them.
struct Scim<'a> {
    app: &'a TestApp,
    token: String,
}

impl<'a> Scim<'a> {
    fn new(app: &'a TestApp, token: &str) -> Self {
        Self {
            app,
            token: token.to_owned(),
        }
    }

    async fn send_as(&self, method: Method, path: &str, body: Option<&Value>, content_type: &str) -> Response {
        let bearer = format!("Bearer {}", self.token);
        let body = body.map(|body| (content_type, body));
        scim_request(self.app, Some(bearer.as_str()), method, path, body).await
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        self.send_as(method, path, body, SCIM_JSON).await
    }

    async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> Response {
        self.send(Method::POST, path, Some(body)).await
    }

    async fn put(&self, path: &str, body: &Value) -> Response {
        self.send(Method::PUT, path, Some(body)).await
    }

    async fn patch(&self, path: &str, body: &Value) -> Response {
        self.send(Method::PATCH, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> Response {
        self.send(Method::DELETE, path, None).await
    }

    /// Creates a user; returns its SCIM id.
    async fn create_user(&self, body: Value) -> String {
        let created = self.post("/Users", &body).await;
        assert_eq!(created.status, 201, "create user: {}", created.body);
        created.json["id"].as_str().expect("an id").to_owned()
    }

    /// Creates a group with these SCIM user ids as members; returns its id.
    async fn create_group(&self, name: &str, members: &[&str]) -> String {
        let mut body = json!({"schemas": [GROUP], "displayName": name});
        if !members.is_empty() {
            let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
            body["members"] = Value::Array(members);
        }
        let created = self.post("/Groups", &body).await;
        assert_eq!(created.status, 201, "create group {name}: {}", created.body);
        created.json["id"].as_str().expect("an id").to_owned()
    }

    /// The usual deactivation / re-activation PATCH.
    async fn set_active(&self, id: &str, active: bool) -> Response {
        let ops = json!([{"op": "replace", "path": "active", "value": active}]);
        self.patch(&format!("/Users/{id}"), &patch_op(ops)).await
    }

    async fn add_members(&self, group: &str, users: &[&str]) -> Response {
        let value: Vec<Value> = users.iter().map(|id| json!({"value": id})).collect();
        let ops = json!([{"op": "add", "path": "members", "value": value}]);
        self.patch(&format!("/Groups/{group}"), &patch_op(ops)).await
    }

    /// Removes one member the way Entra does: a filtered path.
    async fn remove_member(&self, group: &str, user: &str) -> Response {
        let ops = json!([{"op": "remove", "path": format!("members[value eq \"{user}\"]")}]);
        self.patch(&format!("/Groups/{group}"), &patch_op(ops)).await
    }
}

/// A minimal active user.
fn user(user_name: &str) -> Value {
    json!({"schemas": [USER], "userName": user_name, "active": true})
}

fn patch_op(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

/// Percent-encodes a query parameter value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `filter=<expression>`, encoded.
fn filter(expression: &str) -> String {
    format!("filter={}", encode(expression))
}

/// Mints the organization's SCIM token as its admin.
async fn scim_token(admin: &mut User) -> String {
    let created = admin.post("/api/scim/token", &json!({})).await;
    assert_eq!(created.status, 201, "create SCIM token: {}", created.body);
    created.json["token"].as_str().expect("the token").to_owned()
}

/// The admin's organization's members, as `/api/organizations/{id}/members`
/// lists them.
async fn members(admin: &mut User) -> Vec<Value> {
    let org = admin.tenant_id;
    let listed = admin.get(&format!("/api/organizations/{org}/members")).await;
    assert_eq!(listed.status, 200, "members: {}", listed.body);
    listed.json["data"].as_array().cloned().unwrap_or_default()
}

/// The role of the member with this address (any case), if a member.
async fn role_of(admin: &mut User, email: &str) -> Option<String> {
    members(admin)
        .await
        .iter()
        .find(|m| m["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email)))
        .and_then(|m| m["role"].as_str().map(str::to_owned))
}

/// Signs in with the test password; the response and the client.
async fn sign_in(app: &TestApp, email: &str) -> (Response, User) {
    let mut person = app.anonymous();
    let response = person
        .post("/api/auth/login", &json!({"email": email, "password": PASSWORD}))
        .await;
    (response, person)
}

/// The body is SCIM JSON (`application/scim+json`, parameters allowed).
fn assert_scim_json(response: &Response) {
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with(SCIM_JSON),
        "content type {content_type:?}: {}",
        response.body
    );
}

/// A SCIM error: the status, SCIM JSON, the Error schema, the status again
/// as a string, a detail, and the `scimType` when one is expected.
fn assert_scim_error(response: &Response, status: u16, scim_type: Option<&str>) {
    assert_eq!(response.status, status, "{}", response.body);
    assert_scim_json(response);
    assert_eq!(response.json["schemas"], json!([ERROR]), "{}", response.body);
    assert_eq!(
        response.json["status"],
        status.to_string(),
        "the status, as a string: {}",
        response.body
    );
    assert!(response.json["detail"].is_string(), "a detail: {}", response.body);
    if let Some(scim_type) = scim_type {
        assert_eq!(response.json["scimType"], scim_type, "{}", response.body);
    }
}

/// A ListResponse: its schema, total and start index, and exactly these
/// resources in this order (`itemsPerPage` counting them).
fn assert_page(list: &Response, total: i64, start_index: i64, ids: &[&str]) {
    assert_eq!(list.status, 200, "{}", list.body);
    assert_scim_json(list);
    assert_eq!(list.json["schemas"], json!([LIST]), "{}", list.body);
    assert_eq!(list.json["totalResults"], total, "{}", list.body);
    assert_eq!(list.json["startIndex"], start_index, "{}", list.body);
    assert_eq!(list.json["itemsPerPage"], ids.len(), "{}", list.body);
    assert_eq!(resource_ids(list), ids, "{}", list.body);
}

/// The ids of a ListResponse's resources, in order (none when `Resources`
/// is absent).
fn resource_ids(list: &Response) -> Vec<String> {
    list.json["Resources"]
        .as_array()
        .map(|resources| {
            resources
                .iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn keys(resource: &Value) -> BTreeSet<String> {
    resource
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

fn has_schema(resource: &Value, schema: &str) -> bool {
    resource["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(schema)))
}

#[tokio::test]
async fn an_admin_creates_rotates_and_revokes_the_organizations_scim_token() {
    let app = spawn_app().await;
    let mut admin = app.register("Scim Inc").await;
    assert_eq!(admin.get("/api/scim/token").await.status, 404, "none yet");

    let created = admin.post("/api/scim/token", &json!({})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let token = created.json["token"].as_str().expect("the token").to_owned();
    // cvs_<tenant, 32 hex>_<43 random chars>, like API keys but its own prefix.
    let tenant = admin.tenant_id.simple().to_string();
    assert!(token.starts_with(&format!("cvs_{tenant}_")), "{token}");
    assert_eq!(token.len(), 4 + 32 + 1 + 43, "{token}");
    assert_eq!(created.json["hint"], format!("…{}", &token[token.len() - 6..]));
    assert!(created.json["created_at"].is_string(), "{}", created.body);
    assert!(created.json["last_used_at"].is_null(), "{}", created.body);

    // Only a digest is stored: no row holds the token or its random part.
    let random = &token[37..];
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash::text FROM scim_tokens")
        .fetch_all(&app.owner)
        .await
        .unwrap();
    assert!(!stored.is_empty(), "the token is stored");
    assert!(
        stored.iter().all(|hash| !hash.contains(random)),
        "only a digest is stored"
    );

    let shown = admin.get("/api/scim/token").await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.json["hint"], created.json["hint"]);
    assert!(shown.json["created_at"].is_string());
    assert!(shown.json.get("token").is_none(), "the token is shown once");
    assert!(!shown.body.contains(random));

    let first = Scim::new(&app, &token);
    assert_eq!(first.get("/Users").await.status, 200, "the token works");

    // Posting again rotates: the old token stops at once.
    let rotated = admin.post("/api/scim/token", &json!({})).await;
    assert_eq!(rotated.status, 201, "{}", rotated.body);
    let new_token = rotated.json["token"].as_str().expect("the token").to_owned();
    assert_ne!(new_token, token);
    assert_scim_error(&first.get("/Users").await, 401, None);
    let second = Scim::new(&app, &new_token);
    assert_eq!(second.get("/Users").await.status, 200);
    assert_eq!(admin.get("/api/scim/token").await.json["hint"], rotated.json["hint"]);

    // Only admins manage it, and a refused delete changes nothing.
    for role in ["manager", "rep"] {
        let mut member = app.member(&admin, role).await;
        let attempts = [
            member.get("/api/scim/token").await,
            member.post("/api/scim/token", &json!({})).await,
            member.delete("/api/scim/token").await,
        ];
        for (i, response) in attempts.iter().enumerate() {
            assert_eq!(response.status, 403, "{role}, attempt {i}: {}", response.body);
            assert!(!response.body.contains(&new_token[37..]), "{role} saw the token");
        }
    }
    assert_eq!(second.get("/Users").await.status, 200, "still valid");

    // Another organization has a token of its own, or none.
    let mut other = app.register("Other Inc").await;
    assert_eq!(other.get("/api/scim/token").await.status, 404);
    assert_eq!(other.delete("/api/scim/token").await.status, 404);
    assert_eq!(second.get("/Users").await.status, 200, "untouched by the other org");
    let others = scim_token(&mut other).await;
    assert_ne!(others, new_token);
    assert_eq!(
        other.get("/api/scim/token").await.json["hint"],
        format!("…{}", &others[others.len() - 6..])
    );
    assert_eq!(second.get("/Users").await.status, 200);

    // Revoked: refused at once, and gone.
    assert_eq!(admin.delete("/api/scim/token").await.status, 204);
    assert_scim_error(&second.get("/Users").await, 401, None);
    assert_eq!(admin.get("/api/scim/token").await.status, 404);
    assert_eq!(admin.delete("/api/scim/token").await.status, 404, "already revoked");
    assert_eq!(
        Scim::new(&app, &others).get("/Users").await.status,
        200,
        "the other org's token lives on"
    );
}

#[tokio::test]
async fn the_scim_api_takes_its_token_and_nothing_else() {
    let app = spawn_app().await;
    let mut admin = app.register("Scim Inc").await;
    let token = scim_token(&mut admin).await;
    let scim = Scim::new(&app, &token);
    assert_eq!(scim.get("/Users").await.status, 200, "the token alone is enough");

    let key = admin
        .post("/api/api-keys", &json!({"name": "x", "role": "admin"}))
        .await;
    assert_eq!(key.status, 201, "{}", key.body);
    let key = key.json["secret"].as_str().expect("the secret").to_owned();
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    let well_formed = format!("Bearer cvs_{}_{}", admin.tenant_id.simple(), "A".repeat(43));

    let refused: [(&str, Option<String>); 8] = [
        ("no header", None),
        ("basic", Some("Basic dXNlcjpwdw==".to_owned())),
        ("another scheme", Some(format!("Token {token}"))),
        ("no scheme", Some(token.clone())),
        ("garbage", Some("Bearer garbage".to_owned())),
        ("a well-formed unknown token", Some(well_formed)),
        ("a tampered token", Some(format!("Bearer {tampered}"))),
        ("an API key", Some(format!("Bearer {key}"))),
    ];
    for (what, authorization) in &refused {
        let response = scim_request(&app, authorization.as_deref(), Method::GET, "/Users", None).await;
        assert_eq!(response.status, 401, "{what}: {}", response.body);
        assert_scim_error(&response, 401, None);
    }
    // Nor does a write go through with an API key.
    let with_key = format!("Bearer {key}");
    let body = user("sneaky");
    let write = scim_request(
        &app,
        Some(with_key.as_str()),
        Method::POST,
        "/Users",
        Some((SCIM_JSON, &body)),
    )
    .await;
    assert_scim_error(&write, 401, None);

    // A signed-in admin's cookie is no SCIM credential either.
    let with_cookie = admin.get("/scim/v2/Users").await;
    assert_scim_error(&with_cookie, 401, None);

    // And the SCIM token is no API key.
    let bearer = format!("Bearer {token}");
    let on_api = app
        .anonymous()
        .send(
            Method::GET,
            "/api/contacts",
            None,
            &[("authorization", bearer.as_str())],
        )
        .await;
    assert_eq!(on_api.status, 401, "{}", on_api.body);

    let listed = scim.get("/Users").await;
    assert_page(&listed, 0, 1, &[]);
}

#[tokio::test]
async fn discovery_documents_are_served_read_only_and_unknown_paths_are_scim_404s() {
    let app = spawn_app().await;
    let mut admin = app.register("Scim Inc").await;
    let scim = Scim::new(&app, &scim_token(&mut admin).await);

    for path in ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"] {
        let document = scim.get(path).await;
        assert_eq!(document.status, 200, "{path}: {}", document.body);
        assert_scim_json(&document);
        assert!(document.json.is_object(), "{path}: {}", document.body);
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let label = format!("{} {path}", method.as_str());
            let response = scim.send(method, path, None).await;
            assert_eq!(response.status, 405, "{label}: {}", response.body);
            assert_scim_error(&response, 405, None);
        }
    }
    // Both resource types are described by their core schema.
    for path in ["/Schemas", "/ResourceTypes"] {
        let document = scim.get(path).await;
        assert!(document.body.contains(USER), "{path}: {}", document.body);
        assert!(document.body.contains(GROUP), "{path}: {}", document.body);
    }

    let nowhere = Uuid::new_v4();
    for path in [
        format!("/{nowhere}"),
        format!("/Users/{nowhere}"),
        format!("/Groups/{nowhere}"),
    ] {
        let response = scim.get(&path).await;
        assert_eq!(response.status, 404, "{path}: {}", response.body);
        assert_scim_error(&response, 404, None);
    }
}

#[tokio::test]
async fn a_user_round_trips_through_create_read_replace_patch_and_delete() {
    let app = spawn_app().await;
    let mut admin = app.register("Scim Inc").await;
    let scim = Scim::new(&app, &scim_token(&mut admin).await);

    let sent = json!({
        "schemas": [USER],
        "userName": "barbara.jensen@crud.test",
        "externalId": "okta-00u1",
        "displayName": "Babs",
        "name": {"formatted": "Barbara Jensen", "familyName": "Jensen", "givenName": "Barbara"},
        "emails": [{"value": "barbara.jensen@crud.test", "type": "work", "primary": true}],
        "active": true
    });
    let created = scim.post("/Users", &sent).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_scim_json(&created);
    let id = created.json["id"].as_str().expect("an id").to_owned();
    assert!(has_schema(&created.json, USER), "{}", created.body);
    // Exactly what was sent comes back (never derived values), plus id and meta.
    let mut expected = names(&["id", "meta"]);
    expected.extend(keys(&sent));
    assert_eq!(keys(&created.json), expected, "{}", created.body);
    for attribute in ["userName", "externalId", "displayName", "name", "emails", "active"] {
        assert_eq!(created.json[attribute], sent[attribute], "{attribute}");
    }
    let meta = &created.json["meta"];
    assert_eq!(meta["resourceType"], "User");
    assert!(
        meta["created"].is_string() && meta["lastModified"].is_string(),
        "{meta}"
    );
    assert!(meta["version"].is_string(), "{meta}");
    let location = meta["location"].as_str().unwrap_or_default();
    assert!(location.ends_with(&format!("/scim/v2/Users/{id}")), "{location}");

    let path = format!("/Users/{id}");
    let read = scim.get(&path).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_scim_json(&read);
    assert_eq!(read.json, created.json, "a read is what the create answered");

    let only = scim.get(&format!("{path}?attributes=externalId")).await;
    assert_eq!(only.status, 200, "{}", only.body);
    assert_eq!(
        keys(&only.json),
        names(&["schemas", "id", "externalId"]),
        "{}",
        only.body
    );
    assert_eq!(only.json["externalId"], "okta-00u1");
    let without = scim.get(&format!("{path}?excludedAttributes=name")).await;
    assert_eq!(without.status, 200, "{}", without.body);
    assert!(without.json.get("name").is_none(), "{}", without.body);
    assert_eq!(without.json["userName"], "barbara.jensen@crud.test");
    assert_eq!(without.json["id"], id.as_str());

    // userName is unique in the organization whatever its case, and required.
    let duplicate = scim.post("/Users", &user("Barbara.JENSEN@crud.test")).await;
    assert_scim_error(&duplicate, 409, Some("uniqueness"));
    let nameless = scim
        .post("/Users", &json!({"schemas": [USER], "displayName": "No Name"}))
        .await;
    assert_scim_error(&nameless, 400, Some("invalidValue"));

    // PUT replaces: what it omits is gone. Sent as plain application/json,
    // as scim2-tester does.
    let replacement = json!({
        "schemas": [USER],
        "userName": "barbara.jensen@crud.test",
        "displayName": "Barbara J.",
        "emails": [{"value": "barbara.jensen@crud.test", "type": "work", "primary": true}],
        "active": true
    });
    let replaced = scim
        .send_as(Method::PUT, &path, Some(&replacement), "application/json")
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.json["displayName"], "Barbara J.");
    for cleared in ["name", "externalId"] {
        assert!(replaced.json.get(cleared).is_none(), "{cleared}: {}", replaced.body);
    }
    let read = scim.get(&path).await;
    assert_eq!(read.json["displayName"], "Barbara J.");
    assert!(read.json.get("name").is_none() && read.json.get("externalId").is_none());
    assert_eq!(read.json["meta"]["created"], created.json["meta"]["created"]);

    // PATCH add and replace round-trip; remove leaves the attribute absent.
    let added = scim
        .patch(
            &path,
            &patch_op(json!([{"op": "add", "path": "externalId", "value": "okta-00u2"}])),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.json["externalId"], "okta-00u2");
    let new_name = json!({"formatted": "Barbara Jones", "familyName": "Jones", "givenName": "Barbara"});
    let renamed = scim
        .patch(
            &path,
            &patch_op(json!([{"op": "replace", "path": "name", "value": new_name}])),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.json["name"], new_name);
    let removed = scim
        .patch(&path, &patch_op(json!([{"op": "remove", "path": "active"}])))
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(removed.json.get("active").is_none(), "{}", removed.body);
    let read = scim.get(&path).await;
    assert!(read.json.get("active").is_none(), "{}", read.body);
    assert_eq!(read.json["externalId"], "okta-00u2");
    assert_eq!(read.json["name"], new_name);

    assert_eq!(scim.delete(&path).await.status, 204);
    assert_scim_error(&scim.get(&path).await, 404, None);
    assert_scim_error(&scim.delete(&path).await, 404, None);
}

#[tokio::test]
async fn users_are_filtered_and_paged_in_creation_order() {
    let app = spawn_app().await;
    let mut admin = app.register("Scim Inc").await;
    let scim = Scim::new(&app, &scim_token(&mut admin).await);

    // No address in userName nor emails: these make no members.
    let mut ids = Vec::new();
    for i in 1..=5 {
        let body =
            json!({"schemas": [USER], "userName": format!("Page-User-{i}"), "externalId": format!("ext-page-{i}")});
        ids.push(scim.create_user(body).await);
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(members(&mut admin).await.len(), 1, "no address, no membership");

    assert_page(&scim.get("/Users").await, 5, 1, &ids);
    assert_page(&scim.get("/Users?startIndex=2&count=2").await, 5, 2, &ids[1..3]);
    assert_page(&scim.get("/Users?startIndex=5&count=10").await, 5, 5, &ids[4..]);
    assert_page(&scim.get("/Users?count=0").await, 5, 1, &[]);
    let beyond = scim.get("/Users?startIndex=9&count=2").await;
    assert_eq!(beyond.status, 200, "{}", beyond.body);
    assert_eq!(beyond.json["totalResults"], 5);
    assert!(resource_ids(&beyond).is_empty(), "{}", beyond.body);

    // userName matches whatever the case and comes back as stored.
    let found = scim
        .get(&format!("/Users?{}", filter("userName eq \"page-user-3\"")))
        .await;
    assert_page(&found, 1, 1, &[ids[2]]);
    assert_eq!(found.json["Resources"][0]["userName"], "Page-User-3");
    let found = scim
        .get(&format!("/Users?{}", filter("externalId eq \"ext-page-4\"")))
        .await;
    assert_page(&found, 1, 1, &[ids[3]]);
    let none = scim.get(&format!("/Users?{}", filter("userName eq \"nobody\""))).await;
    assert_page(&none, 0, 1, &[]);

    for unsupported in ["title eq \"x\"", "userName co \"x\""] {
        let refused = scim.get(&format!("/Users?{}", filter(unsupported))).await;
        assert_eq!(refused.status, 400, "{unsupported}: {}", refused.body);
        assert_scim_error(&refused, 400, Some("invalidFilter"));
    }

    // attributes / excludedAttributes apply to lists too.
    let only = scim.get("/Users?attributes=externalId").await;
    assert_eq!(only.status, 200, "{}", only.body);
    for resource in only.json["Resources"].as_array().expect("resources") {
        assert_eq!(keys(resource), names(&["schemas", "id", "externalId"]), "{resource}");
    }
    let without = scim.get("/Users?excludedAttributes=externalId").await;
    assert_eq!(without.status, 200, "{}", without.body);
    for resource in without.json["Resources"].as_array().expect("resources") {
        assert!(resource.get("externalId").is_none(), "{resource}");
        assert!(resource["userName"].is_string(), "{resource}");
    }
}

#[tokio::test]
async fn an_address_makes_a_member_and_only_a_members_existing_identity_is_linked() {
    let app = spawn_app().await;
    let mut admin = app.register("Scim Inc").await;
    let scim = Scim::new(&app, &scim_token(&mut admin).await);

    // A new address: a new identity joins as rep, with no usable password.
    scim.create_user(json!({
        "schemas": [USER],
        "userName": "New.Hire@Provisioned.test",
        "displayName": "New Hire",
        "name": {"givenName": "New", "familyName": "Hire"},
        "active": true
    }))
    .await;
    assert_eq!(
        role_of(&mut admin, "new.hire@provisioned.test").await.as_deref(),
        Some("rep"),
        "a new member joins as rep"
    );
    let identities: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE lower(email) = 'new.hire@provisioned.test'")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    assert_eq!(identities, 1);
    let (login, _) = sign_in(&app, "New.Hire@Provisioned.test").await;
    assert_eq!(login.status, 401, "a password reset comes first: {}", login.body);

    // No address at all: a SCIM user, no member.
    scim.create_user(user("jdoe")).await;
    assert_eq!(members(&mut admin).await.len(), 2);

    // No address in userName: the primary e-mail, not the first.
    scim.create_user(json!({
        "schemas": [USER],
        "userName": "mwilson",
        "emails": [
            {"value": "mary@home.test", "type": "home", "primary": false},
            {"value": "Mary.Wilson@Provisioned.test", "type": "work", "primary": true}
        ],
        "active": true
    }))
    .await;
    assert_eq!(
        role_of(&mut admin, "mary.wilson@provisioned.test").await.as_deref(),
        Some("rep")
    );
    assert_eq!(role_of(&mut admin, "mary@home.test").await, None);

    // An existing member, named in another case: linked, role and session kept.
    let mut manager = app.member(&admin, "manager").await;
    scim.create_user(user(&manager.email.to_uppercase())).await;
    let listed = members(&mut admin).await;
    let linked: Vec<&Value> = listed
        .iter()
        .filter(|m| {
            m["email"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(&manager.email))
        })
        .collect();
    assert_eq!(linked.len(), 1, "{listed:?}");
    assert_eq!(linked[0]["user_id"], manager.user_id.to_string());
    assert_eq!(linked[0]["role"], "manager", "an existing membership keeps its role");
    assert_eq!(manager.get("/api/auth/me").await.status, 200, "linking ends no session");

    // An account made elsewhere (another organization's admin) is not
    // taken over by this directory: the SCIM user exists, with no
    // membership, and no second identity is made for the address.
    let mut elsewhere = app.register("Elsewhere Inc").await;
    let outside = scim.create_user(user(&elsewhere.email)).await;
    let listed = members(&mut admin).await;
    assert!(
        listed.iter().all(|m| m["user_id"] != elsewhere.user_id.to_string()),
        "an account made elsewhere joins only by invitation: {listed:?}"
    );
    let identities: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE lower(email) = lower($1)")
        .bind(&elsewhere.email)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(identities, 1, "no second identity for the address");
    let their_email = elsewhere.email.clone();
    assert_eq!(
        role_of(&mut elsewhere, &their_email).await.as_deref(),
        Some("admin"),
        "their own organization is untouched"
    );
    assert_eq!(listed.len(), 4, "{listed:?}");

    // Once they accept an invitation, the directory's next write links
    // them and their membership follows it.
    let path = format!("/api/organizations/{}/invite", admin.tenant_id);
    let invited = admin
        .post(&path, &json!({"email": their_email, "role": "viewer"}))
        .await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    let mail = app.mail_to(&their_email, "/invitations/accept?token=", None).await;
    let token = clearview_tests::smtp::token_in(&mail).expect("an invitation token");
    let accepted = app
        .anonymous()
        .post(
            "/api/invitations/accept",
            &json!({"token": token, "password": PASSWORD}),
        )
        .await;
    assert!(accepted.status < 300, "{}: {}", accepted.status, accepted.body);
    let deactivated = scim.set_active(&outside, false).await;
    assert_eq!(deactivated.status, 200, "{}", deactivated.body);
    assert_eq!(
        role_of(&mut admin, &their_email).await,
        None,
        "the directory now manages them"
    );
    assert_eq!(
        role_of(&mut elsewhere, &their_email).await.as_deref(),
        Some("admin"),
        "only here"
    );
}

#[tokio::test]
async fn deactivation_ends_the_membership_and_its_sessions_at_once_and_reactivation_restores_it() {
    let app = spawn_app().await;
    let mut admin = app.register("Scim Inc").await;
    let scim = Scim::new(&app, &scim_token(&mut admin).await);
    let mut rep = app.member(&admin, "rep").await;
    let email = rep.email.clone();
    let id = scim.create_user(user(&email)).await;
    let path = format!("/Users/{id}");
    assert_eq!(rep.get("/api/auth/me").await.status, 200);

    // PATCH active=false: gone from the team, the live session refused.
    let deactivated = scim.set_active(&id, false).await;
    assert_eq!(deactivated.status, 200, "{}", deactivated.body);
    assert_eq!(deactivated.json["active"], false);
    assert_eq!(rep.get("/api/auth/me").await.status, 401, "the session ended at once");
    assert_eq!(rep.get("/api/contacts").await.status, 401);
    assert_eq!(role_of(&mut admin, &email).await, None, "no longer a member");
    let (login, _) = sign_in(&app, &email).await;
    assert_ne!(login.status, 200, "cannot sign in: {}", login.body);
    // The SCIM user outlives the membership.
    let read = scim.get(&path).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.json["active"], false);
    assert_eq!(read.json["userName"], email.as_str());

    // Re-activation, path-less with a capitalised op as Entra sends it.
    let ops = json!([{"op": "Replace", "value": {"active": true}}]);
    let reactivated = scim.patch(&path, &patch_op(ops)).await;
    assert_eq!(reactivated.status, 200, "{}", reactivated.body);
    assert_eq!(reactivated.json["active"], true);
    assert_eq!(role_of(&mut admin, &email).await.as_deref(), Some("rep"));
    let (login, mut rep) = sign_in(&app, &email).await;
    assert_eq!(login.status, 200, "{}", login.body);
    assert_eq!(rep.get("/api/auth/me").await.json["role"], "rep");

    // "False" as a string counts too.
    let ops = json!([{"op": "Replace", "path": "active", "value": "False"}]);
    let deactivated = scim.patch(&path, &patch_op(ops)).await;
    assert_eq!(deactivated.status, 200, "{}", deactivated.body);
    assert_eq!(deactivated.json["active"], false);
    assert_eq!(rep.get("/api/auth/me").await.status, 401);
    assert_eq!(role_of(&mut admin, &email).await, None);

    // And so does PUT, both ways.
    let mut replacement = user(&email);
    let put = scim.put(&path, &replacement).await;
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(role_of(&mut admin, &email).await.as_deref(), Some("rep"));
    let (login, mut rep) = sign_in(&app, &email).await;
    assert_eq!(login.status, 200, "{}", login.body);
    replacement["active"] = json!(false);
    let put = scim.put(&path, &replacement).await;
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(put.json["active"], false);
    assert_eq!(rep.get("/api/auth/me").await.status, 401);
    assert_eq!(role_of(&mut admin, &email).await, None);
    assert_eq!(members(&mut admin).await.len(), 1, "only the admin is left");
}

#[tokio::test]
async fn groups_named_after_a_role_grant_the_highest_one() {
    let app = spawn_app().await;
    let mut admin = app.register("Scim Inc").await;
    let scim = Scim::new(&app, &scim_token(&mut admin).await);
    let mut rep = app.member(&admin, "rep").await;
    let rep_id = scim.create_user(user(&rep.email)).await;

    let created = scim
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Clearview Managers", "members": [{"value": rep_id}]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_scim_json(&created);
    assert!(has_schema(&created.json, GROUP), "{}", created.body);
    assert_eq!(created.json["displayName"], "Clearview Managers");
    assert_eq!(created.json["meta"]["resourceType"], "Group");
    let member = &created.json["members"][0];
    assert_eq!(
        created.json["members"].as_array().map(Vec::len),
        Some(1),
        "{}",
        created.body
    );
    assert_eq!(member["value"], rep_id.as_str());
    assert_eq!(member["type"], "User");
    let reference = member["$ref"].as_str().unwrap_or_default();
    assert!(reference.ends_with(&format!("/scim/v2/Users/{rep_id}")), "{reference}");
    let managers = created.json["id"].as_str().expect("an id").to_owned();

    // The role changed, so the member's sessions ended.
    assert_eq!(role_of(&mut admin, &rep.email).await.as_deref(), Some("manager"));
    assert_eq!(rep.get("/api/auth/me").await.status, 401, "a role change ends sessions");
    let (login, mut manager) = sign_in(&app, &rep.email).await;
    assert_eq!(login.status, 200, "{}", login.body);
    assert_eq!(manager.get("/api/auth/me").await.json["role"], "manager");

    let found = scim
        .get(&format!("/Groups?{}", filter("displayName eq \"Clearview Managers\"")))
        .await;
    assert_page(&found, 1, 1, &[managers.as_str()]);

    // Out of the only mapped group: an existing membership keeps its role.
    let removed = scim.remove_member(&managers, &rep_id).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(
        removed.json["members"].as_array().is_none_or(Vec::is_empty),
        "{}",
        removed.body
    );
    assert_eq!(role_of(&mut admin, &rep.email).await.as_deref(), Some("manager"));

    // Several mapped groups: the highest wins, whatever the order.
    let dana = scim.create_user(user("dana@groups.test")).await;
    assert_eq!(role_of(&mut admin, "dana@groups.test").await.as_deref(), Some("rep"));
    scim.create_group("reps", &[dana.as_str()]).await;
    let admins = scim.create_group("Admins", &[]).await;
    let added = scim.add_members(&admins, &[dana.as_str()]).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(
        added.json["members"]
            .as_array()
            .is_some_and(|m| m.iter().any(|x| x["value"] == dana.as_str())),
        "{}",
        added.body
    );
    assert_eq!(role_of(&mut admin, "dana@groups.test").await.as_deref(), Some("admin"));
    scim.create_group("CLEARVIEW VIEWERS", &[dana.as_str()]).await;
    assert_eq!(
        role_of(&mut admin, "dana@groups.test").await.as_deref(),
        Some("admin"),
        "a lower group does not lower the role"
    );
    let removed = scim.remove_member(&admins, &dana).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(
        role_of(&mut admin, "dana@groups.test").await.as_deref(),
        Some("rep"),
        "the highest remaining mapped group"
    );

    // A member must be a SCIM user of this organization.
    let stranger = Uuid::new_v4().to_string();
    let refused = scim
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Strangers", "members": [{"value": stranger}]}),
        )
        .await;
    assert_scim_error(&refused, 400, Some("invalidValue"));
    assert_scim_error(
        &scim.add_members(&admins, &[stranger.as_str()]).await,
        400,
        Some("invalidValue"),
    );
}

#[tokio::test]
async fn the_last_admin_cannot_be_deactivated_or_deleted_through_scim() {
    let app = spawn_app().await;
    let mut admin = app.register("Scim Inc").await;
    let scim = Scim::new(&app, &scim_token(&mut admin).await);
    let id = scim.create_user(user(&admin.email)).await;
    let path = format!("/Users/{id}");
    let email = admin.email.clone();
    assert_eq!(role_of(&mut admin, &email).await.as_deref(), Some("admin"));
    let before = scim.get(&path).await.json;

    let patched = scim.set_active(&id, false).await;
    assert_scim_error(&patched, 409, Some("mutability"));
    let mut replacement = user(&email);
    replacement["active"] = json!(false);
    assert_scim_error(&scim.put(&path, &replacement).await, 409, Some("mutability"));
    assert_scim_error(&scim.delete(&path).await, 409, Some("mutability"));

    // Nothing changed: still the admin, still signed in, still active.
    assert_eq!(admin.get("/api/auth/me").await.status, 200);
    assert_eq!(role_of(&mut admin, &email).await.as_deref(), Some("admin"));
    assert_eq!(scim.get(&path).await.json, before);

    // With a second admin it is no longer the last one.
    let mut second = app.member(&admin, "admin").await;
    let deactivated = scim.set_active(&id, false).await;
    assert_eq!(deactivated.status, 200, "{}", deactivated.body);
    assert_eq!(admin.get("/api/auth/me").await.status, 401);
    assert_eq!(role_of(&mut second, &email).await, None);
}

#[tokio::test]
async fn deleting_a_user_removes_the_member_and_the_resource() {
    let app = spawn_app().await;
    let mut admin = app.register("Scim Inc").await;
    let scim = Scim::new(&app, &scim_token(&mut admin).await);
    let mut rep = app.member(&admin, "rep").await;
    let email = rep.email.clone();
    let id = scim.create_user(user(&email)).await;
    let team = scim.create_group("Sales Team", &[id.as_str()]).await;
    let contact = rep.contact("Kept", "Record", None).await;

    let path = format!("/Users/{id}");
    assert_eq!(scim.delete(&path).await.status, 204);
    assert_eq!(rep.get("/api/contacts").await.status, 401, "the session ended at once");
    assert_eq!(role_of(&mut admin, &email).await, None);
    assert_scim_error(&scim.get(&path).await, 404, None);
    let by_name = scim
        .get(&format!("/Users?{}", filter(&format!("userName eq \"{email}\""))))
        .await;
    assert_page(&by_name, 0, 1, &[]);
    // Its groups no longer name it.
    let group = scim.get(&format!("/Groups/{team}")).await;
    assert_eq!(group.status, 200, "{}", group.body);
    assert!(!group.body.contains(&id), "{}", group.body);
    // The member's records stay with the organization.
    assert_eq!(admin.get(&format!("/api/contacts/{contact}")).await.status, 200);

    // The userName is free again. The person has a password of their own
    // and belongs nowhere now: the directory does not bring them back by
    // itself (an invitation does), and makes no second identity.
    scim.create_user(user(&email)).await;
    assert_eq!(role_of(&mut admin, &email).await, None);
    let identities: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE lower(email) = lower($1)")
        .bind(&email)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(identities, 1);

    // Someone the directory made and who never set a password comes back.
    let made = scim.create_user(user("made.here@directory.test")).await;
    assert_eq!(
        role_of(&mut admin, "made.here@directory.test").await.as_deref(),
        Some("rep")
    );
    assert_eq!(scim.delete(&format!("/Users/{made}")).await.status, 204);
    assert_eq!(role_of(&mut admin, "made.here@directory.test").await, None);
    scim.create_user(user("made.here@directory.test")).await;
    assert_eq!(
        role_of(&mut admin, "made.here@directory.test").await.as_deref(),
        Some("rep")
    );
}

#[tokio::test]
async fn another_organizations_scim_resources_are_404_unlisted_and_untouched() {
    let app = spawn_app().await;
    let mut a = app.register("Tenant A").await;
    let mut b = app.register("Tenant B").await;
    let (a_token, b_token) = (scim_token(&mut a).await, scim_token(&mut b).await);
    let (a_scim, b_scim) = (Scim::new(&app, &a_token), Scim::new(&app, &b_token));

    let shared = "shared.person@isolation.test";
    let b_user = b_scim
        .create_user(json!({
            "schemas": [USER],
            "userName": shared,
            "externalId": "b-secret-ext",
            "displayName": "B Secret",
            "active": true
        }))
        .await;
    let b_group = b_scim.create_group("B Secret Team", &[b_user.as_str()]).await;
    let (user_path, group_path) = (format!("/Users/{b_user}"), format!("/Groups/{b_group}"));
    let user_before = b_scim.get(&user_path).await.json;
    let group_before = b_scim.get(&group_path).await.json;
    let b_members_before = members(&mut b).await;

    let attempts = [
        a_scim.get(&user_path).await,
        a_scim.put(&user_path, &user("taken@over.test")).await,
        a_scim
            .patch(
                &user_path,
                &patch_op(json!([{"op": "replace", "path": "active", "value": false}])),
            )
            .await,
        a_scim.delete(&user_path).await,
        a_scim.get(&group_path).await,
        a_scim
            .put(
                &group_path,
                &json!({"schemas": [GROUP], "displayName": "Clearview Admins"}),
            )
            .await,
        a_scim.add_members(&b_group, &[b_user.as_str()]).await,
        a_scim.remove_member(&b_group, &b_user).await,
        a_scim.delete(&group_path).await,
    ];
    for (i, response) in attempts.iter().enumerate() {
        assert_eq!(response.status, 404, "attempt {i}: {}", response.body);
        assert_scim_error(response, 404, None);
        assert!(
            !response.body.contains("B Secret"),
            "attempt {i} leaked: {}",
            response.body
        );
        assert!(
            !response.body.contains("b-secret-ext"),
            "attempt {i} leaked: {}",
            response.body
        );
    }
    assert_eq!(b_scim.get(&user_path).await.json, user_before, "B's user is unchanged");
    assert_eq!(
        b_scim.get(&group_path).await.json,
        group_before,
        "B's group is unchanged"
    );
    assert_eq!(members(&mut b).await, b_members_before, "B's team is unchanged");

    // A's lists, filters and searches never show B's resources.
    let by_name = format!("/Users?{}", filter(&format!("userName eq \"{shared}\"")));
    let queries = [
        a_scim.get("/Users").await,
        a_scim.get(&by_name).await,
        a_scim
            .get(&format!("/Users?{}", filter("externalId eq \"b-secret-ext\"")))
            .await,
        a_scim.get("/Groups").await,
        a_scim
            .get(&format!("/Groups?{}", filter("displayName eq \"B Secret Team\"")))
            .await,
        a_scim.post("/.search", &json!({"schemas": [SEARCH]})).await,
    ];
    for (i, response) in queries.iter().enumerate() {
        assert_eq!(response.status, 200, "query {i}: {}", response.body);
        assert_eq!(response.json["totalResults"], 0, "query {i}: {}", response.body);
        assert!(!response.body.contains(&b_user), "query {i}: {}", response.body);
        assert!(!response.body.contains(&b_group), "query {i}: {}", response.body);
    }

    // userName is unique per organization: A may use the same one.
    let a_user = a_scim.create_user(user(shared)).await;
    assert_ne!(a_user, b_user);
    assert_page(&a_scim.get(&by_name).await, 1, 1, &[a_user.as_str()]);
    // B's user is no member A can put in a group.
    let refused = a_scim
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Reps", "members": [{"value": b_user}]}),
        )
        .await;
    assert_scim_error(&refused, 400, Some("invalidValue"));
    let a_group = a_scim.create_group("Team A", &[]).await;
    assert_scim_error(
        &a_scim.add_members(&a_group, &[b_user.as_str()]).await,
        400,
        Some("invalidValue"),
    );

    // A token naming A's tenant with B's random part is no token.
    let spliced = format!("{}{}", &a_token[..37], &b_token[37..]);
    assert_scim_error(&Scim::new(&app, &spliced).get("/Users").await, 401, None);

    // A letting go of the shared person leaves B's membership alone.
    assert_eq!(a_scim.delete(&format!("/Users/{a_user}")).await.status, 204);
    assert_eq!(role_of(&mut a, shared).await, None);
    assert_eq!(role_of(&mut b, shared).await.as_deref(), Some("rep"));
    assert_eq!(b_scim.get(&user_path).await.json, user_before);
}

#[tokio::test]
async fn a_root_search_returns_users_and_groups_with_the_chosen_attributes() {
    let app = spawn_app().await;
    let mut admin = app.register("Scim Inc").await;
    let scim = Scim::new(&app, &scim_token(&mut admin).await);
    let user_id = scim
        .create_user(json!({
            "schemas": [USER],
            "userName": "searcher",
            "externalId": "ext-search",
            "name": {"givenName": "Sam", "familyName": "Search"},
            "active": true
        }))
        .await;
    let group_id = scim.create_group("Search Party", &[user_id.as_str()]).await;

    let found = scim
        .post("/.search", &json!({"schemas": [SEARCH], "attributes": ["externalId"]}))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_scim_json(&found);
    assert_eq!(found.json["schemas"], json!([LIST]));
    assert_eq!(found.json["totalResults"], 2, "{}", found.body);
    let resources = found.json["Resources"].as_array().expect("resources");
    let found_user = resources
        .iter()
        .find(|r| r["id"] == user_id.as_str())
        .unwrap_or_else(|| panic!("the user: {}", found.body));
    assert!(has_schema(found_user, USER), "{found_user}");
    assert_eq!(
        keys(found_user),
        names(&["schemas", "id", "externalId"]),
        "{found_user}"
    );
    assert_eq!(found_user["externalId"], "ext-search");
    let group = resources
        .iter()
        .find(|r| r["id"] == group_id.as_str())
        .unwrap_or_else(|| panic!("the group: {}", found.body));
    assert!(has_schema(group, GROUP), "{group}");
    assert!(
        keys(group).is_subset(&names(&["schemas", "id", "externalId"])),
        "{group}"
    );

    let found = scim
        .post(
            "/.search",
            &json!({"schemas": [SEARCH], "excludedAttributes": ["name"]}),
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.json["totalResults"], 2, "{}", found.body);
    let resources = found.json["Resources"].as_array().expect("resources");
    let found_user = resources
        .iter()
        .find(|r| r["id"] == user_id.as_str())
        .unwrap_or_else(|| panic!("the user: {}", found.body));
    assert!(found_user.get("name").is_none(), "{found_user}");
    assert_eq!(found_user["userName"], "searcher");
    let group = resources
        .iter()
        .find(|r| r["id"] == group_id.as_str())
        .unwrap_or_else(|| panic!("the group: {}", found.body));
    assert_eq!(group["displayName"], "Search Party");
}

#[tokio::test]
async fn a_provisioned_person_sets_a_password_by_reset_and_signs_in_with_the_groups_role() {
    let app = spawn_app().await;
    let mut admin = app.register("Reset Directory Inc").await;
    let scim = Scim::new(&app, &scim_token(&mut admin).await);
    let created = scim.post("/Users", &user("new.hire@directory.test")).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let group = json!({"schemas": [GROUP], "displayName": "Clearview Viewers",
                       "members": [{"value": created.json["id"]}]});
    assert_eq!(scim.post("/Groups", &group).await.status, 201);
    // No password works before the person chose one.
    let (refused, _) = sign_in(&app, "new.hire@directory.test").await;
    assert_eq!(refused.status, 401, "{}", refused.body);

    let mut person = app.anonymous();
    let asked = person
        .post("/api/auth/password-reset", &json!({"email": "new.hire@directory.test"}))
        .await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let mail = app
        .mail_to("new.hire@directory.test", "/password-reset?token=", None)
        .await;
    let token = clearview_tests::smtp::token_in(&mail).expect("a reset token");
    let set = person
        .post(
            "/api/auth/password-reset/confirm",
            &json!({"token": token, "password": PASSWORD}),
        )
        .await;
    assert!(set.status < 300, "{}: {}", set.status, set.body);
    let (signed_in, mut person) = sign_in(&app, "new.hire@directory.test").await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let me = person.get("/api/auth/me").await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(
        role_of(&mut admin, "new.hire@directory.test").await.as_deref(),
        Some("viewer")
    );
}

#[tokio::test]
async fn a_person_who_claimed_the_address_elsewhere_is_not_pulled_back_by_the_directory() {
    // The pre-takeover a directory could attempt: make an account for an
    // address, let it go, wait for its real person to claim it elsewhere,
    // then re-activate it to pull them in (and act as them by SSO).
    let app = spawn_app().await;
    let mut squatter = app.register("Squatter Inc").await;
    let scim = Scim::new(&app, &scim_token(&mut squatter).await);
    let victim = "victim@corp.test";
    let id = scim.create_user(user(victim)).await;
    assert_eq!(role_of(&mut squatter, victim).await.as_deref(), Some("rep"));
    assert_eq!(scim.set_active(&id, false).await.status, 200);
    assert_eq!(role_of(&mut squatter, victim).await, None);

    // The real person is invited to their company and claims the address.
    let mut company = app.register("Corp").await;
    let path = format!("/api/organizations/{}/invite", company.tenant_id);
    assert_eq!(
        company
            .post(&path, &json!({"email": victim, "role": "rep"}))
            .await
            .status,
        202
    );
    let mail = app.mail_to(victim, "/invitations/accept?token=", None).await;
    let token = clearview_tests::smtp::token_in(&mail).expect("an invitation token");
    let accepted = app
        .anonymous()
        .post(
            "/api/invitations/accept",
            &json!({"token": token, "name": "Real Victim", "password": PASSWORD}),
        )
        .await;
    assert!(accepted.status < 300, "{}: {}", accepted.status, accepted.body);
    assert_eq!(role_of(&mut company, victim).await.as_deref(), Some("rep"));

    // Re-activating the directory's user brings no one back, and lets go.
    let back = scim.set_active(&id, true).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(
        role_of(&mut squatter, victim).await,
        None,
        "not pulled into the squatter's organization"
    );
    let linked: Option<Uuid> = sqlx::query_scalar("SELECT user_id FROM scim_users WHERE id = $1")
        .bind(Uuid::parse_str(&id).unwrap())
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(linked, None, "the directory's link to the person is gone");
    assert_eq!(role_of(&mut company, victim).await.as_deref(), Some("rep"));
}
