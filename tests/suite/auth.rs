//! Who the caller is and what it may do: bearer tokens, roles, and the wall between
//! organizations.

use crate::common::ids;
use crate::common::{revision, Model, Resp, TestApp};
use actix_web::http::Method;
use malstyrning::auth::{Claims, TokenKeys};
use serde_json::{json, Value};

/// Asserts a 401 that tells the client to use a bearer token.
fn assert_unauthorized(response: &Resp) {
    let body = response.problem(401);
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    let challenge = response
        .header("www-authenticate")
        .expect("a WWW-Authenticate header");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
}

fn claims(org: &str, roles: &[&str], exp_in_seconds: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: "someone".into(),
        org: org.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        units: vec![],
        exp: now + exp_in_seconds,
        iat: Some(now),
        name: None,
    }
}

/// A token signed with the test harness's secret, for any claims.
fn signed(claims: &Claims) -> String {
    TokenKeys::hs256(crate::common::SECRET)
        .issue(claims)
        .expect("a token")
}

async fn get_with_header(app: &TestApp, path: &str, authorization: &str) -> Resp {
    app.send(
        Method::GET,
        path,
        None,
        None,
        &[("Authorization", authorization)],
    )
    .await
}

async fn count(app: &TestApp, path: &str) -> usize {
    let separator = if path.contains('?') { '&' } else { '?' };
    app.get(
        &format!("{path}{separator}limit=500&include_archived=true"),
        &app.admin(),
    )
    .await
    .expect(200)["items"]
        .as_array()
        .map(Vec::len)
        .expect("items")
}

async fn no_token_is_401_with_a_bearer_challenge(app: TestApp) {
    for (method, path) in [
        (Method::GET, "/api/v1/units"),
        (Method::GET, "/api/v1/goals"),
        (Method::GET, "/api/v1/organizations"),
        (
            Method::GET,
            "/api/v1/units/00000000-0000-7000-8000-000000000000",
        ),
    ] {
        let response = app.send(method, path, None, None, &[]).await;
        assert_unauthorized(&response);
    }
    let response = app
        .send(
            Method::POST,
            "/api/v1/units",
            None,
            Some(
                json!({"kind": "board", "name": "Omsorgsnämnden"})
                    .to_string()
                    .into_bytes(),
            ),
            &[],
        )
        .await;
    assert_unauthorized(&response);
    assert_eq!(count(&app, "/api/v1/units").await, 0, "nothing was created");
}

async fn other_schemes_and_garbage_are_401(app: TestApp) {
    let valid = app.admin();
    for authorization in [
        "Basic dXNlcjpwYXNzd29yZA==".to_string(),
        format!("Basic {valid}"),
        format!("Token {valid}"),
        valid.clone(),
        "Bearer".to_string(),
        "Bearer ".to_string(),
        "Bearer garbage".to_string(),
        "Bearer a.b.c".to_string(),
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.".to_string(),
        format!("Bearer {valid}x"),
    ] {
        let response = get_with_header(&app, "/api/v1/units", &authorization).await;
        assert_eq!(
            response.status,
            401,
            "`{authorization}` got {}: {}",
            response.status,
            response.text()
        );
        assert_unauthorized(&response);
    }
    // The same token as a proper bearer token works.
    get_with_header(&app, "/api/v1/units", &format!("Bearer {valid}"))
        .await
        .expect(200);
}

async fn token_signed_with_another_secret_is_401(app: TestApp) {
    let other = TokenKeys::hs256("another-secret-that-is-long-enough-0123456789");
    let forged = other
        .issue(&claims(&app.org, &["admin"], 600))
        .expect("a token");
    let response = app.get("/api/v1/units", &forged).await;
    assert_unauthorized(&response);
    let response = app
        .post(
            "/api/v1/units",
            &forged,
            json!({"kind": "board", "name": "Omsorgsnämnden"}),
        )
        .await;
    assert_unauthorized(&response);
    assert_eq!(count(&app, "/api/v1/units").await, 0, "nothing was created");
}

