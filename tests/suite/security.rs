//! The findings of the outside attack (RELIABILITY.md, "Attacks"), each played as it was
//! reported and refused now: a public page under another tenant's code, a tenant taking a
//! municipality's code, webhook subscriptions in a viewer's change feed, a manager taking
//! back a published follow-up, follow-ups of unpublished goals in public, and writes to an
//! archived organization. (Webhook redirects: `tests/webhooks.rs`.)

use std::collections::BTreeSet;

use crate::common::{Model, TestApp};
use actix_web::http::Method;
use serde_json::{json, Value};

/// An anonymous read.
async fn public(app: &TestApp, path: &str) -> crate::common::Resp {
    app.send(Method::GET, path, None, None, &[]).await
}

/// Finding 2: tenant B's code went 0662 → 0680 → 0662 while its public page was read;
/// then tenant C got 0680. `/public/0680` answered B's name and code from the cache.
async fn a_public_page_never_answers_for_another_organization(app: TestApp) {
    if ["0662", "0680"].contains(&crate::common::code_for(&app.org).as_str()) {
        app.set_code(&app.org, "0114").await;
    }
    let b = uuid::Uuid::new_v4().to_string();
    app.register(&b, "Gislaveds kommun", "0662").await;
    public(&app, "/api/v1/public/0662").await.expect(200);

    // The operator moves B to 0680 and back; its page is read under both.
    app.set_code(&b, "0680").await;
    let under_0680 = public(&app, "/api/v1/public/0680").await.expect(200);
    assert_eq!(under_0680["name"], "Gislaveds kommun");
    app.set_code(&b, "0662").await;
    for _ in 0..2 {
        let warm = public(&app, "/api/v1/public/0662").await.expect(200);
        assert_eq!(warm["municipality_code"], "0662");
    }

    let c = uuid::Uuid::new_v4().to_string();
    app.register(&c, "Jönköpings kommun", "0680").await;
    for _ in 0..2 {
        let answer = public(&app, "/api/v1/public/0680").await.expect(200);
        assert_eq!(answer["name"], "Jönköpings kommun", "{answer}");
        assert_eq!(answer["municipality_code"], "0680");
        // B's page is still its own.
        let b_page = public(&app, "/api/v1/public/0662").await.expect(200);
        assert_eq!(b_page["name"], "Gislaveds kommun");
    }
}

/// Finding 3: any tenant admin could take any free code and name. Registering and renaming
/// are the operator's; over the API neither is possible, and the operator's codes are
/// Sweden's.
async fn a_tenant_cannot_take_a_municipality_code_or_name(app: TestApp) {
    if crate::common::code_for(&app.org) == "0180" {
        app.set_code(&app.org, "0114").await;
    }
    let newcomer = uuid::Uuid::new_v4().to_string();
    let token = app.token_for(&newcomer, &["admin"]);
    app.post(
        "/api/v1/organizations",
        &token,
        json!({"name": "Stockholms stad", "municipality_code": "0180"}),
    )
    .await
    .problem(405);
    let mine = format!("/api/v1/organizations/{}", app.org);
    for body in [
        json!({"municipality_code": "0180"}),
        json!({"name": "Stockholms stad"}),
    ] {
        app.patch(&mine, &app.admin(), body).await.problem(403);
    }
    let public_face = public(&app, "/api/v1/public/0180").await;
    public_face.problem(404);
    let own = app.get(&mine, &app.admin()).await.expect(200);
    assert_eq!(own["name"], "Testkommun");
    assert_eq!(own["external_id"], Value::Null);
}

