//! The demo organisation (Värnamo kommun, 0683): loading it is idempotent, and what it
//! holds is the source document's model, read back through the API.

use std::collections::BTreeSet;

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::TestApp;
use malstyrning::db::schema;

/// Row counts of the whole database (every organization).
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    organizations: i64,
    units: i64,
    goals: i64,
    department_goals: i64,
    activities: i64,
    contacts: i64,
}

fn counts(app: &TestApp) -> Counts {
    let mut conn = app.store.pool.get().expect("a connection");
    let conn: &mut malstyrning::db::DbConnection = &mut conn;
    Counts {
        organizations: schema::organizations::table
            .count()
            .get_result(conn)
            .expect("count"),
        units: schema::units::table
            .count()
            .get_result(conn)
            .expect("count"),
        goals: schema::goals::table
            .count()
            .get_result(conn)
            .expect("count"),
        department_goals: schema::department_goals::table
            .count()
            .get_result(conn)
            .expect("count"),
        activities: schema::activities::table
            .count()
            .get_result(conn)
            .expect("count"),
        contacts: schema::contacts::table
            .count()
            .get_result(conn)
            .expect("count"),
    }
}

/// Loads the demo and returns an admin token for it.
async fn demo_admin(app: &TestApp) -> (String, String) {
    app.make_room_for_the_demo().await;
    let message = app.load_demo();
    assert!(message.starts_with("loaded the demo"), "{message}");
    let org = app.demo_organization();
    assert_eq!(org.name, "Värnamo kommun");
    let org = org.id.to_string();
    assert!(message.contains(&org), "{message}");
    (app.token_for(&org, &["admin"]), org)
}

async fn items(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let page = app
        .get(&format!("{path}{separator}limit=500"), token)
        .await
        .expect(200);
    assert!(page["next_cursor"].is_null(), "{path} fits one page");
    page["items"].as_array().cloned().expect("items")
}

fn texts<'a>(rows: &'a [Value], field: &str) -> Vec<&'a str> {
    rows.iter().filter_map(|r| r[field].as_str()).collect()
}

async fn loading_the_demo_twice_changes_nothing(app: TestApp) {
    app.make_room_for_the_demo().await;
    let empty = counts(&app);
    assert_eq!(empty.organizations, 1, "only the test organization");
    assert_eq!(empty.goals, 0);

    let first = app.load_demo();
    assert!(first.starts_with("loaded the demo"), "{first}");
    assert!(first.contains("0683"), "{first}");
    let after_first = counts(&app);
    assert_eq!(after_first.organizations, 2);
    assert_eq!(after_first.goals, 7);
    assert!(after_first.units > 10, "{after_first:?}");
    assert!(after_first.department_goals > 0, "{after_first:?}");
    assert!(after_first.activities > 0, "{after_first:?}");
    assert!(after_first.contacts > 0, "{after_first:?}");

    let second = app.load_demo();
    assert!(second.contains("already loaded"), "{second}");
    assert_eq!(counts(&app), after_first, "the second load wrote nothing");

    // Through the API as well: the demo organization holds the same records.
    let org = app.demo_organization();
    assert!(second.contains(&org.id.to_string()), "{second}");
    let token = app.token_for(&org.id.to_string(), &["admin"]);
    assert_eq!(items(&app, "/api/v1/goals", &token).await.len(), 7);
    assert_eq!(
        items(&app, "/api/v1/units", &token).await.len() as i64,
        after_first.units
    );
    assert_eq!(
        items(&app, "/api/v1/activities", &token).await.len() as i64,
        after_first.activities
    );
    // The test organization got none of it.
    assert!(items(&app, "/api/v1/goals", &app.admin()).await.is_empty());
}

