//! Errors a client can provoke: malformed and mistyped bodies, bad paths and query
//! parameters, size and media-type limits, unknown routes and methods, hostile input.
//! Every error is problem+json naming the field; nothing answers 500.

use crate::common::{Resp, TestApp};
use actix_web::http::Method;
use serde_json::{json, Value};

/// Asserts a complete problem document: the status, the media type and every member
/// RFC 9457 asks of this API (`type`, `title`, `status`, `detail`).
fn problem(response: &Resp, status: u16) -> Value {
    let body = response.problem(status);
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "no detail in {body}"
    );
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "no title in {body}"
    );
    body
}

/// Asserts a problem with this status whose `errors` name `field`.
fn problem_naming(response: &Resp, status: u16, field: &str) -> Value {
    let body = problem(response, status);
    let fields = response.error_fields();
    assert!(
        fields.iter().any(|f| f == field),
        "expected `{field}` in errors, got {fields:?}: {body}"
    );
    body
}

async fn post_raw(app: &TestApp, path: &str, body: &[u8]) -> Resp {
    app.send(
        Method::POST,
        path,
        Some(&app.admin()),
        Some(body.to_vec()),
        &[],
    )
    .await
}

async fn patch_raw(app: &TestApp, path: &str, body: &[u8]) -> Resp {
    app.send(
        Method::PATCH,
        path,
        Some(&app.admin()),
        Some(body.to_vec()),
        &[],
    )
    .await
}

/// The number of units the organization has (including archived ones).
async fn unit_count(app: &TestApp) -> usize {
    app.get(
        "/api/v1/units?limit=500&include_archived=true",
        &app.admin(),
    )
    .await
    .expect(200)["items"]
        .as_array()
        .map(Vec::len)
        .expect("items")
}

/// The goal as stored, asserting that it is still version 1 (nothing changed it).
async fn assert_goal_unchanged(app: &TestApp, goal: &str) {
    let response = app
        .get(&format!("/api/v1/goals/{goal}"), &app.admin())
        .await;
    let body = response.expect(200);
    assert_eq!(body["version"], 1, "{body}");
    assert_eq!(response.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        body["title"],
        "Invånarna i Värnamo kommun ska känna sig trygga."
    );
    assert_eq!(body["state"], "adopted");
}