/// Finding 4: a viewer got 403 on `/webhook-subscriptions` but read every subscription's
/// URL in `/changes`. The feed shows each role the kinds it may read, and never a secret.
async fn the_change_feed_shows_a_reader_only_what_it_may_read(app: TestApp) {
    let m = app.model().await;
    let secret = "hemlig-nyckel-som-aldrig-syns";
    app.post(
        "/api/v1/webhook-subscriptions",
        &app.admin(),
        json!({"url": "https://beslutsstod.example.se/hook?token=abc123", "event_types": ["*"],
               "secret": secret, "description": "Hypergene"}),
    )
    .await
    .expect(201);
    // A record of every kind the API holds.
    app.create(
        "/api/v1/activities",
        json!({"team_id": m.team, "goal_id": m.goal, "title": "Trygghetsvandring"}),
    )
    .await;
    let period = app
        .create(
            "/api/v1/reporting-periods",
            json!({"plan_period_id": m.plan_period, "kind": "annual_report", "name": "Årsredovisning 2011",
                   "start_date": "2011-01-01", "end_date": "2011-12-31"}),
        )
        .await;
    app.create(
        "/api/v1/visions",
        json!({"plan_period_id": m.plan_period, "vision": "Den mänskliga tillväxtkommunen.",
               "purpose": "Service kostnadseffektivt och med god kvalitet."}),
    )
    .await;
    app.create(
        "/api/v1/contacts",
        json!({"role": "key_person", "name": "Nyckelperson", "unit_id": m.administration}),
    )
    .await;
    let indicator = app
        .create(
            "/api/v1/indicators",
            json!({"goal_id": m.goal, "name": "Trygghet", "unit_of_measure": "%",
                   "direction": "higher_is_better"}),
        )
        .await;
    app.create(
        "/api/v1/measurements",
        json!({"indicator_id": indicator, "period": "2011", "value": 80.0}),
    )
    .await;
    app.create(
        "/api/v1/follow-ups",
        json!({"reporting_period_id": period, "goal_id": m.goal, "reporting_unit_id": m.administration}),
    )
    .await;

    let kinds_in_feed = |feed: &Value| -> BTreeSet<String> {
        feed["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|c| c["entity_type"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let everything = app
        .get("/api/v1/changes?limit=500", &app.admin())
        .await
        .expect(200);
    let all_kinds = kinds_in_feed(&everything);
    let every_kind: BTreeSet<String> = malstyrning::rules::permissions::KINDS
        .iter()
        .map(|k| k.as_str().to_string())
        .collect();
    assert_eq!(all_kinds, every_kind);
    assert!(!everything.to_string().contains(secret));

    for role in [
        "council",
        "board",
        "manager",
        "team_member",
        "viewer",
        "admin",
    ] {
        let token = app.scoped_token(&[role], &[&m.board]);
        let feed = app
            .get("/api/v1/changes?limit=500", &token)
            .await
            .expect(200);
        // Each kind shows exactly when the role may read it through the API.
        for kind in &all_kinds {
            let collection = match kind.as_str() {
                "activity" => "/api/v1/activities".to_string(),
                other => format!("/api/v1/{}s", other.replace('_', "-")),
            };
            let readable = app.get(&collection, &token).await.status == 200;
            assert_eq!(
                kinds_in_feed(&feed).contains(kind),
                readable,
                "{role}: {kind} in the feed"
            );
        }
        assert!(!feed.to_string().contains(secret), "{role}");
        // The cursor still moves past what is hidden.
        assert_eq!(feed["next_cursor"], everything["next_cursor"], "{role}");
    }
}

/// The model's overarching goal followed up for a reporting period by the administration:
/// submitted, approved and published. Returns (reporting period, follow-up).
async fn published_follow_up(app: &TestApp, m: &Model, goal: Option<&str>) -> (String, String) {
    let period = app
        .create(
            "/api/v1/reporting-periods",
            json!({"plan_period_id": m.plan_period, "kind": "annual_report", "name": "Årsredovisning 2011",
                   "start_date": "2011-01-01", "end_date": "2011-12-31"}),
        )
        .await;
    let follow_up = follow_up_in(app, m, &period, goal.unwrap_or(&m.goal), "goal_id").await;
    (period, follow_up)
}

/// A published follow-up of a goal (`field` `goal_id`) or department goal in a period.
async fn follow_up_in(app: &TestApp, m: &Model, period: &str, goal: &str, field: &str) -> String {
    let mut body = json!({"reporting_period_id": period, "reporting_unit_id": m.administration,
                          "assessment": "partly_achieved", "analysis": "Tryggheten har ökat i skolorna."});
    body[field] = json!(goal);
    let manager = app.scoped_token(&["manager"], &[&m.administration]);
    let id = app
        .post("/api/v1/follow-ups", &manager, body)
        .await
        .expect(201)["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let admin = app.admin();
    for step in ["submit", "approve", "publish"] {
        app.post(
            &format!("/api/v1/follow-ups/{id}/{step}"),
            &admin,
            json!({}),
        )
        .await
        .expect(200);
    }
    id
}

fn public_follow_ups(results: &Value) -> Vec<String> {
    results["follow_ups"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|f| f["id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Finding 5: the reporting unit's manager archived a council-approved, published
/// follow-up (PATCH and DELETE were 409), and could unarchive it at will. Only whoever may
/// approve it withdraws it, with a reason, audited; a withdrawal stands.
async fn a_manager_cannot_take_back_a_published_follow_up(app: TestApp) {
    let m = app.model().await;
    let (period, id) = published_follow_up(&app, &m, None).await;
    let results = format!(
        "/api/v1/public/{}/reporting-periods/{period}/results",
        crate::common::code_for(&app.org)
    );
    assert_eq!(
        public_follow_ups(&public(&app, &results).await.expect(200)),
        vec![id.clone()]
    );
    let path = format!("/api/v1/follow-ups/{id}");
    let manager = app.scoped_token(&["manager"], &[&m.administration]);
    app.post(&format!("{path}/archive"), &manager, json!({}))
        .await
        .problem(409);
    app.post(&format!("{path}/archive"), &app.admin(), json!({}))
        .await
        .problem(409);
    app.post(
        &format!("{path}/withdraw"),
        &manager,
        json!({"reason": "Fel siffror"}),
    )
    .await
    .problem(403);
    let unchanged = app.get(&path, &manager).await.expect(200);
    assert_eq!(unchanged["archived_at"], Value::Null);
    assert_eq!(unchanged["state"], "published");

    // The council, which approved it, withdraws it; a reason is needed.
    let council = app.token(&["council"]);
    let refused = app
        .post(
            &format!("{path}/withdraw"),
            &council,
            json!({"reason": "  "}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["reason"]);
    let withdrawn = app
        .post(
            &format!("{path}/withdraw"),
            &council,
            json!({"reason": "Analysen avsåg fel period."}),
        )
        .await
        .expect(200);
    assert_eq!(withdrawn["withdrawal_reason"], "Analysen avsåg fel period.");
    assert!(withdrawn["archived_at"].is_string());
    assert_eq!(
        public_follow_ups(&public(&app, &results).await.expect(200)),
        Vec::<String>::new()
    );
    // A withdrawal stands, for the manager and the admin alike (the council writes no
    // follow-ups at all).
    for token in [&manager, &app.admin()] {
        app.post(&format!("{path}/unarchive"), token, json!({}))
            .await
            .problem(409);
    }
    app.post(&format!("{path}/unarchive"), &council, json!({}))
        .await
        .problem(403);
    let audit = app
        .get(&format!("/api/v1/audit?entity_id={id}"), &app.admin())
        .await
        .expect(200);
    let archived = audit["items"]
        .as_array()
        .and_then(|items| items.iter().find(|e| e["action"] == "archive").cloned())
        .expect("the withdrawal is audited");
    assert_eq!(
        archived["after"]["withdrawal_reason"],
        "Analysen avsåg fel period."
    );
}

/// Finding 6, on the demo: the manager of goal 5's indicator archived the council-decided
/// indicator (target 75) and added a copy with its own target 50, whose revision 1 carried
/// the council's decision, and goal 5's public status turned from yellow to green. The
/// decided indicator leaves only by decision; the copy, added without one, is a draft that
/// no status counts and the public never sees.
async fn a_manager_cannot_replace_a_council_decided_indicator(app: TestApp) {
    app.make_room_for_the_demo().await;
    app.load_demo();
    let org = app.demo_organization().id.to_string();
    let admin = app.token_for(&org, &["admin"]);
    let indicators = app
        .get("/api/v1/indicators?limit=500", &admin)
        .await
        .expect(200);
    let decided = indicators["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|i| i["external_id"] == "demo-indicator-goal5-engagement")
                .cloned()
        })
        .expect("goal 5's indicator");
    assert_eq!(decided["targets"][0]["value"], 75.0);
    let goal = decided["goal_id"].as_str().expect("its goal").to_string();
    let owner = decided["owner_unit_id"]
        .as_str()
        .expect("its owner")
        .to_string();
    let manager = app.issue(&org, &["manager"], &[&owner]);
    let periods = app
        .get("/api/v1/reporting-periods?limit=500", &admin)
        .await
        .expect(200);
    let periods: Vec<String> = periods["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|p| p["id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let public_status = |period: String| {
        let (app, goal) = (&app, &goal);
        async move {
            let path = format!("/api/v1/public/0683/reporting-periods/{period}/results");
            let results = public(app, &path).await.expect(200);
            results["goals"]
                .as_array()
                .and_then(|goals| goals.iter().find(|g| g["id"] == json!(goal)).cloned())
                .map(|g| g["status"].clone())
                .unwrap_or(Value::Null)
        }
    };
    let mut before = Vec::new();
    for period in &periods {
        before.push(public_status(period.clone()).await);
    }

    let path = format!(
        "/api/v1/indicators/{}",
        decided["id"].as_str().unwrap_or_default()
    );
    app.post(&format!("{path}/archive"), &manager, json!({}))
        .await
        .problem(409);
    app.delete(&path, &manager).await.problem(409);
    let mut copy = json!({"goal_id": goal, "owner_unit_id": owner, "source": "survey",
                          "targets": [{"from": "2011", "to": "2014", "value": 50.0}]});
    for field in [
        "name",
        "unit_of_measure",
        "direction",
        "yellow_tolerance",
        "tolerance_unit",
    ] {
        copy[field] = decided[field].clone();
    }
    let copy = app
        .post("/api/v1/indicators", &manager, copy)
        .await
        .expect(201);
    let revisions = app
        .get(
            &format!(
                "/api/v1/indicators/{}/revisions",
                copy["id"].as_str().unwrap_or_default()
            ),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(revisions["items"], json!([]), "no decision is copied");

    let mut after = Vec::new();
    for period in &periods {
        after.push(public_status(period.clone()).await);
    }
    assert_eq!(after, before);
    let public_indicators = public(&app, "/api/v1/public/0683/indicators")
        .await
        .expect(200);
    assert!(!public_indicators
        .to_string()
        .contains(copy["id"].as_str().unwrap_or("-")));
    let still = app.get(&path, &admin).await.expect(200);
    assert_eq!(still["archived_at"], Value::Null);
}

/// Finding 7: public results listed published follow-ups of draft or retired goals, while
/// the goal itself was 404 in public.
async fn public_results_show_follow_ups_of_public_goals_only(app: TestApp) {
    let m = app.model().await;
    let (period, of_goal) = published_follow_up(&app, &m, None).await;
    // The model's department goal is a draft.
    let of_draft = follow_up_in(&app, &m, &period, &m.department_goal, "department_goal_id").await;
    // Goal 2, adopted and followed up, then retired by decision.
    let retired = app
        .create(
            "/api/v1/goals",
            crate::common::adopted(
                json!({"plan_period_id": m.plan_period, "perspective_id": m.perspective,
                       "owner_unit_id": m.council, "number": 2, "title": "Fler ska välja att bo i kommunen."}),
                &m.council,
            ),
        )
        .await;
    let of_retired = follow_up_in(&app, &m, &period, &retired, "goal_id").await;
    app.patch(
        &format!("/api/v1/goals/{retired}"),
        &app.admin(),
        json!({"state": "retired", "revision": crate::common::revision(&m.council, "2012-06-14")}),
    )
    .await
    .expect(200);

    let code = crate::common::code_for(&app.org);
    let results = public(
        &app,
        &format!("/api/v1/public/{code}/reporting-periods/{period}/results"),
    )
    .await
    .expect(200);
    let shown = public_follow_ups(&results);
    assert_eq!(shown, vec![of_goal], "not {of_draft} nor {of_retired}");
    for goal in [&m.department_goal, &retired] {
        public(&app, &format!("/api/v1/public/{code}/goals/{goal}"))
            .await
            .problem(404);
    }
}

/// Finding 8: an archived organization kept writing (`POST /units` → 201). It is read-only,
/// imports and Kolada included, until its admin restores it.
async fn an_archived_organization_is_read_only(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    // An indicator the Kolada fixture feeds (Värnamo's code, the operator's).
    app.set_code(&app.org, "0683").await;
    app.create(
        "/api/v1/indicators",
        json!({"goal_id": m.goal, "owner_unit_id": m.council, "source": "kolada",
               "kolada_kpi": "N00401", "kolada_municipality": "0683",
               "name": "Utsläpp av växthusgaser", "unit_of_measure": "ton CO2-ekv/inv",
               "direction": "lower_is_better"}),
    )
    .await;
    let org = format!("/api/v1/organizations/{}", app.org);
    app.post(&format!("{org}/archive"), &admin, json!({}))
        .await
        .expect(200);

    let unit = json!({"kind": "board", "name": "Kulturnämnden"});
    let refused = app.post("/api/v1/units", &admin, unit.clone()).await;
    let problem = refused.problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("archived"),
        "{problem}"
    );
    app.patch(
        &format!("/api/v1/units/{}", m.team),
        &admin,
        json!({"name": "Nytt namn"}),
    )
    .await
    .problem(409);
    app.post(
        &format!("/api/v1/units/{}/archive", m.team),
        &admin,
        json!({}),
    )
    .await
    .problem(409);
    app.delete(&format!("/api/v1/units/{}", m.team), &admin)
        .await
        .problem(409);
    let rows =
        json!([{"type": "unit", "external_id": "kn", "kind": "board", "name": "Kulturnämnden"}]);
    app.send(
        Method::POST,
        "/api/v1/import",
        Some(&admin),
        Some(rows.to_string().into_bytes()),
        &[("Content-Type", "application/json")],
    )
    .await
    .problem(409);
    let kolada = include_str!("../../fixtures/kolada/varnamo-0683.json");
    app.send(
        Method::POST,
        "/api/v1/kolada/import",
        Some(&admin),
        Some(kolada.as_bytes().to_vec()),
        &[("Content-Type", "application/json")],
    )
    .await
    .problem(409);
    let values = app
        .get("/api/v1/measurements?limit=500", &admin)
        .await
        .expect(200);
    assert_eq!(values["items"], json!([]));
    let units = app.get("/api/v1/units?limit=500", &admin).await.expect(200);
    assert_eq!(units["items"].as_array().map(Vec::len), Some(4));

    // Restored, it writes again.
    app.post(&format!("{org}/unarchive"), &admin, json!({}))
        .await
        .expect(200);
    app.post("/api/v1/units", &admin, unit).await.expect(201);
}

backend_tests!(
    a_public_page_never_answers_for_another_organization,
    a_tenant_cannot_take_a_municipality_code_or_name,
    the_change_feed_shows_a_reader_only_what_it_may_read,
    a_manager_cannot_take_back_a_published_follow_up,
    a_manager_cannot_replace_a_council_decided_indicator,
    public_results_show_follow_ups_of_public_goals_only,
    an_archived_organization_is_read_only,
);

/// The operator's command line registers organizations with Sweden's codes only, and sets
/// a code and name.
#[test]
fn the_operator_registers_organizations_with_swedish_codes() {
    let dir = std::env::temp_dir().join(format!("malstyrning-operator-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let url = format!("sqlite://{}", dir.join("operator.db").display());
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_malstyrning"))
            .arg("organizations")
            .args(args)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("the command runs")
    };
    let refused = run(&["register", "--code", "0999"]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("municipality"), "{said}");

    let registered = run(&["register", "--code", "0683", "--name", "Värnamo kommun"]);
    assert!(
        registered.status.success(),
        "{}",
        String::from_utf8_lossy(&registered.stderr)
    );
    let line = String::from_utf8_lossy(&registered.stdout).to_string();
    assert!(line.contains("0683\tVärnamo kommun"), "{line}");
    assert!(!run(&["register", "--code", "0683"]).status.success());

    let moved = run(&[
        "set",
        "--org",
        "0683",
        "--code",
        "0662",
        "--name",
        "Gislaveds kommun",
    ]);
    assert!(
        moved.status.success(),
        "{}",
        String::from_utf8_lossy(&moved.stderr)
    );
    let listed = String::from_utf8_lossy(&run(&["list"]).stdout).to_string();
    assert!(listed.contains("0662\tGislaveds kommun"), "{listed}");
    assert!(!listed.contains("0683"), "{listed}");
    let _ = std::fs::remove_dir_all(&dir);
}