async fn demo_goals_perspectives_and_vision(app: TestApp) {
    let (token, _) = demo_admin(&app).await;
    let periods = items(&app, "/api/v1/plan-periods", &token).await;
    assert_eq!(periods.len(), 1);
    let period = periods[0]["id"].as_str().expect("an id").to_string();
    assert_eq!(periods[0]["start_date"], "2011-01-01");
    assert_eq!(periods[0]["end_date"], "2014-12-31");

    let perspectives = items(
        &app,
        &format!("/api/v1/perspectives?plan_period_id={period}"),
        &token,
    )
    .await;
    let described: Vec<(&str, &str)> = perspectives
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default(),
                p["focus"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        described,
        vec![
            ("Medborgar/kundmål", "external"),
            ("Resursmål – Ekonomi och Personal", "internal"),
            ("Miljö", "both"),
        ]
    );

    let goals = items(
        &app,
        &format!("/api/v1/goals?plan_period_id={period}"),
        &token,
    )
    .await;
    let numbers: Vec<i64> = goals.iter().filter_map(|g| g["number"].as_i64()).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 5, 6, 7]);
    let perspective_of = |number: i64| -> &str {
        let goal = goals
            .iter()
            .find(|g| g["number"] == number)
            .expect("the goal");
        let perspective = perspectives
            .iter()
            .find(|p| p["id"] == goal["perspective_id"])
            .expect("its perspective");
        perspective["name"].as_str().unwrap_or_default()
    };
    for (numbers, perspective) in [
        (&[1, 2][..], "Medborgar/kundmål"),
        (&[3, 4, 5][..], "Resursmål – Ekonomi och Personal"),
        (&[6, 7][..], "Miljö"),
    ] {
        for number in numbers {
            assert_eq!(perspective_of(*number), perspective, "goal {number}");
        }
    }
    let goal = |number: i64| goals.iter().find(|g| g["number"] == number).expect("goal");
    let three = goal(3);
    let title = three["title"].as_str().unwrap_or_default();
    assert!(title.contains("2 %") && title.contains("2,5 %"), "{title}");
    let footnotes = three["footnotes"].as_array().expect("footnotes");
    assert!(!footnotes.is_empty(), "goal 3 has a footnote");
    assert!(footnotes
        .iter()
        .all(|f| f.as_str().is_some_and(|f| !f.is_empty())));
    let seven = goal(7)["title"].as_str().unwrap_or_default();
    assert!(seven.contains("40%") && seven.contains("1990"), "{seven}");
    assert!(goals.iter().all(|g| g["state"] == "adopted"));

    // Each goal reads back on its own, too.
    let one = app
        .get(
            &format!("/api/v1/goals/{}", goal(1)["id"].as_str().expect("id")),
            &token,
        )
        .await
        .expect(200);
    assert_eq!(
        one["title"],
        "Invånarna i Värnamo kommun ska känna sig trygga."
    );

    let visions = items(
        &app,
        &format!("/api/v1/visions?plan_period_id={period}"),
        &token,
    )
    .await;
    assert_eq!(visions.len(), 1);
    let vision = visions[0]["vision"].as_str().unwrap_or_default();
    assert!(
        vision.contains("den mänskliga tillväxtkommunen"),
        "{vision}"
    );
    let purpose = visions[0]["purpose"].as_str().unwrap_or_default();
    assert!(purpose.contains("kostnadseffektivt"), "{purpose}");
    // The vision is adopted by KF, like the goals, and its decision is revision 1.
    assert_eq!(visions[0]["state"], "adopted");
    assert_eq!(visions[0]["decision_reference"], "KF 2010-11-25 § 123");
    let id = visions[0]["id"].as_str().expect("id");
    for path in [
        format!("/api/v1/visions/{id}/revisions"),
        format!(
            "/api/v1/goals/{}/revisions",
            goal(1)["id"].as_str().expect("id")
        ),
    ] {
        let revisions = app.get(&path, &token).await.expect(200);
        let numbers: Vec<&Value> = revisions["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| &r["number"])
            .collect();
        assert_eq!(numbers, vec![&json!(1)], "{path}: {revisions}");
        assert_eq!(revisions["items"][0]["valid_from"], "2010-11-25", "{path}");
    }
    let then = app
        .get(&format!("/api/v1/visions/{id}?as_of=2011-01-01"), &token)
        .await
        .expect(200);
    assert_eq!(then["vision"], visions[0]["vision"]);
}

