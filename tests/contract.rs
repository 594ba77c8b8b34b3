//! The committed contract: `openapi/openapi.json` must be what the code generates, and the
//! served document must be the same.
//! Regenerate with: `cargo run -- openapi > openapi/openapi.json`

#[macro_use]
mod common;

use common::TestApp;

const COMMITTED: &str = include_str!("../openapi/openapi.json");

#[test]
fn committed_spec_matches_the_code() {
    let generated = malstyrning::app::openapi_json();
    assert!(
        generated == COMMITTED,
        "openapi/openapi.json is out of date; regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn committed_role_matrix_matches_the_code() {
    let committed = include_str!("../docs/permissions.md");
    assert!(
        malstyrning::rules::permissions::matrix_markdown() == committed,
        "docs/permissions.md is out of date; regenerate it with `cargo run -- permissions > docs/permissions.md`"
    );
}

#[test]
fn every_operation_is_documented_and_secured() {
    let spec: serde_json::Value = serde_json::from_str(COMMITTED).expect("valid JSON");
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = spec["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("operations") {
            let summary = operation["summary"].as_str().unwrap_or("");
            assert!(!summary.is_empty(), "{method} {path} has no summary");
            let responses = operation["responses"].as_object().expect("responses");
            if path.starts_with("/api/v1/public/") {
                // The public view: no token, so nothing to be unauthorized about.
                assert_eq!(
                    operation["security"],
                    serde_json::json!([{}]),
                    "{method} {path} is public"
                );
                assert!(
                    !responses.contains_key("401"),
                    "{method} {path} is public but documents 401"
                );
                assert!(
                    responses.contains_key("304"),
                    "{method} {path} does not document 304"
                );
            } else if path.starts_with("/api/v1/") {
                assert!(
                    operation["security"].is_array(),
                    "{method} {path} names no security requirement"
                );
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} does not document 401"
                );
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status} is not problem+json"
                    );
                }
            }
        }
    }
}

async fn served_spec_is_the_committed_one(app: TestApp) {
    let response = app
        .send(
            actix_web::http::Method::GET,
            "/api/v1/openapi.json",
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(response.status, 200);
    let served: serde_json::Value = response.json();
    let committed: serde_json::Value = serde_json::from_str(COMMITTED).expect("valid JSON");
    assert_eq!(served, committed);
}

async fn docs_page_is_served_from_the_binary(app: TestApp) {
    let response = app
        .send(actix_web::http::Method::GET, "/docs/", None, None, &[])
        .await;
    assert_eq!(response.status, 200);
    assert!(response.text().contains("swagger"), "{}", response.text());
    let script = app
        .send(
            actix_web::http::Method::GET,
            "/docs/swagger-ui-bundle.js",
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(script.status, 200);
    assert!(
        script.body.len() > 100_000,
        "the Swagger UI bundle is served from the binary"
    );
}

async fn browsers_of_allowed_origins_may_call_the_api(app: TestApp) {
    async fn preflight(app: &TestApp, origin: &str) -> common::Resp {
        let headers = [
            ("Origin", origin),
            ("Access-Control-Request-Method", "PATCH"),
            ("Access-Control-Request-Headers", "authorization, if-match"),
        ];
        app.send(
            actix_web::http::Method::OPTIONS,
            "/api/v1/units",
            None,
            None,
            &headers,
        )
        .await
    }
    let allowed = preflight(&app, "https://front.example").await;
    assert_eq!(allowed.status, 200, "{}", allowed.text());
    assert_eq!(
        allowed.header("access-control-allow-origin").as_deref(),
        Some("https://front.example")
    );
    let other = preflight(&app, "https://elsewhere.example").await;
    assert_eq!(other.header("access-control-allow-origin"), None);

    let admin = app.admin();
    let read = app
        .send(
            actix_web::http::Method::GET,
            "/api/v1/units",
            Some(&admin),
            None,
            &[("Origin", "https://front.example")],
        )
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(
        read.header("access-control-allow-origin").as_deref(),
        Some("https://front.example")
    );
}

backend_tests!(
    served_spec_is_the_committed_one,
    docs_page_is_served_from_the_binary,
    browsers_of_allowed_origins_may_call_the_api
);
