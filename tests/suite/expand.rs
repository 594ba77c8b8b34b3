//! What saves a front end round trips: `?expand=` on the goal tree and the activity plan
//! gives in one answer what it would otherwise fetch goal by goal, and `?fields=` trims the
//! activity plan's lines. Each expansion says the same as the endpoint it saves a call to.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::common::{Model, TestApp};

fn ids_of(rows: &Value) -> BTreeSet<String> {
    rows.as_array()
        .unwrap_or_else(|| panic!("not a list: {rows}"))
        .iter()
        .map(|r| r["id"].as_str().expect("an id").to_string())
        .collect()
}

fn list_ids(rows: &[Value]) -> BTreeSet<String> {
    ids_of(&Value::Array(rows.to_vec()))
}

/// The goal nodes of a tree and, after them, the department goal nodes, each with its id.
fn nodes(tree: &Value) -> Vec<(String, &Value)> {
    let goals: Vec<&Value> = tree["perspectives"]
        .as_array()
        .expect("perspectives")
        .iter()
        .flat_map(|p| p["goals"].as_array().expect("goals"))
        .collect();
    let mut all: Vec<(String, &Value)> = goals
        .iter()
        .map(|g| (g["goal"]["id"].as_str().expect("an id").to_string(), *g))
        .collect();
    for goal in goals {
        for department in goal["department_goals"]
            .as_array()
            .expect("department goals")
        {
            let id = department["department_goal"]["id"].as_str().expect("an id");
            all.push((id.to_string(), department));
        }
    }
    all
}

const EXPANDED_TREE_MEMBERS: [&str; 3] = ["owner_unit", "indicators", "status"];

