//! `ValidJson<T>`: the JSON body extractor that keeps the contract —
//! 415 for another content type, 413 over the size limit, 400 for malformed
//! JSON, and 422 naming the field for a wrong type, a missing field, or a
//! field the client may not set (unknown or read-only: no mass assignment).

use crate::problem::ApiError;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// Fields the server owns; naming them in a body is refused as read-only.
const READ_ONLY: &[&str] = &["id", "tenant_id", "created_at", "updated_at"];

pub struct ValidJson<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// The name between the first pair of backticks of a serde message.
fn quoted(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// Turns a typed-deserialization failure into a 400 or a field-naming 422.
pub fn classify(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        return ApiError::bad_request(format!("the body is not valid JSON: {inner}"));
    }
    let message = inner.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
    let prefix = match path.as_str() {
        "." => String::new(),
        p => format!("{p}."),
    };
    if message.starts_with("unknown field") {
        // The path already ends with the unknown key.
        let name = quoted(&message).unwrap_or("?");
        let why = if READ_ONLY.contains(&name) {
            "is read-only"
        } else {
            "is not a field you can set"
        };
        let field = if path == "." { name.to_owned() } else { path };
        return ApiError::invalid_field(field, why);
    }
    if message.starts_with("missing field") {
        let name = quoted(&message).unwrap_or("?");
        return ApiError::invalid_field(format!("{prefix}{name}"), "is required");
    }
    let field = if path == "." { "body".to_owned() } else { path };
    ApiError::invalid_field(field, message)
}

/// JSON has one number type: `5.0` is the integer 5 (JSON Schema agrees),
/// so integral numbers are made integers before typed fields read them.
fn whole_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let body = Bytes::from_request(req, payload);
        // A client that stops sending its (at most 1 MiB) body is dropped.
        let stall = req
            .app_data::<actix_web::web::Data<crate::state::HttpSettings>>()
            .map_or(std::time::Duration::from_secs(30), |s| s.client_stall);
        Box::pin(async move {
            if !json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "send the body as application/json",
                ));
            }
            let body = tokio::time::timeout(stall, body).await.map_err(|_| {
                ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!("the body stalled: it did not arrive within {} s", stall.as_secs()),
                )
            })?;
            let bytes = body.map_err(|err| {
                if err.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "the body is larger than this server accepts",
                    )
                } else {
                    ApiError::bad_request("the body could not be read")
                }
            })?;
            let mut value: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
            // Every body is an object (serde would also read a struct from
            // an array, positionally).
            if !value.is_object() {
                return Err(ApiError::invalid_field("body", "must be a JSON object"));
            }
            whole_numbers(&mut value);
            let typed = serde_path_to_error::deserialize(value).map_err(classify)?;
            Ok(ValidJson(typed))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        age: Option<u8>,
    }

    fn problem(json: &str) -> String {
        let mut de = serde_json::Deserializer::from_str(json);
        let err = serde_path_to_error::deserialize::<_, Body>(&mut de).unwrap_err();
        format!("{:?}", classify(err))
    }

    #[test]
    fn errors_name_the_field() {
        assert!(problem(r#"{"name": "x", "id": "1"}"#).contains("read-only"));
        assert!(problem(r#"{"name": "x", "nmae": "1"}"#).contains("nmae"));
        assert!(problem(r#"{"age": 3}"#).contains("\"name\""));
        assert!(problem(r#"{"name": "x", "age": "old"}"#).contains("\"age\""));
        assert!(problem(r#"{"name": "x""#).contains("400"));
    }
}
