//! Serves the built web app (`web/dist`, issue 8) at `/`: files as they
//! are, the hashed `assets/` as immutable, precompressed `.br` / `.gz`
//! siblings when the client accepts them, and `index.html` for every other
//! path so client routes work on reload. `/api/*`, `/healthz` and
//! `/readyz` are never answered with the app.

use crate::problem::ApiError;
use actix_web::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, VARY,
    X_FRAME_OPTIONS,
};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use std::path::{Component, Path, PathBuf};

/// No inline script; Mantine sets styles at run time, hence inline styles.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
                   base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Where the built app lives; `None` serves no app (the API only).
#[derive(Debug, Clone)]
pub struct WebApp {
    pub dir: Option<PathBuf>,
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file under `dir` that `request_path` names, if it is a plain
/// relative path (no `..`, no root, no hidden parts).
fn file_under(dir: &Path, request_path: &str) -> Option<PathBuf> {
    let relative = Path::new(request_path.trim_start_matches('/'));
    let plain = relative
        .components()
        .all(|c| matches!(c, Component::Normal(part) if !part.to_string_lossy().starts_with('.')));
    (plain && !relative.as_os_str().is_empty()).then(|| dir.join(relative))
}

/// The encodings the client accepts, best first, that we precompress.
fn accepted(req: &HttpRequest) -> Vec<(&'static str, &'static str)> {
    let header = req
        .headers()
        .get(ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let offers = |name: &str| {
        header
            .split(',')
            .any(|part| part.trim().split(';').next() == Some(name))
    };
    [("br", "br"), ("gzip", "gz")]
        .into_iter()
        .filter(|(name, _)| offers(name))
        .collect()
}

async fn respond(req: &HttpRequest, file: &Path, immutable: bool) -> Option<HttpResponse> {
    let mut body = None;
    let mut encoding = None;
    for (name, suffix) in accepted(req) {
        let mut compressed = file.as_os_str().to_owned();
        compressed.push(format!(".{suffix}"));
        if let Ok(bytes) = tokio::fs::read(&compressed).await {
            body = Some(bytes);
            encoding = Some(name);
            break;
        }
    }
    let body = match body {
        Some(body) => body,
        None => tokio::fs::read(file).await.ok()?,
    };
    let mut response = HttpResponse::Ok();
    response
        .insert_header((CONTENT_TYPE, content_type(file)))
        .insert_header((VARY, "Accept-Encoding"))
        .insert_header((
            CACHE_CONTROL,
            if immutable {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            },
        ))
        .insert_header((CONTENT_SECURITY_POLICY, CSP))
        .insert_header((REFERRER_POLICY, "same-origin"))
        .insert_header((X_FRAME_OPTIONS, "DENY"));
    if let Some(encoding) = encoding {
        response.insert_header((CONTENT_ENCODING, encoding));
    }
    Some(if req.method() == Method::HEAD {
        response.finish()
    } else {
        response.body(body)
    })
}

/// Everything no route matched: the app for browsers, a problem for the API.
pub async fn fallback(req: HttpRequest, app: Data<WebApp>) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    let api = path == "/api" || path.starts_with("/api/") || path == "/healthz" || path == "/readyz";
    let readable = req.method() == Method::GET || req.method() == Method::HEAD;
    if api && let Some(allow) = crate::openapi::allowed_methods(path) {
        // The path exists; the method does not.
        return Err(ApiError::method_not_allowed(req.method().as_str(), allow));
    }
    let Some(dir) = app.dir.as_ref().filter(|_| !api && readable) else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "no such route"));
    };
    if let Some(file) = file_under(dir, path).filter(|f| f.is_file()) {
        let immutable = path.starts_with("/assets/");
        if let Some(response) = respond(&req, &file, immutable).await {
            return Ok(response);
        }
    }
    // A client route (or a missing asset, which the app shows as not found).
    if path.starts_with("/assets/") {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "no such file"));
    }
    respond(&req, &dir.join("index.html"), false).await.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "the web app is not built (npm run build in web/)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_name_a_file() {
        let dir = Path::new("/srv/web");
        assert_eq!(
            file_under(dir, "/assets/app-1.js"),
            Some(PathBuf::from("/srv/web/assets/app-1.js"))
        );
        assert_eq!(file_under(dir, "/../etc/passwd"), None);
        assert_eq!(file_under(dir, "/assets/../../etc/passwd"), None);
        assert_eq!(file_under(dir, "/.env"), None);
        assert_eq!(file_under(dir, "/"), None);
    }
}