async fn expired_token_is_401(app: TestApp) {
    let expired = signed(&claims(&app.org, &["admin"], -3600));
    let response = app.get("/api/v1/units", &expired).await;
    assert_unauthorized(&response);
    // The same claims, not expired, are fine.
    let fresh = signed(&claims(&app.org, &["admin"], 600));
    app.get("/api/v1/units", &fresh).await.expect(200);
}

async fn token_whose_org_is_not_a_uuid_is_401(app: TestApp) {
    for org in ["0683", "värnamo", ""] {
        let token = signed(&claims(org, &["admin"], 600));
        let response = app.get("/api/v1/units", &token).await;
        assert_unauthorized(&response);
    }
    // Units that are not ids are refused the same way.
    let mut bad_units = claims(&app.org, &["admin"], 600);
    bad_units.units = vec!["BUN".into()];
    let response = app.get("/api/v1/units", &signed(&bad_units)).await;
    assert_unauthorized(&response);
}

async fn token_without_roles_is_403(app: TestApp) {
    let model = app.model().await;
    let token = app.token(&[]);
    for path in [
        "/api/v1/units".to_string(),
        "/api/v1/goals".to_string(),
        format!("/api/v1/goals/{}", model.goal),
        format!("/api/v1/units/{}", model.board),
        format!("/api/v1/plan-periods/{}/goal-tree", model.plan_period),
        format!("/api/v1/organizations/{}", app.org),
    ] {
        let response = app.get(&path, &token).await;
        response.problem(403);
    }
    // Roles it does not know give it nothing either.
    let token = app.token(&["superuser", "root"]);
    app.get("/api/v1/units", &token).await.problem(403);
    let response = app
        .post(
            "/api/v1/units",
            &token,
            json!({"kind": "board", "name": "Omsorgsnämnden"}),
        )
        .await;
    response.problem(403);
}

/// A valid create body for each kind of record, against the model.
fn create_bodies(model: &Model) -> Vec<(&'static str, Value)> {
    vec![
        (
            "/api/v1/units",
            json!({"kind": "board", "name": "Omsorgsnämnden", "short_code": "ON"}),
        ),
        (
            "/api/v1/plan-periods",
            json!({"name": "Mandatperioden 2015–2018", "start_date": "2015-01-01", "end_date": "2018-12-31"}),
        ),
        (
            "/api/v1/reporting-periods",
            json!({"plan_period_id": model.plan_period, "kind": "tertial", "name": "Tertial 1 2011",
                   "start_date": "2011-01-01", "end_date": "2011-04-30"}),
        ),
        (
            "/api/v1/visions",
            json!({"plan_period_id": model.plan_period, "vision": "Den mänskliga tillväxtkommunen.",
                   "purpose": "Service kostnadseffektivt och med god kvalitet."}),
        ),
        (
            "/api/v1/perspectives",
            json!({"plan_period_id": model.plan_period, "name": "Miljö", "focus": "both", "position": 3}),
        ),
        (
            "/api/v1/goals",
            json!({"plan_period_id": model.plan_period, "perspective_id": model.perspective,
                   "owner_unit_id": model.council, "number": 2,
                   "title": "Medborgarna ska uppleva att Värnamo är en attraktiv kommun."}),
        ),
        (
            "/api/v1/department-goals",
            json!({"goal_id": model.goal, "owner_unit_id": model.board, "number": 2,
                   "title": "Alla barn ska känna sig trygga i förskolan."}),
        ),
        (
            "/api/v1/activities",
            json!({"team_id": model.team, "goal_id": model.goal, "title": "Trygghetsvandring",
                   "responsible": "Arbetslagsledaren", "due_date": "2011-05-31"}),
        ),
    ]
}