async fn malformed_json_is_400(app: TestApp) {
    let model = app.model().await;
    let before = unit_count(&app).await;
    let truncated = post_raw(
        &app,
        "/api/v1/units",
        br#"{"kind": "board", "name": "Omsorgsn"#,
    )
    .await;
    let body = problem(&truncated, 400);
    assert!(
        body["detail"].as_str().is_some_and(|d| d.contains("JSON")),
        "{body}"
    );
    let empty = post_raw(&app, "/api/v1/units", b"").await;
    problem(&empty, 400);
    let not_json = post_raw(&app, "/api/v1/units", b"kind=board&name=x").await;
    problem(&not_json, 400);
    assert_eq!(unit_count(&app).await, before, "nothing was created");

    let goal = format!("/api/v1/goals/{}", model.goal);
    let truncated = patch_raw(&app, &goal, br#"{"title": "Ny tit"#).await;
    problem(&truncated, 400);
    let single_quotes = patch_raw(&app, &goal, b"{'title': 'Ny titel'}").await;
    problem(&single_quotes, 400);
    assert_goal_unchanged(&app, &model.goal).await;
}

async fn an_array_is_not_a_request_object(app: TestApp) {
    let model = app.model().await;
    let goal = format!("/api/v1/goals/{}", model.goal);
    // serde would read `[null, null]` as an object whose first two fields are left out.
    problem_naming(&patch_raw(&app, &goal, b"[null, null]").await, 422, "body");
    problem_naming(&patch_raw(&app, &goal, b" []").await, 422, "body");
    assert_goal_unchanged(&app, &model.goal).await;
    let before = unit_count(&app).await;
    problem_naming(
        &post_raw(&app, "/api/v1/units", br#"["board", "Omsorgsnamnden"]"#).await,
        422,
        "body",
    );
    problem(&post_raw(&app, "/api/v1/units", b"[1,").await, 400);
    assert_eq!(unit_count(&app).await, before, "nothing was created");
}

async fn a_bad_change_is_422_before_if_match_is_compared(app: TestApp) {
    let model = app.model().await;
    let goal = format!("/api/v1/goals/{}", model.goal);
    let bad_title = app
        .send(
            Method::PATCH,
            &goal,
            Some(&app.admin()),
            Some(br#"{"title": "   "}"#.to_vec()),
            &[("If-Match", "\"7\""), ("Content-Type", "application/json")],
        )
        .await;
    problem_naming(&bad_title, 422, "title");
    // A good change with the stale ETag is still 412.
    let stale = app
        .send(
            Method::PATCH,
            &goal,
            Some(&app.admin()),
            Some(br#"{"title": "Ny titel"}"#.to_vec()),
            &[("If-Match", "\"7\""), ("Content-Type", "application/json")],
        )
        .await;
    problem(&stale, 412);
    assert_goal_unchanged(&app, &model.goal).await;
}

async fn trailing_garbage_is_400(app: TestApp) {
    let model = app.model().await;
    let before = unit_count(&app).await;
    let response = post_raw(
        &app,
        "/api/v1/units",
        br#"{"kind": "board", "name": "Omsorgsnamnden"} garbage"#,
    )
    .await;
    problem(&response, 400);
    let two_documents = post_raw(
        &app,
        "/api/v1/units",
        br#"{"kind": "board", "name": "Omsorgsnamnden"}{"kind": "board", "name": "Kulturnamnden"}"#,
    )
    .await;
    problem(&two_documents, 400);
    assert_eq!(unit_count(&app).await, before, "nothing was created");

    let response = patch_raw(
        &app,
        &format!("/api/v1/goals/{}", model.goal),
        br#"{"title": "Ny titel"},"#,
    )
    .await;
    problem(&response, 400);
    assert_goal_unchanged(&app, &model.goal).await;
}

async fn unknown_field_is_422_naming_it(app: TestApp) {
    let model = app.model().await;
    let before = unit_count(&app).await;
    let response = app
        .post(
            "/api/v1/units",
            &app.admin(),
            json!({"kind": "board", "name": "Omsorgsnämnden", "colour": "blue"}),
        )
        .await;
    problem_naming(&response, 422, "colour");
    assert_eq!(unit_count(&app).await, before, "nothing was created");

    let response = app
        .patch(
            &format!("/api/v1/goals/{}", model.goal),
            &app.admin(),
            json!({"title": "Ny titel", "priority": 1}),
        )
        .await;
    problem_naming(&response, 422, "priority");
    // A read-only field of the record is not something a client may set either.
    let response = app
        .patch(
            &format!("/api/v1/goals/{}", model.goal),
            &app.admin(),
            json!({"version": 7}),
        )
        .await;
    problem_naming(&response, 422, "version");
    assert_goal_unchanged(&app, &model.goal).await;
}

async fn wrong_type_is_422_naming_the_field(app: TestApp) {
    let model = app.model().await;
    let before = unit_count(&app).await;
    let response = app
        .post(
            "/api/v1/units",
            &app.admin(),
            json!({"kind": "board", "name": 5}),
        )
        .await;
    problem_naming(&response, 422, "name");
    let response = app
        .post(
            "/api/v1/units",
            &app.admin(),
            json!({"kind": "team", "name": "Arbetslag Röd", "parent_id": "not-a-uuid"}),
        )
        .await;
    problem_naming(&response, 422, "parent_id");
    assert_eq!(unit_count(&app).await, before, "nothing was created");

    let goal = format!("/api/v1/goals/{}", model.goal);
    let response = app.patch(&goal, &app.admin(), json!({"title": 5})).await;
    problem_naming(&response, 422, "title");
    let response = app
        .patch(&goal, &app.admin(), json!({"number": "one"}))
        .await;
    problem_naming(&response, 422, "number");
    let response = app
        .patch(&goal, &app.admin(), json!({"footnotes": "not a list"}))
        .await;
    problem_naming(&response, 422, "footnotes");
    let response = app
        .patch(&goal, &app.admin(), json!({"decided_on": "2011-13-45"}))
        .await;
    problem_naming(&response, 422, "decided_on");
    // A body that is JSON but not an object.
    let response = app.patch(&goal, &app.admin(), json!([1, 2, 3])).await;
    problem(&response, 422);
    assert_goal_unchanged(&app, &model.goal).await;
}

async fn missing_required_field_is_422_naming_it(app: TestApp) {
    let before = unit_count(&app).await;
    let response = app
        .post("/api/v1/units", &app.admin(), json!({"kind": "board"}))
        .await;
    problem_naming(&response, 422, "name");
    let response = app
        .post(
            "/api/v1/units",
            &app.admin(),
            json!({"name": "Omsorgsnämnden"}),
        )
        .await;
    problem_naming(&response, 422, "kind");
    let response = app.post("/api/v1/units", &app.admin(), json!({})).await;
    problem(&response, 422);
    assert!(!response.error_fields().is_empty(), "{}", response.text());
    assert_eq!(unit_count(&app).await, before, "nothing was created");
}

async fn invalid_enum_value_is_422_naming_the_field(app: TestApp) {
    let model = app.model().await;
    let before = unit_count(&app).await;
    let response = app
        .post(
            "/api/v1/units",
            &app.admin(),
            json!({"kind": "parish", "name": "Värnamo församling"}),
        )
        .await;
    let body = problem_naming(&response, 422, "kind");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("parish")),
        "the detail says which value is wrong: {body}"
    );
    assert_eq!(unit_count(&app).await, before, "nothing was created");

    let response = app
        .patch(
            &format!("/api/v1/goals/{}", model.goal),
            &app.admin(),
            json!({"state": "parish"}),
        )
        .await;
    problem_naming(&response, 422, "state");
    let response = app
        .patch(
            &format!("/api/v1/units/{}", model.board),
            &app.admin(),
            json!({"kind": "parish"}),
        )
        .await;
    problem_naming(&response, 422, "kind");
    assert_goal_unchanged(&app, &model.goal).await;
}

async fn bad_uuid_in_path_is_400_naming_id(app: TestApp) {
    let model = app.model().await;
    let response = app.get("/api/v1/units/not-a-uuid", &app.admin()).await;
    problem_naming(&response, 400, "id");
    let response = app
        .patch(
            "/api/v1/goals/not-a-uuid",
            &app.admin(),
            json!({"title": "Ny titel"}),
        )
        .await;
    problem_naming(&response, 400, "id");
    let response = app.delete("/api/v1/activities/12345", &app.admin()).await;
    problem_naming(&response, 400, "id");
    let response = app
        .get("/api/v1/plan-periods/xyz/goal-tree", &app.admin())
        .await;
    problem_naming(&response, 400, "id");
    // A well-formed id that names nothing is a 404, not a 400.
    let response = app
        .get(
            "/api/v1/units/00000000-0000-7000-8000-000000000000",
            &app.admin(),
        )
        .await;
    problem(&response, 404);
    assert_goal_unchanged(&app, &model.goal).await;
}

async fn bad_query_parameters_are_400_naming_them(app: TestApp) {
    let admin = app.admin();
    let response = app.get("/api/v1/units?limit=abc", &admin).await;
    problem_naming(&response, 400, "limit");
    let response = app.get("/api/v1/units?limit=0", &admin).await;
    problem_naming(&response, 400, "limit");
    let response = app.get("/api/v1/units?limit=501", &admin).await;
    problem_naming(&response, 400, "limit");
    let response = app.get("/api/v1/units?kind=parish", &admin).await;
    problem_naming(&response, 400, "kind");
    let response = app.get("/api/v1/units?parent_id=not-a-uuid", &admin).await;
    problem_naming(&response, 400, "parent_id");
    let response = app
        .get("/api/v1/units?include_archived=perhaps", &admin)
        .await;
    problem_naming(&response, 400, "include_archived");
    let response = app.get("/api/v1/units?cursor=%%%", &admin).await;
    problem(&response, 400);
    let response = app
        .get("/api/v1/units?cursor=bm90LWEtY3Vyc29y", &admin)
        .await;
    problem_naming(&response, 400, "cursor");
    let response = app
        .get("/api/v1/activities?due_before=2011-13-45", &admin)
        .await;
    problem_naming(&response, 400, "due_before");
    let response = app.get("/api/v1/activities?status=finished", &admin).await;
    problem_naming(&response, 400, "status");
    // The good ones still work.
    app.get("/api/v1/units?limit=500&kind=board", &admin)
        .await
        .expect(200);
    app.get("/api/v1/activities?due_before=2011-12-31", &admin)
        .await
        .expect(200);
}

async fn unknown_query_parameter_is_400_naming_it(app: TestApp) {
    let admin = app.admin();
    let response = app.get("/api/v1/units?colour=blue", &admin).await;
    problem_naming(&response, 400, "colour");
    let response = app
        .get("/api/v1/activities?limit=10&sort=title", &admin)
        .await;
    problem_naming(&response, 400, "sort");
}

async fn body_over_the_limit_is_413(app: TestApp) {
    let model = app.model().await;
    let before = unit_count(&app).await;
    let big = json!({"kind": "board", "name": "x".repeat(70 * 1024)})
        .to_string()
        .into_bytes();
    assert!(big.len() > 64 * 1024);
    let response = post_raw(&app, "/api/v1/units", &big).await;
    problem(&response, 413);
    assert_eq!(unit_count(&app).await, before, "nothing was created");

    let big = json!({"title": "x".repeat(70 * 1024)})
        .to_string()
        .into_bytes();
    let response = patch_raw(&app, &format!("/api/v1/goals/{}", model.goal), &big).await;
    problem(&response, 413);
    assert_goal_unchanged(&app, &model.goal).await;

    // Just under the limit is read (and then judged on its content, not its size).
    let under = json!({"kind": "board", "name": "x".repeat(60 * 1024)})
        .to_string()
        .into_bytes();
    let response = post_raw(&app, "/api/v1/units", &under).await;
    assert_ne!(response.status, 413, "{}", response.text());
    assert!(response.status < 500, "{}", response.text());
}

async fn non_json_content_type_is_415(app: TestApp) {
    let model = app.model().await;
    let before = unit_count(&app).await;
    let body = json!({"kind": "board", "name": "Omsorgsnämnden"})
        .to_string()
        .into_bytes();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let response = app
            .send(
                Method::POST,
                "/api/v1/units",
                Some(&app.admin()),
                Some(body.clone()),
                &[("Content-Type", content_type)],
            )
            .await;
        problem(&response, 415);
    }
    assert_eq!(unit_count(&app).await, before, "nothing was created");

    let response = app
        .send(
            Method::PATCH,
            &format!("/api/v1/goals/{}", model.goal),
            Some(&app.admin()),
            Some(json!({"title": "Ny titel"}).to_string().into_bytes()),
            &[("Content-Type", "text/plain")],
        )
        .await;
    problem(&response, 415);
    assert_goal_unchanged(&app, &model.goal).await;

    // JSON with a charset parameter is JSON.
    let response = app
        .send(
            Method::POST,
            "/api/v1/units",
            Some(&app.admin()),
            Some(body),
            &[("Content-Type", "application/json; charset=utf-8")],
        )
        .await;
    response.expect(201);
}

async fn unknown_route_is_404(app: TestApp) {
    let response = app.get("/api/v1/nothing", &app.admin()).await;
    problem(&response, 404);
    let response = app
        .send(Method::GET, "/api/v1/nothing", None, None, &[])
        .await;
    problem(&response, 404);
    let response = app.get("/api/v2/units", &app.admin()).await;
    problem(&response, 404);
    let response = app
        .post("/api/v1/nothing", &app.admin(), json!({"a": 1}))
        .await;
    problem(&response, 404);
}

/// Routes are found by their path as the router reads it (unreserved characters may be
/// percent-encoded), and a segment that only begins like a collection's is not it.
async fn routes_are_found_however_their_path_is_written(app: TestApp) {
    let id = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Omsorgsnämnden"}),
        )
        .await;
    for path in [
        "/api/v1/units".to_string(),
        "/api/v1/%75nits".to_string(),
        "/api/v1/u%6Eits?kind=board".to_string(),
    ] {
        let listed = app.get(&path, &app.admin()).await.expect(200);
        assert_eq!(listed["items"][0]["id"], json!(id), "{path}");
    }
    let read = app
        .get(&format!("/api/v1/%75nits/{id}"), &app.admin())
        .await
        .expect(200);
    assert_eq!(read["id"], json!(id));
    for path in ["/api/v1/unitsx", "/api/v1/unit", "/api/v1/units-x/1"] {
        problem(&app.get(path, &app.admin()).await, 404);
    }
}

