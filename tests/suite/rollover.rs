//! Rolling a plan period over: the demo's mandate period 2011–2014 becomes 2015–2018 with its
//! goal model copied as drafts, each copy linked to its predecessor, the source unchanged.

use std::collections::{HashMap, HashSet};

use crate::common::TestApp;
use actix_web::http::Method;
use serde_json::{json, Value};

const NEXT: &str = "Mandatperioden 2015–2018";

/// The demo loaded; its id and its plan period's id.
async fn demo(app: &TestApp) -> (String, String) {
    app.make_room_for_the_demo().await;
    app.load_demo();
    let org = app.demo_organization().id.to_string();
    let admin = app.token_for(&org, &["admin"]);
    let periods = items(app, "/api/v1/plan-periods", &admin).await;
    (org, id(&periods[0]))
}

async fn items(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let page = app
        .get(&format!("{path}{separator}limit=500"), token)
        .await
        .expect(200);
    page["items"].as_array().cloned().expect("items")
}

fn id(record: &Value) -> String {
    record["id"].as_str().expect("an id").to_string()
}

fn by_id(records: &[Value]) -> HashMap<String, Value> {
    records.iter().map(|r| (id(r), r.clone())).collect()
}

fn next_period() -> Value {
    json!({"name": NEXT, "start_date": "2015-01-01", "end_date": "2018-12-31",
           "external_id": "mandatperiod-2015-2018"})
}

async fn roll_over(app: &TestApp, period: &str, token: &str, body: Value) -> crate::common::Resp {
    app.post(
        &format!("/api/v1/plan-periods/{period}/roll-over"),
        token,
        body,
    )
    .await
}

/// Everything of the organization a roll-over could touch, to compare before and after.
async fn everything(app: &TestApp, token: &str) -> Vec<Vec<Value>> {
    let mut all = Vec::new();
    for path in [
        "/api/v1/plan-periods",
        "/api/v1/reporting-periods",
        "/api/v1/visions",
        "/api/v1/perspectives",
        "/api/v1/goals",
        "/api/v1/department-goals",
        "/api/v1/indicators",
        "/api/v1/measurements",
        "/api/v1/activities",
        "/api/v1/follow-ups",
    ] {
        all.push(items(app, &format!("{path}?include_archived=true"), token).await);
    }
    all.push(items(app, "/api/v1/audit", token).await);
    all
}