async fn viewer_reads_but_never_writes(app: TestApp) {
    let model = app.model().await;
    let viewer = app.token(&["viewer"]);
    for path in [
        "/api/v1/organizations".to_string(),
        format!("/api/v1/organizations/{}", app.org),
        "/api/v1/units".to_string(),
        format!("/api/v1/units/{}", model.team),
        "/api/v1/plan-periods".to_string(),
        format!("/api/v1/plan-periods/{}", model.plan_period),
        format!("/api/v1/plan-periods/{}/goal-tree", model.plan_period),
        "/api/v1/reporting-periods".to_string(),
        "/api/v1/visions".to_string(),
        "/api/v1/perspectives".to_string(),
        format!("/api/v1/perspectives/{}", model.perspective),
        "/api/v1/goals".to_string(),
        format!("/api/v1/goals/{}", model.goal),
        "/api/v1/department-goals".to_string(),
        format!("/api/v1/department-goals/{}", model.department_goal),
        "/api/v1/activities".to_string(),
        format!("/api/v1/units/{}/activity-plan", model.team),
    ] {
        let response = app.get(&path, &viewer).await;
        assert_eq!(response.status, 200, "GET {path}: {}", response.text());
    }

    for (path, body) in create_bodies(&model) {
        let list = if path == "/api/v1/organizations" {
            None
        } else {
            Some(count(&app, path).await)
        };
        let response = app.post(path, &viewer, body).await;
        assert_eq!(response.status, 403, "POST {path}: {}", response.text());
        response.problem(403);
        if let Some(before) = list {
            assert_eq!(
                count(&app, path).await,
                before,
                "POST {path} created nothing"
            );
        }
    }

    // Changing, archiving and deleting are writes too.
    let goal = format!("/api/v1/goals/{}", model.goal);
    app.patch(&goal, &viewer, json!({"title": "Ändrad"}))
        .await
        .problem(403);
    app.send(
        Method::POST,
        &format!("{goal}/archive"),
        Some(&viewer),
        None,
        &[],
    )
    .await
    .problem(403);
    app.delete(
        &format!("/api/v1/department-goals/{}", model.department_goal),
        &viewer,
    )
    .await
    .problem(403);
    app.patch(
        &format!("/api/v1/organizations/{}", app.org),
        &viewer,
        json!({"name": "Ändrad"}),
    )
    .await
    .problem(403);
    let got = app.get(&goal, &app.admin()).await.expect(200);
    assert_eq!(got["version"], 1, "nothing changed: {got}");
    assert!(got["archived_at"].is_null());
    app.get(
        &format!("/api/v1/department-goals/{}", model.department_goal),
        &app.admin(),
    )
    .await
    .expect(200);
}

/// POSTs each body with the token; returns the statuses by path.
async fn statuses(app: &TestApp, token: &str, model: &Model) -> Vec<(&'static str, u16)> {
    let mut out = Vec::new();
    for (path, body) in create_bodies(model) {
        let response = app.post(path, token, body).await;
        assert!(
            response.status == 201 || response.status == 403,
            "POST {path}: {} {}",
            response.status,
            response.text()
        );
        if response.status == 403 {
            response.problem(403);
        }
        out.push((path, response.status));
    }
    out
}

fn status_of(statuses: &[(&str, u16)], path: &str) -> u16 {
    statuses
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, s)| *s)
        .expect("a status for the path")
}

async fn council_writes_vision_perspectives_and_goals(app: TestApp) {
    let model = app.model().await;
    let council = app.token(&["council"]);
    let got = statuses(&app, &council, &model).await;
    for path in ["/api/v1/visions", "/api/v1/perspectives", "/api/v1/goals"] {
        assert_eq!(status_of(&got, path), 201, "{path}");
    }
    for path in [
        "/api/v1/units",
        "/api/v1/plan-periods",
        "/api/v1/reporting-periods",
        "/api/v1/department-goals",
        "/api/v1/activities",
    ] {
        assert_eq!(status_of(&got, path), 403, "{path}");
    }
    // It may change a goal, too.
    app.patch(
        &format!("/api/v1/goals/{}", model.goal),
        &council,
        json!({"description": "Trygghet i hela kommunen.",
               "revision": revision(&model.council, "2012-06-14")}),
    )
    .await
    .expect(200);
    assert_eq!(count(&app, "/api/v1/goals").await, 2);
    assert_eq!(count(&app, "/api/v1/department-goals").await, 1);
    assert_eq!(count(&app, "/api/v1/units").await, 4);
}