async fn wrong_method_is_405_with_allow(app: TestApp) {
    let response = app
        .send(
            Method::PUT,
            "/api/v1/units",
            Some(&app.admin()),
            Some(
                json!({"kind": "board", "name": "Omsorgsnämnden"})
                    .to_string()
                    .into_bytes(),
            ),
            &[],
        )
        .await;
    problem(&response, 405);
    let allow = response.header("allow").expect("an Allow header");
    let methods: Vec<&str> = allow.split(',').map(str::trim).collect();
    assert!(methods.contains(&"GET"), "Allow: {allow}");
    assert!(methods.contains(&"POST"), "Allow: {allow}");
    assert!(!methods.contains(&"PUT"), "Allow: {allow}");

    let response = app.delete("/api/v1/units", &app.admin()).await;
    problem(&response, 405);
    let allow = response.header("allow").expect("an Allow header");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert!(!allow.contains("DELETE"), "{allow}");
    assert_eq!(unit_count(&app).await, 0, "nothing was created or deleted");

    // On an item: GET, PATCH and DELETE are served, POST is not.
    let id = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Omsorgsnämnden"}),
        )
        .await;
    let response = app
        .post(&format!("/api/v1/units/{id}"), &app.admin(), json!({}))
        .await;
    problem(&response, 405);
    let allow = response.header("allow").expect("an Allow header");
    for method in ["GET", "PATCH", "DELETE"] {
        assert!(allow.contains(method), "{allow}");
    }
}

