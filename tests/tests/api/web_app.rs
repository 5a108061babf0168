//! The built web app at `/`: files with the right caching, precompressed
//! variants, client routes falling back to `index.html` with a strict CSP,
//! and the API never answered with the app.

use clearview_tests::{AppOptions, spawn_app_with};

fn bundle() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cv-web-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><div id=root></div>").unwrap();
    std::fs::write(dir.join("assets/app-1a2b.js"), "console.log('app')").unwrap();
    std::fs::write(dir.join("assets/app-1a2b.js.br"), "brotli bytes").unwrap();
    std::fs::write(dir.join("assets/app-1a2b.js.gz"), "gzip bytes").unwrap();
    dir
}

#[tokio::test]
async fn the_app_is_served_at_the_root_with_caching_compression_and_a_strict_policy() {
    let dir = bundle();
    let app = spawn_app_with(AppOptions {
        web_dir: Some(dir.display().to_string()),
        ..AppOptions::default()
    })
    .await
    .unwrap();
    let mut browser = app.anonymous();

    let asset = browser
        .send(
            reqwest::Method::GET,
            "/assets/app-1a2b.js",
            None,
            &[("Accept-Encoding", "gzip, br")],
        )
        .await;
    assert_eq!(asset.status, 200);
    assert_eq!(asset.header("content-encoding").as_deref(), Some("br"));
    assert_eq!(asset.body, "brotli bytes");
    assert_eq!(
        asset.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(asset.header("x-content-type-options").as_deref(), Some("nosniff"));
    let plain = browser
        .send(
            reqwest::Method::GET,
            "/assets/app-1a2b.js",
            None,
            &[("Accept-Encoding", "identity")],
        )
        .await;
    assert_eq!(plain.body, "console.log('app')");

    for route in ["/", "/contacts", "/deals/01a2181e-6ebe-77b9-ae10-cfaa2496df42"] {
        let page = browser.get(route).await;
        assert_eq!(page.status, 200, "{route}");
        assert!(page.body.contains("id=root"), "{route} falls back to the app");
        assert_eq!(page.header("cache-control").as_deref(), Some("no-cache"));
        let csp = page.header("content-security-policy").unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(page.header("referrer-policy").is_some());
    }
    assert_eq!(browser.get("/assets/missing-123.js").await.status, 404);
    assert_eq!(
        browser.get("/../Cargo.toml").await.status,
        200,
        "normalised to the app, never a file outside"
    );

    let api = browser.get("/api/no-such-route").await;
    assert_eq!(api.status, 404);
    assert_eq!(api.header("content-type").as_deref(), Some("application/problem+json"));
    assert_eq!(browser.get("/healthz").await.status, 200);
    let _ = std::fs::remove_dir_all(dir);
}
