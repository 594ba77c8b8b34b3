//! The committed contract: `openapi/openapi.json` must be what the code generates, and the
//! served document must be the same.
//! Regenerate with: `cargo run -- openapi > openapi/openapi.json`

use crate::common::TestApp;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[test]
fn committed_spec_matches_the_code() {
    let generated = malstyrning::app::openapi_json();
    assert!(
        generated == COMMITTED,
        "openapi/openapi.json is out of date; regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
}

/// A field names its kind of text by a format (`rules::text`); the document states the kind's
/// lengths and pattern instead. A name no kind has would reach integrators as a format.
#[test]
fn every_kind_of_text_a_field_names_is_stated() {
    let formats: Vec<&str> = COMMITTED
        .match_indices("\"format\": \"text:")
        .map(|(at, _)| &COMMITTED[at..COMMITTED.len().min(at + 40)])
        .collect();
    assert!(
        formats.is_empty(),
        "kinds of text no kind states: {formats:?}"
    );
    let names = malstyrning::rules::text::KINDS.map(|kind| kind.format);
    for (at, name) in names.iter().enumerate() {
        assert!(!names[..at].contains(name), "two kinds named {name}");
    }
}

#[test]
fn committed_role_matrix_matches_the_code() {
    let committed = include_str!("../../docs/permissions.md");
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

async fn the_bare_address_leads_to_the_docs_and_head_answers_as_get(app: TestApp) {
    use actix_web::http::Method;
    let root = app.send(Method::GET, "/", None, None, &[]).await;
    assert_eq!(root.status, 308, "{}", root.text());
    assert_eq!(root.header("location").as_deref(), Some("/docs/"));

    // HEAD is GET's answer (the server leaves its body out): the same status and headers,
    // and the same checks.
    let admin = app.admin();
    for path in ["/health/live", "/api/v1/units", "/api/v1/openapi.json", "/"] {
        let get = app.send(Method::GET, path, Some(&admin), None, &[]).await;
        let head = app.send(Method::HEAD, path, Some(&admin), None, &[]).await;
        assert_eq!(head.status, get.status, "HEAD {path}: {}", head.text());
        for name in ["content-type", "etag", "location"] {
            assert_eq!(head.header(name), get.header(name), "HEAD {path}: {name}");
        }
    }
    let anonymous = app
        .send(Method::HEAD, "/api/v1/units", None, None, &[])
        .await;
    assert_eq!(anonymous.status, 401);
    let nowhere = app
        .send(Method::HEAD, "/api/v1/nowhere", Some(&admin), None, &[])
        .await;
    assert_eq!(nowhere.status, 404);
    // A method that is not served names HEAD beside GET.
    let put = app
        .send(Method::PUT, "/api/v1/units", Some(&admin), None, &[])
        .await;
    assert_eq!(put.status, 405);
    let allow = put.header("allow").unwrap_or_default();
    assert!(
        allow.contains("GET") && allow.contains("HEAD"),
        "Allow: {allow}"
    );
}

async fn browsers_of_allowed_origins_may_call_the_api(app: TestApp) {
    async fn preflight(app: &TestApp, origin: &str) -> crate::common::Resp {
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
    the_bare_address_leads_to_the_docs_and_head_answers_as_get,
    browsers_of_allowed_origins_may_call_the_api
);

/// Every schema in the document with its JSON pointer, depth first.
fn schemas<'a>(
    at: String,
    value: &'a serde_json::Value,
    out: &mut Vec<(String, &'a serde_json::Value)>,
) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("pattern").is_some_and(serde_json::Value::is_string) {
                out.push((at.clone(), value));
            }
            for (key, inner) in map {
                schemas(format!("{at}/{key}"), inner, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                schemas(format!("{at}/{i}"), inner, out);
            }
        }
        _ => {}
    }
}

/// The service refuses NUL in every text (422 in a body, 400 in a query or path), so no
/// pattern of the spec may let one through: a client, or a fuzzer, that trusts the
/// document would otherwise send a "valid" value and be refused.
#[test]
fn no_pattern_admits_a_nul_character() {
    let spec: serde_json::Value = serde_json::from_str(COMMITTED).expect("valid JSON");
    let mut found = Vec::new();
    schemas(String::new(), &spec, &mut found);
    // Values some pattern of the spec takes: names, codes, periods, an address, a URL.
    let samples = [
        "Omsorg",
        "N03101",
        "0683",
        "2011-Q3",
        "namn@kommun.se",
        "https://example.se/hook",
    ];
    let mut checked = 0;
    for (at, schema) in &found {
        let source = schema["pattern"].as_str().expect("a string");
        let pattern = regex::Regex::new(source).expect("the pattern compiles");
        let taken: Vec<&str> = samples
            .into_iter()
            .filter(|s| pattern.is_match(s))
            .collect();
        assert!(
            !taken.is_empty(),
            "{at}: {source} takes none of {samples:?}"
        );
        for sample in taken {
            for cut in [0, 1, sample.len()] {
                let with_nul = format!("{}\0{}", &sample[..cut], &sample[cut..]);
                assert!(
                    !pattern.is_match(&with_nul),
                    "{at}: {source} takes {with_nul:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(found.len() > 100, "only {} patterns found", found.len());
    assert!(checked > found.len() * 3);
}

/// White space is what the service trims and refuses as blank: Rust's `White_Space`. A
/// pattern's `\s` means other characters in other regex dialects (U+0085 is white space to
/// the service but not to ECMA-262's `\s`; U+FEFF the other way round), so a fuzzer or a
/// client read values as valid that the service refused. Patterns name the characters.
#[test]
fn no_pattern_leaves_white_space_to_the_dialect() {
    let spec: serde_json::Value = serde_json::from_str(COMMITTED).expect("valid JSON");
    let mut found = Vec::new();
    schemas(String::new(), &spec, &mut found);
    for (at, schema) in &found {
        let source = schema["pattern"].as_str().expect("a string");
        assert!(!source.contains("\\s"), "{at}: {source} uses \\s");
        let pattern = regex::Regex::new(source).expect("the pattern compiles");
        for space in ['\u{85}', '\u{a0}', '\u{3000}', '\t'] {
            // A required text of white space alone is blank to the service.
            let blank = format!("{space}{space}");
            if pattern.is_match("Omsorg") && !pattern.is_match("") {
                assert!(!pattern.is_match(&blank), "{at}: {source} takes {blank:?}");
            }
            // An address is trimmed, and refused with white space inside.
            if source.contains('@') && pattern.is_match("namn@kommun.se") {
                let inside = format!("namn{space}x@kommun.se");
                assert!(
                    !pattern.is_match(&inside),
                    "{at}: {source} takes {inside:?}"
                );
                let around = format!("{space}namn@kommun.se{space}");
                assert!(
                    pattern.is_match(&around),
                    "{at}: {source} refuses {around:?}"
                );
            }
        }
    }
}

/// The service refuses a query or path that holds NUL (400): every text parameter says so
/// with a pattern, a format or an enum, so that the refusal is one the document states.
#[test]
fn every_text_parameter_states_what_it_takes() {
    let spec: serde_json::Value = serde_json::from_str(COMMITTED).expect("valid JSON");
    let mut text_parameters = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for parameter in parameters {
                if parameter["in"] != "query" && parameter["in"] != "path" {
                    continue;
                }
                let schema = &parameter["schema"];
                let is_text = schema["type"] == "string"
                    || schema["type"]
                        .as_array()
                        .is_some_and(|types| types.iter().any(|t| t == "string"));
                if !is_text {
                    continue;
                }
                text_parameters += 1;
                assert!(
                    ["pattern", "format", "enum"]
                        .iter()
                        .any(|key| schema.get(key).is_some()),
                    "{method} {path}: parameter {} takes any text",
                    parameter["name"]
                );
            }
        }
    }
    assert!(
        text_parameters >= 20,
        "only {text_parameters} text parameters"
    );
}

/// The schemas request bodies take, by name: those the operations name and every schema
/// they refer to.
fn request_body_schemas(spec: &serde_json::Value) -> std::collections::BTreeSet<String> {
    fn references(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    match (key.as_str(), inner.as_str()) {
                        ("$ref", Some(at)) => out.push(at.replace("#/components/schemas/", "")),
                        _ => references(inner, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| references(i, out)),
            _ => {}
        }
    }
    let mut waiting = Vec::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("operations").values() {
            references(&operation["requestBody"], &mut waiting);
        }
    }
    let mut found = std::collections::BTreeSet::new();
    while let Some(name) = waiting.pop() {
        if found.insert(name.clone()) {
            references(&spec["components"]["schemas"][&name], &mut waiting);
        }
    }
    found
}

/// A pattern that bounds a text's length by itself: anchored, without unbounded repetition.
fn bounds_length(pattern: &str) -> bool {
    pattern.starts_with('^')
        && pattern.ends_with('$')
        && !pattern.contains(['*', '+'])
        && !pattern.contains(",}")
}

/// The service refuses over-long texts with 422 (`rules::validate`); every text a request
/// body takes states its limit, so that a front end or a fuzzer reading the document knows
/// it. Texts with a format, an enum or a pattern of fixed length need none. Nor does the
/// service take NUL in any text (PostgreSQL cannot store it), so each free text states a
/// pattern that says so.
#[test]
fn every_text_of_a_request_body_states_its_longest_and_refuses_nul() {
    let spec: serde_json::Value = serde_json::from_str(COMMITTED).expect("valid JSON");
    let bodies = request_body_schemas(&spec);
    for name in [
        "CreateUnit",
        "UpdateGoal",
        "RevisionNote",
        "KoladaRow",
        "Row",
    ] {
        assert!(
            bodies.contains(name),
            "{name} is not found as a request body"
        );
    }
    let mut limited = 0;
    for name in &bodies {
        let schema = &spec["components"]["schemas"][name];
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        for (property, value) in properties {
            // The property, or each item of a list of texts.
            for (at, text) in [
                (property.clone(), value),
                (format!("{property}[]"), &value["items"]),
            ] {
                let is_text = text["type"] == "string"
                    || text["type"]
                        .as_array()
                        .is_some_and(|types| types.iter().any(|t| t == "string"));
                let exact = text.get("format").is_some()
                    || text.get("enum").is_some()
                    || text["pattern"].as_str().is_some_and(bounds_length);
                if !is_text || exact {
                    continue;
                }
                assert!(
                    text["maxLength"].as_u64().is_some_and(|n| n > 0),
                    "{name}.{at} states no maxLength"
                );
                let refuses_nul = text["pattern"].as_str().is_some_and(|p| {
                    let pattern = regex::Regex::new(p).expect("the pattern compiles");
                    ["\u{0}", "0683\u{0}"].iter().all(|t| !pattern.is_match(t))
                });
                assert!(refuses_nul, "{name}.{at} states no pattern refusing NUL");
                limited += 1;
            }
        }
    }
    assert!(limited >= 100, "only {limited} texts have a maxLength");
}