/// One of each kind of error the API answers with; each is complete problem+json.
async fn every_error_is_complete_problem_json(app: TestApp) {
    let model = app.model().await;
    let admin = app.admin();
    let goal = format!("/api/v1/goals/{}", model.goal);
    let mut seen = Vec::new();

    let r = post_raw(&app, "/api/v1/units", b"{").await;
    seen.push((problem(&r, 400), 400));
    let r = app
        .send(Method::GET, "/api/v1/units", None, None, &[])
        .await;
    seen.push((problem(&r, 401), 401));
    let r = app
        .post(
            "/api/v1/units",
            &app.token(&["viewer"]),
            json!({"kind": "board", "name": "X"}),
        )
        .await;
    seen.push((problem(&r, 403), 403));
    let r = app
        .get("/api/v1/goals/00000000-0000-7000-8000-000000000000", &admin)
        .await;
    seen.push((problem(&r, 404), 404));
    let r = app
        .send(Method::PUT, "/api/v1/units", Some(&admin), None, &[])
        .await;
    seen.push((problem(&r, 405), 405));
    let r = app
        .post(
            "/api/v1/goals",
            &admin,
            json!({"plan_period_id": model.plan_period, "perspective_id": model.perspective,
                   "owner_unit_id": model.council, "number": 1, "title": "En dubblett"}),
        )
        .await;
    seen.push((problem(&r, 409), 409));
    let r = app
        .patch_if_match(&goal, &admin, "\"99\"", json!({"title": "Ny titel"}))
        .await;
    seen.push((problem(&r, 412), 412));
    let big = vec![b' '; 65 * 1024];
    let r = post_raw(&app, "/api/v1/units", &big).await;
    seen.push((problem(&r, 413), 413));
    let r = app
        .send(
            Method::POST,
            "/api/v1/units",
            Some(&admin),
            Some(b"kind=board".to_vec()),
            &[("Content-Type", "text/plain")],
        )
        .await;
    seen.push((problem(&r, 415), 415));
    let r = app
        .post(
            "/api/v1/units",
            &admin,
            json!({"kind": "board", "name": " "}),
        )
        .await;
    seen.push((problem(&r, 422), 422));

    for (body, status) in seen {
        let kind = body["type"].as_str().unwrap_or_default();
        assert!(
            kind.starts_with("urn:") || kind.starts_with("http"),
            "`type` is a URI: {body}"
        );
        assert_eq!(body["status"], status, "{body}");
    }
    assert_goal_unchanged(&app, &model.goal).await;
}

