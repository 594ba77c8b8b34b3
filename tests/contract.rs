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
            if path.starts_with("/api/v1/") {
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

backend_tests!(
    served_spec_is_the_committed_one,
    docs_page_is_served_from_the_binary
);