async fn board_writes_department_goals_only(app: TestApp) {
    let model = app.model().await;
    let board = app.scoped_token(&["board"], &[&model.board]);
    let got = statuses(&app, &board, &model).await;
    assert_eq!(status_of(&got, "/api/v1/department-goals"), 201);
    for path in [
        "/api/v1/units",
        "/api/v1/plan-periods",
        "/api/v1/reporting-periods",
        "/api/v1/visions",
        "/api/v1/perspectives",
        "/api/v1/goals",
        "/api/v1/activities",
    ] {
        assert_eq!(status_of(&got, path), 403, "{path}");
    }
    app.patch(
        &format!("/api/v1/goals/{}", model.goal),
        &board,
        json!({"title": "Ändrad"}),
    )
    .await
    .problem(403);
    assert_eq!(count(&app, "/api/v1/goals").await, 1);
    assert_eq!(count(&app, "/api/v1/department-goals").await, 2);
}

async fn team_member_and_manager_write_activities_only(app: TestApp) {
    let model = app.model().await;
    for role in ["team_member", "manager"] {
        let token = app.scoped_token(&[role], &[&model.administration]);
        let got = statuses(&app, &token, &model).await;
        assert_eq!(status_of(&got, "/api/v1/activities"), 201, "{role}");
        for path in [
            "/api/v1/units",
            "/api/v1/plan-periods",
            "/api/v1/reporting-periods",
            "/api/v1/visions",
            "/api/v1/perspectives",
            "/api/v1/goals",
            "/api/v1/department-goals",
        ] {
            assert_eq!(status_of(&got, path), 403, "{role}: {path}");
        }
    }
    assert_eq!(count(&app, "/api/v1/activities").await, 2);
    assert_eq!(count(&app, "/api/v1/goals").await, 1);
}

/// A municipality code for another organization that differs from the test org's.
fn other_code(app: &TestApp, other: &str) -> String {
    let mine = crate::common::code_for(&app.org);
    let code = crate::common::code_for(other);
    if code != mine {
        code
    } else {
        let codes = malstyrning::rules::municipalities::MUNICIPALITIES;
        let next = codes.iter().position(|(c, _)| *c == code).unwrap_or(0) + 1;
        codes[next % codes.len()].0.to_string()
    }
}