async fn hostile_bodies_are_4xx_and_the_service_keeps_answering(app: TestApp) {
    let admin = app.admin();
    let depth = 10_000;
    let nested_arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let nested_objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    let nested_in_field = format!(
        "{{\"kind\": \"board\", \"name\": {}\"x\"{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let unclosed = "[".repeat(depth);
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("nested arrays", nested_arrays.into_bytes()),
        ("nested objects", nested_objects.into_bytes()),
        ("nested in a field", nested_in_field.into_bytes()),
        ("unclosed arrays", unclosed.into_bytes()),
        ("invalid UTF-8", vec![0xff, 0xfe, 0xfd, 0x80, 0x81]),
        (
            "invalid UTF-8 in a string",
            [
                &b"{\"kind\": \"board\", \"name\": \""[..],
                &[0xc3, 0x28, 0xff],
                &b"\"}"[..],
            ]
            .concat(),
        ),
        (
            "a lone surrogate",
            br#"{"kind": "board", "name": "\ud800"}"#.to_vec(),
        ),
        ("NUL bytes", vec![0u8; 100]),
    ];
    for (what, body) in bodies {
        for path in ["/api/v1/units", "/api/v1/goals"] {
            let response = post_raw(&app, path, &body).await;
            assert!(
                (400..500).contains(&response.status),
                "{what} to {path}: {} {}",
                response.status,
                response.text()
            );
            assert_eq!(
                response.content_type(),
                "application/problem+json",
                "{what}"
            );
        }
    }
    // A NUL character inside a JSON string is valid JSON; the answer may be a refusal
    // but never a server error.
    let response = app
        .post(
            "/api/v1/units",
            &admin,
            json!({"kind": "board", "name": "Omsorgs\u{0}nämnden"}),
        )
        .await;
    assert!(
        response.status < 500,
        "{} {}",
        response.status,
        response.text()
    );
    let response = app
        .get("/api/v1/activities?responsible=a%00b", &admin)
        .await;
    assert!(
        response.status < 500,
        "{} {}",
        response.status,
        response.text()
    );

    // Still answering, and still writing.
    app.get("/api/v1/units", &admin).await.expect(200);
    let id = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Kulturnämnden"}),
        )
        .await;
    let got = app
        .get(&format!("/api/v1/units/{id}"), &admin)
        .await
        .expect(200);
    assert_eq!(got["name"], "Kulturnämnden");
}