/// The goal tree's shape: perspectives in order with their goals and department goals.
fn shape(tree: &Value) -> Value {
    let nodes = |value: &Value| value.as_array().cloned().unwrap_or_default();
    json!({
        "vision": [tree["vision"]["vision"], tree["vision"]["purpose"]],
        "perspectives": nodes(&tree["perspectives"]).iter().map(|p| json!({
            "name": p["perspective"]["name"],
            "focus": p["perspective"]["focus"],
            "position": p["perspective"]["position"],
            "goals": nodes(&p["goals"]).iter().map(|g| json!({
                "number": g["goal"]["number"],
                "title": g["goal"]["title"],
                "footnotes": g["goal"]["footnotes"],
                "owner": g["goal"]["owner_unit_id"],
                "department_goals": nodes(&g["department_goals"]).iter().map(|d| json!({
                    "owner": d["department_goal"]["owner_unit_id"],
                    "number": d["department_goal"]["number"],
                    "title": d["department_goal"]["title"],
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// The goals of a goal tree with their activity counts (direct and of department goals).
fn activity_counts(tree: &Value) -> Vec<(i64, Value)> {
    let mut counts = Vec::new();
    for perspective in tree["perspectives"].as_array().into_iter().flatten() {
        for goal in perspective["goals"].as_array().into_iter().flatten() {
            counts.push((
                goal["goal"]["number"].as_i64().unwrap_or_default(),
                goal["activities_with_department_goals"].clone(),
            ));
        }
    }
    counts
}

async fn the_council_rolls_the_demo_over_into_drafts(app: TestApp) {
    let (org, source) = demo(&app).await;
    let admin = app.token_for(&org, &["admin"]);
    let council = app.token_for(&org, &["council"]);

    // The source period has values and a follow-up, which stay its own.
    let indicators = items(&app, "/api/v1/indicators", &admin).await;
    let result = indicators
        .iter()
        .find(|i| i["external_id"] == "demo-indicator-goal3-result")
        .expect("goal 3's indicator");
    app.post(
        "/api/v1/measurements",
        &admin,
        json!({"indicator_id": id(result), "period": "2011", "value": 2.4}),
    )
    .await
    .expect(201);
    let reporting = items(&app, "/api/v1/reporting-periods", &admin).await;
    let annual = reporting
        .iter()
        .find(|r| r["external_id"] == "demo-ar-2011")
        .expect("the annual report 2011");
    let units = items(&app, "/api/v1/units", &admin).await;
    let klk = units
        .iter()
        .find(|u| u["short_code"] == "Klk")
        .expect("Kommunledningskontoret");
    app.post(
        "/api/v1/follow-ups",
        &admin,
        json!({"goal_id": result["goal_id"], "reporting_period_id": id(annual),
               "reporting_unit_id": id(klk), "assessment": "partly_achieved",
               "analysis": "Resultatet når 2 % men inte 2,5 % i snitt."}),
    )
    .await
    .expect(201);

    let source_tree_path = format!("/api/v1/plan-periods/{source}/goal-tree");
    let source_tree = app.get(&source_tree_path, &admin).await.expect(200);
    let before = everything(&app, &admin).await;
    let audit_before = before.last().map(Vec::len).unwrap_or_default();

    let response = roll_over(&app, &source, &council, next_period()).await;
    let body = response.expect(201);
    let period = id(&body["plan_period"]);
    assert_eq!(
        response.header("location").as_deref(),
        Some(format!("/api/v1/plan-periods/{period}").as_str())
    );
    assert_eq!(body["plan_period"]["name"], NEXT);
    assert_eq!(body["plan_period"]["start_date"], "2015-01-01");
    assert_eq!(body["plan_period"]["end_date"], "2018-12-31");
    assert_eq!(body["plan_period"]["external_id"], "mandatperiod-2015-2018");
    assert_eq!(body["source_plan_period_id"], json!(source));
    // One vision, three perspectives, seven goals, five department goals (the draft one
    // too), ten indicators, and the eight activities still planned or in progress.
    assert_eq!(
        body["copied"],
        json!({"visions": 1, "perspectives": 3, "goals": 7, "department_goals": 5,
               "indicators": 10, "activities": 8})
    );
    let ids: HashMap<String, String> = body["ids"]
        .as_object()
        .expect("the id map")
        .iter()
        .map(|(old, new)| (old.clone(), new.as_str().expect("an id").to_string()))
        .collect();
    assert_eq!(ids.len(), 34);
    let copy_of =
        |old: &Value| -> Value { json!(ids.get(old.as_str().expect("an id")).expect("a copy")) };

    // The source is as it was, down to the versions; its tree reads the same.
    let after = everything(&app, &admin).await;
    let (plan_periods, visions, perspectives, goals, department_goals, indicators) = (
        &after[0], &after[2], &after[3], &after[4], &after[5], &after[6],
    );
    let (measurements, activities, follow_ups, audit) =
        (&after[7], &after[8], &after[9], &after[10]);
    for (kind, (old, new)) in before.iter().zip(&after).enumerate().take(10) {
        let new: HashMap<String, Value> = by_id(new);
        for record in old {
            assert_eq!(Some(record), new.get(&id(record)), "list {kind} changed");
        }
    }
    assert_eq!(
        app.get(&source_tree_path, &admin).await.expect(200),
        source_tree
    );
    assert_eq!(plan_periods.len(), 2);
    // Measurements, follow-ups and reporting periods are not copied.
    assert_eq!(measurements.len(), before[7].len());
    assert_eq!(follow_ups.len(), before[9].len());
    assert_eq!(after[1].len(), before[1].len());

    // Every copy: a draft of the new period, no decision, no external id, its predecessor
    // named, its references pointing at the other copies.
    let in_new = |records: &Vec<Value>, field: &str| -> Vec<Value> {
        records
            .iter()
            .filter(|r| r[field] == json!(period))
            .cloned()
            .collect()
    };
    let sources = |records: &Vec<Value>| by_id(records);
    let old_goals = sources(&before[4]);
    let old_department_goals = sources(&before[5]);
    let new_visions = in_new(visions, "plan_period_id");
    assert_eq!(new_visions.len(), 1);
    let vision = &new_visions[0];
    let old_vision = &before[2][0];
    assert_eq!(vision["predecessor_id"], old_vision["id"]);
    assert_eq!(vision["vision"], old_vision["vision"]);
    assert_eq!(vision["state"], "draft");
    for field in [
        "decision_reference",
        "decided_on",
        "decided_by_unit_id",
        "external_id",
    ] {
        assert_eq!(vision[field], Value::Null, "vision {field}");
    }
    assert_eq!(in_new(perspectives, "plan_period_id").len(), 3);
    let new_goals = in_new(goals, "plan_period_id");
    assert_eq!(new_goals.len(), 7);
    for goal in &new_goals {
        let old = &old_goals[goal["predecessor_id"].as_str().expect("a predecessor")];
        assert_eq!(copy_of(&old["id"]), goal["id"]);
        assert_eq!(goal["state"], "draft");
        for field in [
            "decision_reference",
            "decided_on",
            "decided_by_unit_id",
            "external_id",
        ] {
            assert_eq!(goal[field], Value::Null, "goal {field}");
        }
        for field in [
            "number",
            "title",
            "description",
            "footnotes",
            "owner_unit_id",
        ] {
            assert_eq!(goal[field], old[field], "goal {field}");
        }
        assert_eq!(goal["perspective_id"], copy_of(&old["perspective_id"]));
        assert_eq!(old["state"], "adopted");
        assert_eq!(old["predecessor_id"], Value::Null);
        // A draft has no revisions.
        let revisions = app
            .get(&format!("/api/v1/goals/{}/revisions", id(goal)), &admin)
            .await
            .expect(200);
        assert_eq!(revisions["items"], json!([]));
    }
    let new_department_goals = in_new(department_goals, "plan_period_id");
    assert_eq!(new_department_goals.len(), 5);
    for goal in &new_department_goals {
        let old = &old_department_goals[goal["predecessor_id"].as_str().expect("a predecessor")];
        assert_eq!(goal["goal_id"], copy_of(&old["goal_id"]));
        assert_eq!(goal["owner_unit_id"], old["owner_unit_id"]);
        assert_eq!(goal["state"], "draft");
        assert_eq!(goal["decided_by_unit_id"], Value::Null);
        assert_eq!(goal["external_id"], Value::Null);
    }
    let new_goal_ids: HashSet<Value> = new_goals
        .iter()
        .chain(&new_department_goals)
        .map(|g| g["id"].clone())
        .collect();
    let old_indicators = sources(&before[6]);
    let new_indicators: Vec<&Value> = indicators
        .iter()
        .filter(|i| i["predecessor_id"] != Value::Null)
        .collect();
    assert_eq!(new_indicators.len(), 10);
    for indicator in &new_indicators {
        let old = &old_indicators[indicator["predecessor_id"].as_str().expect("a predecessor")];
        let goal = if old["goal_id"].is_null() {
            "department_goal_id"
        } else {
            "goal_id"
        };
        assert_eq!(indicator[goal], copy_of(&old[goal]));
        assert!(new_goal_ids.contains(&indicator[goal]));
        for field in [
            "name",
            "unit_of_measure",
            "direction",
            "baseline_value",
            "targets",
            "source",
            "kolada_kpi",
            "kolada_municipality",
            "owner_unit_id",
        ] {
            assert_eq!(indicator[field], old[field], "indicator {field}");
        }
        assert_eq!(indicator["external_id"], Value::Null);
        let values = items(
            &app,
            &format!("/api/v1/measurements?indicator_id={}", id(indicator)),
            &admin,
        )
        .await;
        assert!(values.is_empty(), "measurements are not copied");
    }
    let old_activities = sources(&before[8]);
    let new_activities: Vec<&Value> = activities
        .iter()
        .filter(|a| a["predecessor_id"] != Value::Null)
        .collect();
    assert_eq!(new_activities.len(), 8);
    for activity in &new_activities {
        let old = &old_activities[activity["predecessor_id"].as_str().expect("a predecessor")];
        assert!(
            ["planned", "in_progress"].contains(&old["status"].as_str().unwrap_or_default()),
            "only open activities move along: {old}"
        );
        for field in ["team_id", "title", "responsible", "due_date", "status"] {
            assert_eq!(activity[field], old[field], "activity {field}");
        }
        let goal = activity["goal_id"]
            .as_str()
            .map(|_| "goal_id")
            .unwrap_or("department_goal_id");
        assert_eq!(activity[goal], copy_of(&old[goal]));
        assert_eq!(activity["done_on"], Value::Null);
    }
    for goal in &new_goals {
        let follow_ups = items(
            &app,
            &format!("/api/v1/follow-ups?goal_id={}", id(goal)),
            &admin,
        )
        .await;
        assert!(follow_ups.is_empty(), "follow-ups are not copied");
    }

    // The new goal tree has the source's shape; its goals carry only the open activities.
    let tree = app
        .get(&format!("/api/v1/plan-periods/{period}/goal-tree"), &admin)
        .await
        .expect(200);
    assert_eq!(shape(&tree), shape(&source_tree));
    assert_eq!(tree["vision"]["state"], "draft");
    for ((number, old), (new_number, new)) in activity_counts(&source_tree)
        .into_iter()
        .zip(activity_counts(&tree))
    {
        assert_eq!(number, new_number);
        assert_eq!(new["planned"], old["planned"], "goal {number}");
        assert_eq!(new["in_progress"], old["in_progress"], "goal {number}");
        assert_eq!(
            (new["done"].clone(), new["cancelled"].clone()),
            (json!(0), json!(0))
        );
    }

    // One audit entry per record written: the plan period and the 34 copies, as creates by
    // the council's token.
    let written: Vec<&Value> = audit.iter().skip(audit_before).collect();
    assert_eq!(written.len(), 35);
    let mut audited: HashSet<String> = HashSet::new();
    for entry in &written {
        assert_eq!(entry["action"], "create");
        assert_eq!(entry["actor_subject"], "test-user");
        assert_eq!(entry["before"], Value::Null);
        audited.insert(entry["entity_id"].as_str().expect("an id").to_string());
    }
    let mut expected: HashSet<String> = ids.values().cloned().collect();
    expected.insert(period.clone());
    assert_eq!(audited, expected);
    let goal_entry = written
        .iter()
        .find(|e| e["entity_type"] == "goal")
        .expect("a goal's entry");
    assert_eq!(goal_entry["after"]["state"], "draft");
    assert!(goal_entry["after"]["predecessor_id"].is_string());
}

async fn what_is_archived_retired_or_done_stays_behind(app: TestApp) {
    let (org, source) = demo(&app).await;
    let admin = app.token_for(&org, &["admin"]);
    let key = |records: &[Value], key: &str| -> String {
        id(records
            .iter()
            .find(|r| r["external_id"] == key)
            .unwrap_or_else(|| panic!("no {key}")))
    };
    let units = items(&app, "/api/v1/units", &admin).await;
    let unit = |code: &str| key(&units, &format!("demo-unit-{}", code.to_lowercase()));
    let goals = items(&app, "/api/v1/goals", &admin).await;
    let archive = |path: String| {
        let admin = admin.clone();
        let app = &app;
        async move {
            app.send(
                Method::POST,
                &format!("{path}/archive"),
                Some(&admin),
                None,
                &[],
            )
            .await
            .expect(200);
        }
    };
    // Goal 2 is retired; BUN's department goal 2, the environment perspective (goals 6 and
    // 7 with it), goal 1's survey indicator and the rescue service's shift team archived;
    // the municipal management office, owner of the economy indicators, too.
    app.patch(
        &format!("/api/v1/goals/{}", key(&goals, "demo-goal-2")),
        &admin,
        json!({"state": "retired", "revision": crate::common::revision(&unit("KF"), "2012-06-14")}),
    )
    .await
    .expect(200);
    let department_goals = items(&app, "/api/v1/department-goals", &admin).await;
    archive(format!(
        "/api/v1/department-goals/{}",
        key(&department_goals, "demo-department-goal-bun-2")
    ))
    .await;
    let perspectives = items(&app, "/api/v1/perspectives", &admin).await;
    archive(format!(
        "/api/v1/perspectives/{}",
        key(&perspectives, "demo-perspective-3")
    ))
    .await;
    // An adopted goal's indicator leaves by decision.
    let indicators = items(&app, "/api/v1/indicators", &admin).await;
    app.post(
        &format!(
            "/api/v1/indicators/{}/retire",
            key(&indicators, "demo-indicator-goal1-safety")
        ),
        &admin,
        json!({"revision": crate::common::revision(&unit("KF"), "2012-06-14")}),
    )
    .await
    .expect(200);
    archive(format!("/api/v1/units/{}", unit("RTJ-A"))).await;
    archive(format!("/api/v1/units/{}", unit("Klk"))).await;

    let body = roll_over(&app, &source, &admin, next_period())
        .await
        .expect(201);
    // Goals 1, 3, 4 and 5; BUN 1, ON 1 and RN 1; the indicators of goals 3–5 and of the three
    // department goals; the open activities of goal 1 and BUN 1 (two) and ON 1: RN 1's is the
    // archived team's.
    assert_eq!(
        body["copied"],
        json!({"visions": 1, "perspectives": 2, "goals": 4, "department_goals": 3,
               "indicators": 6, "activities": 4})
    );
    let period = id(&body["plan_period"]);
    let numbers: Vec<i64> = items(
        &app,
        &format!("/api/v1/goals?plan_period_id={period}"),
        &admin,
    )
    .await
    .iter()
    .filter_map(|g| g["number"].as_i64())
    .collect();
    assert_eq!(numbers, vec![1, 3, 4, 5]);
    // The economy indicators are copied without their archived owner: their status says so.
    let copies: Vec<Value> = items(&app, "/api/v1/indicators", &admin)
        .await
        .into_iter()
        .filter(|i| i["predecessor_id"].is_string())
        .collect();
    let without_owner: Vec<&str> = copies
        .iter()
        .filter(|i| i["owner_unit_id"].is_null())
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(without_owner.len(), 3, "{without_owner:?}");
    let old = by_id(&indicators);
    for copy in copies.iter().filter(|i| i["owner_unit_id"].is_null()) {
        assert_eq!(
            old[copy["predecessor_id"].as_str().expect("an id")]["owner_unit_id"],
            json!(unit("Klk"))
        );
    }
}

async fn only_admin_and_council_roll_over(app: TestApp) {
    let (org, source) = demo(&app).await;
    let admin = app.token_for(&org, &["admin"]);
    let units = items(&app, "/api/v1/units", &admin).await;
    let unit = |code: &str| {
        id(units
            .iter()
            .find(|u| u["short_code"] == code)
            .expect("a demo unit"))
    };
    let before = everything(&app, &admin).await;
    for (role, scope) in [
        ("board", unit("BUN")),
        ("manager", unit("Buf")),
        ("team_member", unit("FSK-BLA")),
        ("viewer", unit("VK")),
    ] {
        let token = app.issue(&org, &[role], &[&scope]);
        let refused = roll_over(&app, &source, &token, next_period()).await;
        let problem = refused.problem(403);
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("rolling a plan period over")),
            "{problem}"
        );
    }
    let anonymous = app
        .send(
            Method::POST,
            &format!("/api/v1/plan-periods/{source}/roll-over"),
            None,
            Some(next_period().to_string().into_bytes()),
            &[("Content-Type", "application/json")],
        )
        .await;
    anonymous.problem(401);
    assert_eq!(everything(&app, &admin).await, before);

    // Admin may, like the council.
    roll_over(&app, &source, &admin, next_period())
        .await
        .expect(201);
}

async fn another_organizations_plan_period_is_404(app: TestApp) {
    let (org, source) = demo(&app).await;
    let admin = app.token_for(&org, &["admin"]);
    let before = everything(&app, &admin).await;
    let other = app.another_organization().await;
    for roles in [&["admin"][..], &["council"][..]] {
        let token = app.token_for(&other, roles);
        roll_over(&app, &source, &token, next_period())
            .await
            .problem(404);
    }
    let unknown = uuid::Uuid::now_v7();
    roll_over(&app, &unknown.to_string(), &admin, next_period())
        .await
        .problem(404);
    roll_over(&app, "not-an-id", &admin, next_period())
        .await
        .problem(400);
    assert_eq!(everything(&app, &admin).await, before);
    let others = app.token_for(&other, &["admin"]);
    assert!(items(&app, "/api/v1/plan-periods", &others)
        .await
        .is_empty());
}

async fn bad_input_is_refused_and_writes_nothing(app: TestApp) {
    let (org, source) = demo(&app).await;
    let admin = app.token_for(&org, &["admin"]);
    // A later period already planned, 2019–2022.
    app.post(
        "/api/v1/plan-periods",
        &admin,
        json!({"name": "Mandatperioden 2019–2022", "start_date": "2019-01-01", "end_date": "2022-12-31"}),
    )
    .await
    .expect(201);
    let before = everything(&app, &admin).await;
    let with = |changes: Value| {
        let mut body = next_period();
        for (k, v) in changes.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        body
    };
    for (body, status, fields) in [
        // Inverted dates, as for any plan period.
        (
            with(json!({"start_date": "2018-12-31", "end_date": "2015-01-01"})),
            422,
            vec!["end_date"],
        ),
        // Not after the source's end.
        (
            with(json!({"start_date": "2014-01-01"})),
            422,
            vec!["start_date"],
        ),
        // Overlapping the period already planned.
        (
            with(json!({"end_date": "2020-12-31"})),
            422,
            vec!["start_date", "end_date"],
        ),
        // A name already used, in any case.
        (
            with(json!({"name": "mandatperioden 2019–2022"})),
            409,
            vec!["name"],
        ),
        (
            with(json!({"external_id": "demo-mandatperiod-2011-2014"})),
            409,
            vec!["external_id"],
        ),
        (with(json!({"name": "  "})), 422, vec!["name"]),
        (
            json!({"start_date": "2015-01-01", "end_date": "2018-12-31"}),
            422,
            vec!["name"],
        ),
        (
            with(json!({"predecessor_id": source})),
            422,
            vec!["predecessor_id"],
        ),
        (
            with(json!({"start_date": "2015-02-30"})),
            422,
            vec!["start_date"],
        ),
    ] {
        let refused = roll_over(&app, &source, &admin, body.clone()).await;
        refused.problem(status);
        assert_eq!(refused.error_fields(), fields, "{body}");
    }
    assert_eq!(everything(&app, &admin).await, before);
}

async fn copies_live_on_and_link_back(app: TestApp) {
    let (org, source) = demo(&app).await;
    let admin = app.token_for(&org, &["admin"]);
    let council = app.token_for(&org, &["council"]);
    let second = roll_over(&app, &source, &council, next_period())
        .await
        .expect(201);
    let second_period = id(&second["plan_period"]);
    let third = roll_over(
        &app,
        &second_period,
        &council,
        json!({"name": "Mandatperioden 2019–2022", "start_date": "2019-01-01", "end_date": "2022-12-31"}),
    )
    .await
    .expect(201);
    // The copies are copied again: the drafts and the still open activities.
    assert_eq!(third["copied"], second["copied"]);

    // A third-period goal goes back to the demo's through the second period's.
    let goals = by_id(&items(&app, "/api/v1/goals", &admin).await);
    let third_period = id(&third["plan_period"]);
    let goal_7 = goals
        .values()
        .find(|g| g["plan_period_id"] == json!(third_period) && g["number"] == 7)
        .expect("goal 7 of 2019–2022");
    let middle = &goals[goal_7["predecessor_id"].as_str().expect("a predecessor")];
    assert_eq!(middle["plan_period_id"], json!(second_period));
    let first = &goals[middle["predecessor_id"].as_str().expect("a predecessor")];
    assert_eq!(first["plan_period_id"], json!(source));
    assert_eq!(first["external_id"], "demo-goal-7");
    assert_eq!(first["predecessor_id"], Value::Null);

    // A copy is a draft like any other: the council adopts it with its decision.
    let kf = items(&app, "/api/v1/units?kind=council", &admin)
        .await
        .into_iter()
        .find(|u| u["short_code"] == "KF")
        .expect("KF");
    let adopted = app
        .patch(
            &format!("/api/v1/goals/{}", id(middle)),
            &council,
            json!({"state": "adopted", "decision_reference": "KF 2014-11-27 § 140",
                   "decided_on": "2014-11-27", "decided_by_unit_id": id(&kf)}),
        )
        .await
        .expect(200);
    assert_eq!(adopted["predecessor_id"], first["id"]);
    let revisions = app
        .get(&format!("/api/v1/goals/{}/revisions", id(middle)), &admin)
        .await
        .expect(200);
    assert_eq!(revisions["items"].as_array().map(Vec::len), Some(1));

    // The link is not a field a client writes.
    let mut body = json!({"plan_period_id": second_period, "perspective_id": middle["perspective_id"],
                          "owner_unit_id": id(&kf), "number": 8, "title": "Ett nytt mål.",
                          "predecessor_id": first["id"]});
    let refused = app.post("/api/v1/goals", &council, body.clone()).await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["predecessor_id"]);
    body = json!({"predecessor_id": null});
    app.patch(&format!("/api/v1/goals/{}", id(goal_7)), &council, body)
        .await
        .problem(422);

    // A record with a successor is archived, not deleted; the last copy can go.
    let visions = items(&app, "/api/v1/visions", &admin).await;
    let vision_of = |period: &str| {
        id(visions
            .iter()
            .find(|v| v["plan_period_id"] == json!(period))
            .expect("a vision"))
    };
    let refused = app
        .delete(
            &format!("/api/v1/visions/{}", vision_of(&second_period)),
            &council,
        )
        .await;
    refused.problem(409);
    app.delete(
        &format!("/api/v1/visions/{}", vision_of(&third_period)),
        &council,
    )
    .await
    .expect(204);
    app.delete(
        &format!("/api/v1/visions/{}", vision_of(&second_period)),
        &council,
    )
    .await
    .expect(204);
}

/// After a roll-over the old and the new result indicator both take Kolada's N03101 for 0683:
/// each year goes to the indicator whose plan period holds it; a year neither holds (a
/// baseline) to both.
/// After a roll-over a team's open activities live in both periods; its plan shows the
/// current period's sheets (the new one, as 2015 has begun), and the old on request.
async fn the_activity_plan_shows_one_plan_period(app: TestApp) {
    let (org, source) = demo(&app).await;
    let admin = app.token_for(&org, &["admin"]);
    let council = app.token_for(&org, &["council"]);
    let team = items(&app, "/api/v1/units?kind=team", &admin)
        .await
        .into_iter()
        .find(|u| u["short_code"] == "FSK-BLA")
        .map(|u| id(&u))
        .expect("a demo team with activities");
    let plan = format!("/api/v1/units/{team}/activity-plan");
    let before = app.get(&plan, &admin).await.expect(200);
    assert_eq!(before["plan_period_id"], json!(source));
    let labels = |plan: &Value| -> Vec<String> {
        plan["sheets"]
            .as_array()
            .expect("sheets")
            .iter()
            .map(|s| s["goal"]["label"].as_str().expect("a label").to_string())
            .collect()
    };
    let old_labels = labels(&before);
    assert!(!old_labels.is_empty(), "{before}");

    let next = roll_over(&app, &source, &council, next_period())
        .await
        .expect(201)["plan_period"]["id"]
        .as_str()
        .expect("the new period")
        .to_string();
    let after = app.get(&plan, &admin).await.expect(200);
    assert_eq!(after["plan_period_id"], json!(next));
    let new_labels = labels(&after);
    assert!(
        !new_labels.is_empty(),
        "the open activities came along: {after}"
    );
    let unique: HashSet<&String> = new_labels.iter().collect();
    assert_eq!(
        unique.len(),
        new_labels.len(),
        "each goal once: {new_labels:?}"
    );
    let sheet_goals = |plan: &Value| -> HashSet<String> {
        plan["sheets"]
            .as_array()
            .expect("sheets")
            .iter()
            .map(|s| s["goal"]["id"].as_str().expect("an id").to_string())
            .collect()
    };
    assert!(
        sheet_goals(&after).is_disjoint(&sheet_goals(&before)),
        "only the new period's goals"
    );
    let old = app
        .get(&format!("{plan}?plan_period_id={source}"), &admin)
        .await
        .expect(200);
    assert_eq!(labels(&old), old_labels, "the old period's plan on request");
    assert_eq!(sheet_goals(&old), sheet_goals(&before));
}

async fn kolada_years_go_to_the_plan_period_that_holds_them(app: TestApp) {
    let (org, period) = demo(&app).await;
    let admin = app.token_for(&org, &["admin"]);
    roll_over(&app, &period, &admin, next_period())
        .await
        .expect(201);
    let lineage = items(&app, "/api/v1/indicators?kolada_kpi=N03101", &admin).await;
    assert_eq!(lineage.len(), 2);
    let (old, new): (Vec<&Value>, Vec<&Value>) =
        lineage.iter().partition(|i| i["predecessor_id"].is_null());
    let row = |year: i32, value: f64| {
        json!({"kpi": "N03101", "municipality": "0683", "period": year,
               "values": [{"gender": "T", "count": 1, "status": "", "value": value, "isdeleted": false}]})
    };
    let page = json!({"count": 3, "values": [row(2008, 1.9), row(2012, 2.9), row(2016, 3.3)],
                      "next_url": null, "previous_url": null});
    app.post("/api/v1/kolada/import", &admin, page)
        .await
        .expect(200);
    let periods_of = |indicator: &Value| {
        let app = &app;
        let admin = admin.clone();
        let path = format!("/api/v1/measurements?indicator_id={}", id(indicator));
        async move {
            let mut periods: Vec<String> = items(app, &path, &admin)
                .await
                .iter()
                .filter_map(|m| m["period"].as_str().map(str::to_string))
                .collect();
            periods.sort();
            periods
        }
    };
    assert_eq!(periods_of(old[0]).await, vec!["2008", "2012"]);
    assert_eq!(periods_of(new[0]).await, vec!["2008", "2016"]);
}

backend_tests!(
    kolada_years_go_to_the_plan_period_that_holds_them,
    the_activity_plan_shows_one_plan_period,
    the_council_rolls_the_demo_over_into_drafts,
    what_is_archived_retired_or_done_stays_behind,
    only_admin_and_council_roll_over,
    another_organizations_plan_period_is_404,
    bad_input_is_refused_and_writes_nothing,
    copies_live_on_and_link_back,
);