async fn demo(app: &TestApp) -> (String, String, String) {
    app.make_room_for_the_demo().await;
    let message = app.load_demo();
    assert!(message.starts_with("loaded the demo"), "{message}");
    let org = app.demo_organization().id.to_string();
    let token = app.token_for(&org, &["viewer"]);
    let period = app.items("/api/v1/plan-periods", &token).await[0]["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let report = app
        .items("/api/v1/reporting-periods", &token)
        .await
        .into_iter()
        .find(|r| r["name"] == "Årsredovisning 2011")
        .expect("the annual report 2011");
    let report = report["id"].as_str().expect("an id").to_string();
    (token, period, report)
}

async fn goal_tree_expands_what_a_dashboard_shows(app: TestApp) {
    let (token, period, report) = demo(&app).await;
    let tree_path = format!("/api/v1/plan-periods/{period}/goal-tree");
    let plain = app.get(&tree_path, &token).await.expect(200);
    let tree = app
        .get(
            &format!(
                "{tree_path}?expand=indicators,status,owner,contacts&reporting_period_id={report}"
            ),
            &token,
        )
        .await
        .expect(200);
    assert_eq!(tree["reporting_period_id"], json!(report));

    // Without expand the tree has none of the members; with it, the same tree plus them.
    assert!(plain.get("contacts").is_none() && plain.get("reporting_period_id").is_none());
    let plain_nodes = nodes(&plain);
    let expanded_nodes = nodes(&tree);
    assert_eq!(plain_nodes.len(), expanded_nodes.len());
    let department_goals = app.items("/api/v1/department-goals", &token).await;
    assert_eq!(plain_nodes.len(), 7 + department_goals.len());
    for ((id, plain_node), (expanded_id, node)) in plain_nodes.iter().zip(&expanded_nodes) {
        assert_eq!(id, expanded_id);
        let mut trimmed = (*node).clone();
        for member in EXPANDED_TREE_MEMBERS {
            assert!(plain_node.get(member).is_none(), "{member} in {plain_node}");
            assert!(node.get(member).is_some(), "no {member} in {node}");
            trimmed.as_object_mut().expect("a node").remove(member);
        }
        if let Some(departments) = trimmed
            .get_mut("department_goals")
            .and_then(Value::as_array_mut)
        {
            for department in departments {
                for member in EXPANDED_TREE_MEMBERS {
                    department.as_object_mut().expect("a node").remove(member);
                }
            }
        }
        assert_eq!(&trimmed, *plain_node);
    }

    let mut indicators_in_tree = 0;
    for (id, node) in &expanded_nodes {
        let department = node.get("department_goal").is_some();
        let record = if department {
            &node["department_goal"]
        } else {
            &node["goal"]
        };
        // The owner: the council for a goal, a board for a department goal.
        assert_eq!(node["owner_unit"]["id"], record["owner_unit_id"]);
        let kind = if department { "board" } else { "council" };
        assert_eq!(node["owner_unit"]["kind"], kind, "{node}");
        assert!(node["owner_unit"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty()));

        // The indicators: what GET /indicators?goal_id= lists, each with its status.
        let filter = if department {
            "department_goal_id"
        } else {
            "goal_id"
        };
        let listed = app
            .items(&format!("/api/v1/indicators?{filter}={id}"), &token)
            .await;
        assert_eq!(ids_of(&node["indicators"]), list_ids(&listed), "{id}");
        for indicator in node["indicators"].as_array().expect("indicators") {
            indicators_in_tree += 1;
            let indicator_id = indicator["id"].as_str().expect("an id");
            let own = app
                .get(&format!("/api/v1/indicators/{indicator_id}"), &token)
                .await
                .expect(200);
            let mut without_status = indicator.clone();
            without_status
                .as_object_mut()
                .expect("an indicator")
                .remove("status");
            assert_eq!(without_status, own);
            let status = app
                .get(
                    &format!(
                        "/api/v1/indicators/{indicator_id}/status?reporting_period_id={report}"
                    ),
                    &token,
                )
                .await
                .expect(200);
            assert_eq!(indicator["status"], status);
        }

        // The status: what GET /goals/{id}/status says, without the parts the tree has.
        let path = if department {
            "department-goals"
        } else {
            "goals"
        };
        let status = app
            .get(
                &format!("/api/v1/{path}/{id}/status?reporting_period_id={report}"),
                &token,
            )
            .await
            .expect(200);
        for member in [
            "status",
            "computed_status",
            "rule",
            "explanation",
            "computed_rule",
            "computed_explanation",
            "score",
            "children",
            "assessment",
        ] {
            assert_eq!(node["status"][member], status[member], "{member} of {id}");
        }
    }
    assert_eq!(indicators_in_tree, 10, "the demo's indicators");

    // The steering group: the lead on the tree, the responsible on each perspective.
    let lead = app
        .items("/api/v1/contacts?role=steering_group_lead", &token)
        .await;
    assert!(!lead.is_empty());
    assert_eq!(ids_of(&tree["contacts"]), list_ids(&lead));
    for perspective in tree["perspectives"].as_array().expect("perspectives") {
        let id = perspective["perspective"]["id"].as_str().expect("an id");
        let members = app
            .items(
                &format!("/api/v1/contacts?role=steering_group_member&perspective_id={id}"),
                &token,
            )
            .await;
        assert!(
            !members.is_empty(),
            "the demo has a responsible per perspective"
        );
        assert_eq!(ids_of(&perspective["contacts"]), list_ids(&members));
    }
}

async fn goal_tree_expands_only_what_is_asked(app: TestApp) {
    let (token, period, _) = demo(&app).await;
    let tree = app
        .get(
            &format!("/api/v1/plan-periods/{period}/goal-tree?expand=indicators"),
            &token,
        )
        .await
        .expect(200);
    let nodes = nodes(&tree);
    assert!(nodes
        .iter()
        .any(|(_, n)| !n["indicators"].as_array().expect("a list").is_empty()));
    for (_, node) in nodes {
        assert!(
            node.get("owner_unit").is_none() && node.get("status").is_none(),
            "{node}"
        );
        for indicator in node["indicators"].as_array().expect("indicators") {
            assert!(indicator.get("status").is_none(), "{indicator}");
            assert!(indicator["name"].as_str().is_some());
        }
    }
    assert!(tree.get("contacts").is_none());
    for perspective in tree["perspectives"].as_array().expect("perspectives") {
        assert!(perspective.get("contacts").is_none());
    }
}

async fn goal_tree_refuses_unknown_expansions(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let tree = format!("/api/v1/plan-periods/{}/goal-tree", m.plan_period);
    let refused = app
        .get(&format!("{tree}?expand=indicators,people"), &admin)
        .await;
    let problem = refused.problem(400);
    assert_eq!(refused.error_fields(), vec!["expand"]);
    let detail = problem["detail"].as_str().unwrap_or_default();
    for allowed in ["people", "indicators", "status", "owner", "contacts"] {
        assert!(detail.contains(allowed), "{allowed} in {detail}");
    }

    // A status is for a reporting period: it must be given, and be of this plan period.
    let refused = app.get(&format!("{tree}?expand=status"), &admin).await;
    refused.problem(400);
    assert_eq!(refused.error_fields(), vec!["reporting_period_id"]);
    let report = app
        .create(
            "/api/v1/reporting-periods",
            json!({"plan_period_id": m.plan_period, "kind": "tertial", "name": "Tertial 1 2011",
                   "start_date": "2011-01-01", "end_date": "2011-04-30"}),
        )
        .await;
    let refused = app
        .get(&format!("{tree}?reporting_period_id={report}"), &admin)
        .await;
    refused.problem(400);
    assert_eq!(refused.error_fields(), vec!["reporting_period_id"]);
    let refused = app
        .get(
            &format!("{tree}?expand=status&reporting_period_id=soon"),
            &admin,
        )
        .await;
    refused.problem(400);
    assert_eq!(refused.error_fields(), vec!["reporting_period_id"]);
    let unknown = uuid::Uuid::now_v7();
    app.get(
        &format!("{tree}?expand=status&reporting_period_id={unknown}"),
        &admin,
    )
    .await
    .problem(404);
    let next = app
        .create(
            "/api/v1/plan-periods",
            json!({"name": "Mandatperioden 2015–2018", "start_date": "2015-01-01", "end_date": "2018-12-31"}),
        )
        .await;
    let other = app
        .create(
            "/api/v1/reporting-periods",
            json!({"plan_period_id": next, "kind": "tertial", "name": "Tertial 1 2015",
                   "start_date": "2015-01-01", "end_date": "2015-04-30"}),
        )
        .await;
    let refused = app
        .get(
            &format!("{tree}?expand=status&reporting_period_id={other}"),
            &admin,
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["reporting_period_id"]);

    // With a reporting period of its own, every goal has a status (no values: no data).
    let tree = app
        .get(
            &format!("{tree}?expand=status&reporting_period_id={report}"),
            &admin,
        )
        .await
        .expect(200);
    let nodes = nodes(&tree);
    assert_eq!(nodes.len(), 2);
    for (_, node) in nodes {
        assert_eq!(node["status"]["status"], "insufficient_data", "{node}");
    }
}

/// A team with a sheet for goal 1, one for its department goal and one for the department
/// goal of goal 2 (which has no sheet of its own); indicators on goal 1 and the department
/// goal; a key person above the team and one elsewhere.
struct Plan {
    goal2: String,
    department2: String,
    indicator1: String,
    indicator2: String,
    key_person: String,
}

async fn plan_fixture(app: &TestApp, m: &Model) -> Plan {
    let goal2 = app
        .create(
            "/api/v1/goals",
            json!({"plan_period_id": m.plan_period, "perspective_id": m.perspective, "owner_unit_id": m.council,
                   "number": 2, "title": "Invånarna ska ha god tillgång till kultur och fritid.", "state": "adopted",
                   "decision_reference": "KF 2010-11-25 § 123", "decided_on": "2010-11-25", "decided_by_unit_id": m.council}),
        )
        .await;
    let department2 = app
        .create(
            "/api/v1/department-goals",
            json!({"goal_id": goal2, "owner_unit_id": m.board, "number": 2,
                   "title": "Alla elever ska besöka biblioteket varje termin."}),
        )
        .await;
    for body in [
        json!({"team_id": m.team, "goal_id": m.goal, "title": "Trygghetsvandring på skolgården",
               "responsible": "Arbetslagsledaren", "due_date": "2011-05-31"}),
        json!({"team_id": m.team, "department_goal_id": m.department_goal, "title": "Värdegrundsarbete i klasserna",
               "status": "in_progress"}),
        json!({"team_id": m.team, "department_goal_id": department2, "title": "Biblioteksbesök med varje klass",
               "status": "done", "done_on": "2011-04-01"}),
    ] {
        app.create("/api/v1/activities", body).await;
    }
    let indicator = |goal: Value, name: &str| {
        let mut body =
            json!({"name": name, "unit_of_measure": "%", "direction": "higher_is_better"});
        for (k, v) in goal.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        body
    };
    let indicator1 = app
        .create(
            "/api/v1/indicators",
            indicator(
                json!({"goal_id": m.goal}),
                "Andel invånare som känner sig trygga",
            ),
        )
        .await;
    let indicator2 = app
        .create(
            "/api/v1/indicators",
            indicator(
                json!({"department_goal_id": m.department_goal}),
                "Andel elever som känner sig trygga i skolan",
            ),
        )
        .await;
    let key_person = app
        .create(
            "/api/v1/contacts",
            json!({"role": "key_person", "name": "Anna Exempelsson", "unit_id": m.administration}),
        )
        .await;
    let elsewhere = app
        .create(
            "/api/v1/units",
            json!({"kind": "administration", "name": "Tekniska förvaltningen"}),
        )
        .await;
    app.create(
        "/api/v1/contacts",
        json!({"role": "key_person", "name": "Erik Prov", "unit_id": elsewhere}),
    )
    .await;
    app.create(
        "/api/v1/contacts",
        json!({"role": "steering_group_lead", "name": "Karin Testberg"}),
    )
    .await;
    Plan {
        goal2,
        department2,
        indicator1,
        indicator2,
        key_person,
    }
}

const EXPANDED_SHEET_MEMBERS: [&str; 3] = ["overarching_goal", "department_goal", "indicators"];

async fn activity_plan_expands_goals_indicators_and_key_persons(app: TestApp) {
    let m = app.model().await;
    let f = plan_fixture(&app, &m).await;
    let viewer = app.token(&["team_member"]);
    let path = format!("/api/v1/units/{}/activity-plan", m.team);
    let plain = app.get(&path, &viewer).await.expect(200);
    let plan = app
        .get(&format!("{path}?expand=goal,indicators,contacts"), &viewer)
        .await
        .expect(200);

    // The same plan, with the members added.
    assert!(plain.get("contacts").is_none());
    let mut trimmed = plan.clone();
    trimmed.as_object_mut().expect("a plan").remove("contacts");
    for sheet in trimmed["sheets"].as_array_mut().expect("sheets") {
        for member in EXPANDED_SHEET_MEMBERS {
            sheet.as_object_mut().expect("a sheet").remove(member);
        }
    }
    assert_eq!(trimmed, plain);

    let sheets = plan["sheets"].as_array().expect("sheets");
    let shape: Vec<(&str, &str)> = sheets
        .iter()
        .map(|s| {
            (
                s["goal"]["id"].as_str().expect("an id"),
                s["overarching_goal"]["id"]
                    .as_str()
                    .expect("the overarching goal"),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            (m.goal.as_str(), m.goal.as_str()),
            (m.department_goal.as_str(), m.goal.as_str()),
            // Goal 2 has no sheet: its record comes all the same.
            (f.department2.as_str(), f.goal2.as_str()),
        ]
    );
    // The records are the goals as GET answers them.
    let goal = app
        .get(&format!("/api/v1/goals/{}", m.goal), &viewer)
        .await
        .expect(200);
    assert_eq!(sheets[0]["overarching_goal"], goal);
    assert!(sheets[0].get("department_goal").is_none());
    let goal2 = app
        .get(&format!("/api/v1/goals/{}", f.goal2), &viewer)
        .await
        .expect(200);
    assert_eq!(sheets[2]["overarching_goal"], goal2);
    let department = app
        .get(
            &format!("/api/v1/department-goals/{}", m.department_goal),
            &viewer,
        )
        .await
        .expect(200);
    assert_eq!(sheets[1]["department_goal"], department);
    assert_eq!(sheets[2]["department_goal"]["id"], json!(f.department2));

    // Each sheet's goal's indicators.
    let indicators: Vec<BTreeSet<String>> =
        sheets.iter().map(|s| ids_of(&s["indicators"])).collect();
    assert_eq!(
        indicators,
        vec![
            BTreeSet::from([f.indicator1.clone()]),
            BTreeSet::from([f.indicator2.clone()]),
            BTreeSet::new(),
        ]
    );
    let indicator = app
        .get(&format!("/api/v1/indicators/{}", f.indicator1), &viewer)
        .await
        .expect(200);
    assert_eq!(sheets[0]["indicators"][0], indicator);

    // The key person of the team's administration; not another's, not the steering group.
    assert_eq!(
        ids_of(&plan["contacts"]),
        BTreeSet::from([f.key_person.clone()])
    );
    assert_eq!(plan["contacts"][0]["name"], "Anna Exempelsson");

    // Only what is asked for.
    let only_goal = app
        .get(&format!("{path}?expand=goal&goal_id={}", m.goal), &viewer)
        .await
        .expect(200);
    let sheets = only_goal["sheets"].as_array().expect("sheets");
    assert_eq!(sheets.len(), 1);
    assert_eq!(sheets[0]["overarching_goal"]["id"], json!(m.goal));
    assert!(sheets[0].get("indicators").is_none());
    assert!(only_goal.get("contacts").is_none());
}

const TRIMMED: [&str; 5] = ["id", "title", "status", "due_date", "done"];

async fn activity_plan_fields_trim_the_lines(app: TestApp) {
    let m = app.model().await;
    plan_fixture(&app, &m).await;
    let viewer = app.token(&["viewer"]);
    let path = format!("/api/v1/units/{}/activity-plan", m.team);
    let plain = app.get(&path, &viewer).await.expect(200);

    // `id` comes along unasked; nothing else but what was asked.
    let plan = app
        .get(
            &format!("{path}?fields=title,status,due_date,done"),
            &viewer,
        )
        .await
        .expect(200);
    assert_eq!(plan["team"], plain["team"]);
    let lines = |plan: &Value| -> Vec<Value> {
        plan["sheets"]
            .as_array()
            .expect("sheets")
            .iter()
            .flat_map(|s| s["activities"].as_array().expect("lines").clone())
            .collect()
    };
    let full = lines(&plain);
    let trimmed = lines(&plan);
    assert_eq!(trimmed.len(), 3);
    for (line, whole) in trimmed.iter().zip(&full) {
        let members: BTreeSet<&str> = line
            .as_object()
            .expect("a line")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(members, BTreeSet::from(TRIMMED), "{line}");
        for member in TRIMMED {
            assert_eq!(line[member], whole[member]);
        }
    }
    let done: Vec<bool> = trimmed
        .iter()
        .map(|l| l["done"].as_bool().expect("done"))
        .collect();
    assert_eq!(done, vec![false, false, true]);

    // Every member named is the whole line: `fields` knows every member there is.
    let every: Vec<&str> = full[0]
        .as_object()
        .expect("a line")
        .keys()
        .map(String::as_str)
        .collect();
    let all = app
        .get(&format!("{path}?fields={}", every.join(",")), &viewer)
        .await
        .expect(200);
    assert_eq!(all, plain);

    // With an expansion, too: the lines are trimmed, the sheets expanded.
    let both = app
        .get(&format!("{path}?fields=title&expand=goal"), &viewer)
        .await
        .expect(200);
    let sheet = &both["sheets"][0];
    assert_eq!(sheet["overarching_goal"]["id"], json!(m.goal));
    assert_eq!(
        sheet["activities"][0],
        json!({"id": full[0]["id"], "title": full[0]["title"]})
    );
}

async fn activity_plan_refuses_unknown_names_and_csv(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let path = format!("/api/v1/units/{}/activity-plan", m.team);
    for (query, field, allowed) in [
        (
            "expand=goals",
            "expand",
            vec!["goal", "indicators", "contacts"],
        ),
        (
            "fields=title,ansvarig",
            "fields",
            vec!["title", "responsible", "due_date", "overdue"],
        ),
    ] {
        let refused = app.get(&format!("{path}?{query}"), &admin).await;
        let problem = refused.problem(400);
        assert_eq!(refused.error_fields(), vec![field], "{query}");
        let detail = problem["detail"].as_str().unwrap_or_default();
        for name in allowed {
            assert!(detail.contains(&format!("`{name}`")), "{name} in {detail}");
        }
    }
    // The CSV has fixed columns: an expansion or a field list is a mistake there.
    for (query, field) in [
        ("format=csv&expand=goal", "expand"),
        ("format=csv&fields=title", "fields"),
    ] {
        let refused = app.get(&format!("{path}?{query}"), &admin).await;
        refused.problem(400);
        assert_eq!(refused.error_fields(), vec![field], "{query}");
    }
    let refused = app
        .send(
            actix_web::http::Method::GET,
            &format!("{path}?expand=indicators"),
            Some(&admin),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    refused.problem(400);
    assert_eq!(refused.error_fields(), vec!["expand"]);
}

backend_tests!(
    goal_tree_expands_what_a_dashboard_shows,
    goal_tree_expands_only_what_is_asked,
    goal_tree_refuses_unknown_expansions,
    activity_plan_expands_goals_indicators_and_key_persons,
    activity_plan_fields_trim_the_lines,
    activity_plan_refuses_unknown_names_and_csv,
);