async fn sql_metacharacters_are_stored_verbatim(app: TestApp) {
    let admin = app.admin();
    let names = [
        "'; DROP TABLE units; --",
        "Robert\"); DROP TABLE goals;--",
        "100% _nämnd_ \\ ' \" ; -- /* */",
    ];
    let mut ids = Vec::new();
    for name in names {
        let response = app
            .post(
                "/api/v1/units",
                &admin,
                json!({"kind": "board", "name": name, "short_code": "'--"}),
            )
            .await;
        let body = response.expect(201);
        assert_eq!(body["name"], name);
        ids.push(response.id());
    }
    for (id, name) in ids.iter().zip(names) {
        let got = app
            .get(&format!("/api/v1/units/{id}"), &admin)
            .await
            .expect(200);
        assert_eq!(got["name"], name);
        assert_eq!(got["short_code"], "'--");
    }
    let listed = app.get("/api/v1/units", &admin).await.expect(200);
    let listed: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["name"].as_str())
        .collect();
    assert_eq!(listed, names.to_vec(), "the table is still there, in order");

    // A filter value with the same characters matches exactly, and nothing else.
    let model = app.model().await;
    app.create(
        "/api/v1/activities",
        json!({"team_id": model.team, "goal_id": model.goal, "title": "Trygghetsvandring",
               "responsible": "O'Brien'; DELETE FROM activities; --"}),
    )
    .await;
    app.create(
        "/api/v1/activities",
        json!({"team_id": model.team, "goal_id": model.goal, "title": "Rastvakt",
               "responsible": "Arbetslaget"}),
    )
    .await;
    let found = app
        .get(
            "/api/v1/activities?responsible=O%27Brien%27%3B%20DELETE%20FROM%20activities%3B%20--",
            &admin,
        )
        .await
        .expect(200);
    let found = found["items"].as_array().expect("items");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["title"], "Trygghetsvandring");
    let found = app
        .get(
            "/api/v1/activities?responsible=%27%20OR%20%271%27%3D%271",
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(found["items"].as_array().map(Vec::len), Some(0));
    let all = app.get("/api/v1/activities", &admin).await.expect(200);
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
}

