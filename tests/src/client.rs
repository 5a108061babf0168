//! A signed-in (or anonymous) API client that keeps its cookies by hand, so
//! tests can read every `Set-Cookie` attribute and replay old cookies.

use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, SET_COOKIE};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

pub struct User {
    http: reqwest::Client,
    base: String,
    /// Cookie name → value, as the server last set them.
    pub cookies: BTreeMap<String, String>,
    pub email: String,
    pub user_id: Uuid,
    pub tenant_id: Uuid,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    /// The body parsed as JSON (`Null` when it is not JSON).
    pub json: Value,
}

impl Response {
    /// The `Set-Cookie` header for a cookie name, whole.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    /// The fields named in a problem body's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.json["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn id(&self) -> Uuid {
        self.json["id"].as_str().expect("an id in the body").parse().unwrap()
    }
}

impl User {
    pub(crate) fn new(http: reqwest::Client, base: String) -> Self {
        Self {
            http,
            base,
            cookies: BTreeMap::new(),
            email: String::new(),
            user_id: Uuid::nil(),
            tenant_id: Uuid::nil(),
        }
    }

    /// Sends a request with this user's cookies and keeps what it sets.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        self.send_raw(method, path, body, headers).await
    }

    /// The same session sent to another server (`base`): a second instance
    /// on the same database.
    pub fn at(&self, base: &str) -> User {
        User {
            http: self.http.clone(),
            base: base.to_owned(),
            cookies: self.cookies.clone(),
            email: self.email.clone(),
            user_id: self.user_id,
            tenant_id: self.tenant_id,
        }
    }

    /// The `Cookie` header value this user sends (for raw-socket tests).
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Sends a request with a body of any content type (e.g. `text/csv`).
    pub async fn send_raw(
        &mut self,
        method: Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self.http.request(method, format!("{}{}", self.base, path));
        if !self.cookies.is_empty() {
            request = request.header(COOKIE, self.cookie_header());
        }
        if let Some((content_type, body)) = body {
            request = request.header(CONTENT_TYPE, content_type).body(body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for set in headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let pair = set.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || set.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let body = response.text().await.unwrap_or_default();
        let json = serde_json::from_str(&body).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            body,
            json,
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.send(Method::GET, path, None, &[]).await
    }
    pub async fn post(&mut self, path: &str, body: &Value) -> Response {
        self.send(Method::POST, path, Some(body), &[]).await
    }
    /// Posts a CSV file.
    pub async fn post_csv(&mut self, path: &str, csv: &str) -> Response {
        self.send_raw(Method::POST, path, Some(("text/csv", csv.as_bytes().to_vec())), &[])
            .await
    }
    pub async fn put(&mut self, path: &str, body: &Value) -> Response {
        self.send(Method::PUT, path, Some(body), &[]).await
    }
    pub async fn patch(&mut self, path: &str, body: &Value) -> Response {
        self.send(Method::PATCH, path, Some(body), &[]).await
    }
    pub async fn delete(&mut self, path: &str) -> Response {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Creates a contact and returns its id.
    pub async fn contact(&mut self, first: &str, last: &str, email: Option<&str>) -> Uuid {
        let response = self
            .post(
                "/api/contacts",
                &serde_json::json!({"first_name": first, "last_name": last, "email": email}),
            )
            .await;
        assert_eq!(response.status, 201, "create contact: {}", response.body);
        response.id()
    }

    /// Creates a company and returns its id.
    pub async fn company(&mut self, name: &str, domain: Option<&str>) -> Uuid {
        let response = self
            .post("/api/companies", &serde_json::json!({"name": name, "domain": domain}))
            .await;
        assert_eq!(response.status, 201, "create company: {}", response.body);
        response.id()
    }
}