async fn organizations_are_isolated_both_ways(app: TestApp) {
    let model = app.model().await;
    let activity = app
        .create(
            "/api/v1/activities",
            json!({"team_id": model.team, "goal_id": model.goal, "title": "Trygghetsvandring"}),
        )
        .await;
    let admin = app.admin();

    let other = app.another_organization().await;
    let other_admin = app.token_for(&other, &["admin"]);
    let other_board = app
        .post(
            "/api/v1/units",
            &other_admin,
            json!({"kind": "board", "name": "Kulturnämnden", "short_code": "KN"}),
        )
        .await;
    other_board.expect(201);
    let other_board = other_board.id();

    // The other organization cannot see, change or delete this one's records.
    for path in [
        format!("/api/v1/units/{}", model.board),
        format!("/api/v1/goals/{}", model.goal),
        format!("/api/v1/activities/{activity}"),
        format!("/api/v1/department-goals/{}", model.department_goal),
        format!("/api/v1/plan-periods/{}", model.plan_period),
        format!("/api/v1/organizations/{}", app.org),
    ] {
        let response = app.get(&path, &other_admin).await;
        assert_eq!(response.status, 404, "GET {path}: {}", response.text());
        response.problem(404);
    }
    app.patch(
        &format!("/api/v1/goals/{}", model.goal),
        &other_admin,
        json!({"title": "Kapad"}),
    )
    .await
    .problem(404);
    app.delete(&format!("/api/v1/activities/{activity}"), &other_admin)
        .await
        .problem(404);
    app.send(
        Method::POST,
        &format!("/api/v1/units/{}/archive", model.team),
        Some(&other_admin),
        None,
        &[],
    )
    .await
    .problem(404);
    app.get(
        &format!("/api/v1/plan-periods/{}/goal-tree", model.plan_period),
        &other_admin,
    )
    .await
    .problem(404);
    app.get(
        &format!("/api/v1/units/{}/activity-plan", model.team),
        &other_admin,
    )
    .await
    .problem(404);
    // Nor point its own records at them.
    let response = app
        .post(
            "/api/v1/units",
            &other_admin,
            json!({"kind": "administration", "name": "Förvaltningen", "parent_id": model.board}),
        )
        .await;
    response.problem(422);
    assert!(
        response.error_fields().contains(&"parent_id".to_string()),
        "{}",
        response.text()
    );

    // Lists show each organization only its own rows.
    let theirs = ids(&app.get("/api/v1/units", &other_admin).await.expect(200));
    assert_eq!(theirs, vec![other_board.clone()]);
    for path in [
        "/api/v1/goals",
        "/api/v1/activities",
        "/api/v1/department-goals",
        "/api/v1/plan-periods",
        "/api/v1/perspectives",
    ] {
        let listed = app.get(path, &other_admin).await.expect(200);
        assert_eq!(ids(&listed), Vec::<String>::new(), "{path}");
    }
    let orgs = app
        .get("/api/v1/organizations", &other_admin)
        .await
        .expect(200);
    assert_eq!(ids(&orgs), vec![other.clone()]);

    // And the other way round.
    app.get(&format!("/api/v1/units/{other_board}"), &admin)
        .await
        .problem(404);
    app.patch(
        &format!("/api/v1/units/{other_board}"),
        &admin,
        json!({"name": "Kapad"}),
    )
    .await
    .problem(404);
    app.get(&format!("/api/v1/organizations/{other}"), &admin)
        .await
        .problem(404);
    let mine = ids(&app.get("/api/v1/units", &admin).await.expect(200));
    assert_eq!(mine.len(), 4);
    assert!(!mine.contains(&other_board));
    assert_eq!(
        ids(&app.get("/api/v1/activities", &admin).await.expect(200)),
        vec![activity.clone()]
    );
    let orgs = app.get("/api/v1/organizations", &admin).await.expect(200);
    assert_eq!(ids(&orgs), vec![app.org.clone()]);

    // Nothing the other organization tried changed anything here.
    let goal = app
        .get(&format!("/api/v1/goals/{}", model.goal), &admin)
        .await
        .expect(200);
    assert_eq!(goal["version"], 1);
    let team = app
        .get(&format!("/api/v1/units/{}", model.team), &admin)
        .await
        .expect(200);
    assert!(team["archived_at"].is_null());
    let theirs = app
        .get(&format!("/api/v1/units/{other_board}"), &other_admin)
        .await
        .expect(200);
    assert_eq!(theirs["name"], "Kulturnämnden");
}

async fn organization_that_does_not_exist_yet_gets_404_with_a_hint(app: TestApp) {
    let missing = uuid::Uuid::new_v4().to_string();
    let token = app.token_for(&missing, &["admin"]);
    let response = app
        .post(
            "/api/v1/units",
            &token,
            json!({"kind": "board", "name": "Omsorgsnämnden"}),
        )
        .await;
    let body = response.problem(404);
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("malstyrning organizations register"),
        "the detail says how to register the organization: {detail}"
    );
    // Reading is simply empty; nothing was stored anywhere.
    let listed = app.get("/api/v1/units", &token).await.expect(200);
    assert_eq!(ids(&listed), Vec::<String>::new());
    assert_eq!(count(&app, "/api/v1/units").await, 0);

    // Once the operator registers it, the same request works.
    app.register(&missing, "Gislaveds kommun", &other_code(&app, &missing))
        .await;
    app.post(
        "/api/v1/units",
        &token,
        json!({"kind": "board", "name": "Omsorgsnämnden"}),
    )
    .await
    .expect(201);
}

backend_tests!(
    no_token_is_401_with_a_bearer_challenge,
    other_schemes_and_garbage_are_401,
    token_signed_with_another_secret_is_401,
    expired_token_is_401,
    token_whose_org_is_not_a_uuid_is_401,
    token_without_roles_is_403,
    viewer_reads_but_never_writes,
    council_writes_vision_perspectives_and_goals,
    board_writes_department_goals_only,
    team_member_and_manager_write_activities_only,
    organizations_are_isolated_both_ways,
    organization_that_does_not_exist_yet_gets_404_with_a_hint,
);