/// A client's request id is logged and audited: one that could forge a log line or is
/// long is replaced by a fresh id.
async fn an_odd_request_id_is_replaced(app: TestApp) {
    let long = "a".repeat(129);
    for given in ["abc def", "x\"; level=ERROR", "åäö", long.as_str(), "a\tb"] {
        let response = app
            .send(
                Method::GET,
                "/api/v1/units",
                Some(&app.admin()),
                None,
                &[("X-Request-Id", given)],
            )
            .await;
        response.expect(200);
        let id = response.header("x-request-id").unwrap_or_default();
        assert_ne!(id, given);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{given:?} → {id}");
    }
}

async fn request_id_is_echoed_or_generated(app: TestApp) {
    let given = "trace-4711-abc";
    let response = app
        .send(
            Method::GET,
            "/api/v1/units",
            Some(&app.admin()),
            None,
            &[("X-Request-Id", given)],
        )
        .await;
    response.expect(200);
    assert_eq!(response.header("x-request-id").as_deref(), Some(given));

    // Kept on errors too.
    let response = app
        .send(
            Method::GET,
            "/api/v1/nothing",
            None,
            None,
            &[("X-Request-Id", given)],
        )
        .await;
    problem(&response, 404);
    assert_eq!(response.header("x-request-id").as_deref(), Some(given));
    let response = app
        .send(
            Method::GET,
            "/api/v1/units",
            None,
            None,
            &[("X-Request-Id", given)],
        )
        .await;
    problem(&response, 401);
    assert_eq!(response.header("x-request-id").as_deref(), Some(given));

    // Missing: a fresh one per request.
    let first = app.get("/api/v1/units", &app.admin()).await;
    let second = app.get("/api/v1/units", &app.admin()).await;
    let first = first
        .header("x-request-id")
        .expect("a generated request id");
    let second = second
        .header("x-request-id")
        .expect("a generated request id");
    assert!(!first.is_empty());
    assert_ne!(first, second, "each request gets its own id");
    let health = app.send(Method::GET, "/health/live", None, None, &[]).await;
    assert!(health.header("x-request-id").is_some());
}

async fn health_answers_without_a_token(app: TestApp) {
    for path in ["/health/live", "/health/ready"] {
        let response = app.send(Method::GET, path, None, None, &[]).await;
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        assert!(
            response.content_type().starts_with("application/json"),
            "{path}: {}",
            response.content_type()
        );
        assert_eq!(response.json(), json!({"status": "ok"}), "{path}");
    }
}

backend_tests!(
    malformed_json_is_400,
    trailing_garbage_is_400,
    an_array_is_not_a_request_object,
    a_bad_change_is_422_before_if_match_is_compared,
    unknown_field_is_422_naming_it,
    wrong_type_is_422_naming_the_field,
    missing_required_field_is_422_naming_it,
    invalid_enum_value_is_422_naming_the_field,
    bad_uuid_in_path_is_400_naming_id,
    bad_query_parameters_are_400_naming_them,
    unknown_query_parameter_is_400_naming_it,
    body_over_the_limit_is_413,
    non_json_content_type_is_415,
    unknown_route_is_404,
    wrong_method_is_405_with_allow,
    routes_are_found_however_their_path_is_written,
    every_error_is_complete_problem_json,
    hostile_bodies_are_4xx_and_the_service_keeps_answering,
    sql_metacharacters_are_stored_verbatim,
    request_id_is_echoed_or_generated,
    an_odd_request_id_is_replaced,
    health_answers_without_a_token,
);