async fn demo_units_department_goals_and_activities(app: TestApp) {
    let (token, _) = demo_admin(&app).await;
    let boards = items(&app, "/api/v1/units?kind=board", &token).await;
    let board_names = texts(&boards, "name");
    for name in [
        "Barn- och utbildningsnämnden",
        "Räddningsnämnden",
        "Omsorgsnämnden",
        "Kulturnämnden",
        "Tekniska nämnden",
        "Miljö- och stadsbyggnadsnämnden",
    ] {
        assert!(board_names.contains(&name), "{name} in {board_names:?}");
    }
    let bun = boards
        .iter()
        .find(|b| b["name"] == "Barn- och utbildningsnämnden")
        .expect("BUN");
    assert_eq!(bun["short_code"], "BUN");

    let administrations = items(&app, "/api/v1/units?kind=administration", &token).await;
    let names = texts(&administrations, "name");
    for name in ["Medborgarkontoret", "Kommunledningskontoret"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    // Every administration sits under a board or the council side, in the same tree.
    let all_units = items(&app, "/api/v1/units", &token).await;
    for administration in &administrations {
        let parent = &administration["parent_id"];
        assert!(
            all_units
                .iter()
                .any(|u| &u["id"] == parent && (u["kind"] == "board" || u["kind"] == "council")),
            "{administration}"
        );
    }

    let department_goals = items(&app, "/api/v1/department-goals", &token).await;
    assert!(!department_goals.is_empty());
    let bun_goals: Vec<&Value> = department_goals
        .iter()
        .filter(|g| g["owner_unit_id"] == bun["id"])
        .collect();
    assert!(!bun_goals.is_empty(), "BUN has department goals");
    for goal in &department_goals {
        let owner = all_units
            .iter()
            .find(|u| u["id"] == goal["owner_unit_id"])
            .expect("the owner is a unit of the organization");
        assert_eq!(owner["kind"], "board", "{goal}");
    }

    let activities = items(&app, "/api/v1/activities", &token).await;
    assert!(!activities.is_empty());
    let statuses: BTreeSet<&str> = texts(&activities, "status").into_iter().collect();
    assert!(statuses.len() >= 3, "{statuses:?}");
    for activity in &activities {
        let done = activity["status"] == "done";
        assert_eq!(!activity["done_on"].is_null(), done, "{activity}");
        assert!(
            activity["goal_id"].is_null() != activity["department_goal_id"].is_null(),
            "{activity}"
        );
        let team = all_units
            .iter()
            .find(|u| u["id"] == activity["team_id"])
            .expect("the team is a unit of the organization");
        assert_eq!(team["kind"], "team");
    }
    // The filters find them, too.
    let done = items(&app, "/api/v1/activities?status=done", &token).await;
    assert!(!done.is_empty());
    assert!(done.iter().all(|a| a["status"] == "done"));
}

async fn demo_goal_tree_holds_everything(app: TestApp) {
    let (token, _) = demo_admin(&app).await;
    let periods = items(&app, "/api/v1/plan-periods", &token).await;
    let period = periods[0]["id"].as_str().expect("an id");
    let tree = app
        .get(&format!("/api/v1/plan-periods/{period}/goal-tree"), &token)
        .await
        .expect(200);
    assert_eq!(tree["plan_period"]["id"], period);
    let vision = tree["vision"]["vision"].as_str().unwrap_or_default();
    assert!(vision.contains("den mänskliga tillväxtkommunen"), "{tree}");
    let purpose = tree["vision"]["purpose"].as_str().unwrap_or_default();
    assert!(purpose.contains("kostnadseffektivt"));

    let perspectives = tree["perspectives"].as_array().expect("perspectives");
    let shape: Vec<(&str, Vec<i64>)> = perspectives
        .iter()
        .map(|p| {
            (
                p["perspective"]["name"].as_str().unwrap_or_default(),
                p["goals"]
                    .as_array()
                    .map(|goals| {
                        goals
                            .iter()
                            .filter_map(|g| g["goal"]["number"].as_i64())
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            ("Medborgar/kundmål", vec![1, 2]),
            ("Resursmål – Ekonomi och Personal", vec![3, 4, 5]),
            ("Miljö", vec![6, 7]),
        ]
    );

    // Every department goal and every activity of the organization is in the tree.
    let department_goals = items(&app, "/api/v1/department-goals", &token).await;
    let activities = items(&app, "/api/v1/activities", &token).await;
    let goal_nodes: Vec<&Value> = perspectives
        .iter()
        .flat_map(|p| p["goals"].as_array().into_iter().flatten())
        .collect();
    let in_tree: BTreeSet<&str> = goal_nodes
        .iter()
        .flat_map(|g| g["department_goals"].as_array().into_iter().flatten())
        .filter_map(|d| d["department_goal"]["id"].as_str())
        .collect();
    let listed: BTreeSet<&str> = department_goals
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(in_tree, listed);
    let counted: i64 = goal_nodes
        .iter()
        .filter_map(|g| g["activities_with_department_goals"]["total"].as_i64())
        .sum();
    assert_eq!(counted, activities.len() as i64);
    let done_in_tree: i64 = goal_nodes
        .iter()
        .filter_map(|g| g["activities_with_department_goals"]["done"].as_i64())
        .sum();
    let done_listed = activities.iter().filter(|a| a["status"] == "done").count();
    assert_eq!(done_in_tree, done_listed as i64);
}

async fn demo_team_activity_plan_csv_is_not_empty(app: TestApp) {
    let (token, _) = demo_admin(&app).await;
    let teams = items(&app, "/api/v1/units?kind=team", &token).await;
    assert!(!teams.is_empty());
    let activities = items(&app, "/api/v1/activities", &token).await;
    // A team that has activities on its plan.
    let team = teams
        .iter()
        .find(|t| activities.iter().any(|a| a["team_id"] == t["id"]))
        .expect("a team with activities");
    let team_id = team["id"].as_str().expect("an id");
    let own: Vec<&Value> = activities
        .iter()
        .filter(|a| a["team_id"] == team["id"])
        .collect();

    let response = app
        .get(
            &format!("/api/v1/units/{team_id}/activity-plan?format=csv"),
            &token,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert!(
        response.content_type().starts_with("text/csv"),
        "{}",
        response.content_type()
    );
    let csv = response.text();
    let lines: Vec<&str> = csv.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.len() > own.len(),
        "a header and a line per activity: {csv}"
    );
    assert!(lines[0].contains("Aktivitet"), "{csv}");
    for activity in &own {
        let title = activity["title"].as_str().unwrap_or_default();
        assert!(csv.contains(title), "{title} in {csv}");
    }

    // The same plan as JSON.
    let plan = app
        .get(&format!("/api/v1/units/{team_id}/activity-plan"), &token)
        .await
        .expect(200);
    let lines: usize = plan["sheets"]
        .as_array()
        .expect("sheets")
        .iter()
        .filter_map(|s| s["activities"].as_array().map(Vec::len))
        .sum();
    assert_eq!(lines, own.len());
}

async fn demo_key_persons_and_steering_group(app: TestApp) {
    let (token, _) = demo_admin(&app).await;
    let units = items(&app, "/api/v1/units", &token).await;
    let perspectives = items(&app, "/api/v1/perspectives", &token).await;

    // Key persons serve administrations: Barn- och utbildningsförvaltningen has two.
    let key_persons = items(&app, "/api/v1/contacts?role=key_person", &token).await;
    assert!(key_persons.len() >= 4, "{key_persons:?}");
    for person in &key_persons {
        let unit = units
            .iter()
            .find(|u| u["id"] == person["unit_id"])
            .expect("the unit is one of the organization's");
        assert_eq!(unit["kind"], "administration", "{person}");
    }
    let buf = units
        .iter()
        .find(|u| u["short_code"] == "Buf")
        .expect("Buf");
    let buf_id = buf["id"].as_str().expect("an id");
    let of_buf = items(&app, &format!("/api/v1/contacts?unit_id={buf_id}"), &token).await;
    assert_eq!(of_buf.len(), 2, "{of_buf:?}");

    // The steering group: one lead, and someone answering for every perspective.
    let leads = items(&app, "/api/v1/contacts?role=steering_group_lead", &token).await;
    assert_eq!(leads.len(), 1, "{leads:?}");
    let members = items(&app, "/api/v1/contacts?role=steering_group_member", &token).await;
    for perspective in &perspectives {
        assert!(
            members
                .iter()
                .any(|m| m["perspective_id"] == perspective["id"]),
            "no one answers for {}",
            perspective["name"]
        );
    }
    let titles = texts(&members, "title");
    for title in ["Ekonomichef", "Personalchef", "Miljöstrateg"] {
        assert!(titles.contains(&title), "{title} in {titles:?}");
    }

    // Every contact has a name and a well-formed address on a reserved domain.
    for contact in key_persons.iter().chain(&leads).chain(&members) {
        assert!(contact["name"].as_str().is_some_and(|n| !n.is_empty()));
        let email = contact["email"].as_str().unwrap_or_default();
        assert!(
            email.ends_with(".example") && email.contains('@'),
            "{email}"
        );
    }
}

backend_tests!(
    loading_the_demo_twice_changes_nothing,
    demo_goals_perspectives_and_vision,
    demo_units_department_goals_and_activities,
    demo_goal_tree_holds_everything,
    demo_team_activity_plan_csv_is_not_empty,
    demo_key_persons_and_steering_group,
);
