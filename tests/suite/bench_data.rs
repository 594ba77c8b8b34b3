//! Benchmark data (`malstyrning demo --scale N`): a generated municipality has Värnamo's
//! size, reads through the API like data written through it, and running the generator
//! again adds only the municipalities that are missing.

use actix_web::http::Method;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::{code_for, TestApp};
use malstyrning::bench_data::{self, Size, Summary};
use malstyrning::db::schema;

/// Runs the generator on the app's database.
fn generate(app: &TestApp, count: usize, size: &Size) -> Summary {
    let mut conn = app.store.pool.get().expect("a connection");
    let mut lines = Vec::new();
    let summary = bench_data::generate(&mut conn, count, size, |line| lines.push(line.to_string()))
        .expect("the benchmark data generates");
    assert_eq!(lines.len(), count, "one line of progress per municipality");
    summary
}

/// The test organization's code is derived from its id; should it be one the generator
/// uses, move it aside.
async fn make_room(app: &TestApp, count: usize) {
    let generated: Vec<String> = (0..count).map(bench_data::municipality_code).collect();
    if generated.contains(&code_for(&app.org)) {
        app.set_code(&app.org, "0001").await;
    }
}

fn organization_id(app: &TestApp, code: &str) -> String {
    let mut conn = app.store.pool.get().expect("a connection");
    malstyrning::store::organizations::find_by_code(&mut conn, code)
        .expect("a query")
        .expect("the generated organization")
        .id
        .to_string()
}

/// Rows of one organization in the tables too large for one page of the API.
fn rows(app: &TestApp, org: &str) -> (i64, i64, i64) {
    let mut conn = app.store.pool.get().expect("a connection");
    let conn: &mut malstyrning::db::DbConnection = &mut conn;
    let activities = schema::activities::table
        .filter(schema::activities::organization_id.eq(org))
        .count()
        .get_result(conn)
        .expect("count");
    let measurements = schema::measurements::table
        .filter(schema::measurements::organization_id.eq(org))
        .count()
        .get_result(conn)
        .expect("count");
    let follow_ups = schema::follow_ups::table
        .filter(schema::follow_ups::organization_id.eq(org))
        .count()
        .get_result(conn)
        .expect("count");
    (activities, measurements, follow_ups)
}

/// A GET without a token, answered 200.
async fn anonymous(app: &TestApp, path: &str) -> Value {
    app.send(Method::GET, path, None, None, &[])
        .await
        .expect(200)
}

fn array(value: &Value) -> &Vec<Value> {
    value.as_array().expect("an array")
}

/// The full size (12 boards, 400 teams, 60 department goals, 10 000 activities, 200
/// indicators with 10 years of values, follow-ups for 3 years) through the API.
async fn a_generated_municipality_reads_through_the_api(app: TestApp) {
    make_room(&app, 1).await;
    let size = Size::MUNICIPALITY;
    let summary = generate(&app, 1, &size);
    assert_eq!(summary.created, vec!["3001".to_string()]);
    assert!(summary.skipped.is_empty());
    let counts = summary.counts;
    assert_eq!(counts.organizations, 1);
    assert_eq!(counts.goals, 8);
    assert_eq!(counts.department_goals, 60 + 4, "60 adopted and 4 drafts");
    assert_eq!(counts.activities, 10_000);
    assert_eq!(counts.indicators, 200);
    assert_eq!(counts.reporting_periods, 9);
    // 10 years per indicator, of which a few percent not reported at all.
    assert!((1_800..2_000).contains(&counts.measurements), "{counts:?}");
    // Every adopted goal and department goal per reporting period, but for the follow-ups
    // of the last annual report not yet made.
    assert!((8 * 68..9 * 68).contains(&counts.follow_ups), "{counts:?}");

    let org = organization_id(&app, "3001");
    let token = app.token_for(&org, &["admin"]);
    assert_eq!(
        rows(&app, &org),
        (10_000, counts.measurements as i64, counts.follow_ups as i64)
    );
    let boards = app.items("/api/v1/units?kind=board", &token).await;
    assert_eq!(boards.len(), 12);
    let teams = app.items("/api/v1/units?kind=team", &token).await;
    assert_eq!(teams.len(), 400);
    assert_eq!(
        app.items("/api/v1/units?kind=council", &token).await.len(),
        2
    );
    let department_goals = app.items("/api/v1/department-goals", &token).await;
    assert_eq!(department_goals.len(), 64);
    let indicators = app.items("/api/v1/indicators", &token).await;
    assert_eq!(indicators.len(), 200);
    assert!(
        indicators
            .iter()
            .any(|i| i["source"] == "kolada" && i["kolada_municipality"] == "3001"),
        "some indicators come from Kolada"
    );

    // The goal tree: every activity is counted under its goal.
    let periods = app.items("/api/v1/plan-periods", &token).await;
    assert_eq!(periods.len(), 1);
    let period = periods[0]["id"].as_str().expect("an id");
    let tree = app
        .get(&format!("/api/v1/plan-periods/{period}/goal-tree"), &token)
        .await
        .expect(200);
    assert!(tree["vision"]["vision"].as_str().is_some());
    let perspectives = array(&tree["perspectives"]);
    assert!((3..=4).contains(&perspectives.len()));
    let goals: Vec<&Value> = perspectives
        .iter()
        .flat_map(|p| array(&p["goals"]))
        .collect();
    let numbers: Vec<i64> = goals
        .iter()
        .filter_map(|g| g["goal"]["number"].as_i64())
        .collect();
    assert_eq!(numbers, (1..=8).collect::<Vec<i64>>());
    let activities: u64 = goals
        .iter()
        .filter_map(|g| g["activities_with_department_goals"]["total"].as_u64())
        .sum();
    assert_eq!(activities, 10_000);
    let nodes: usize = goals
        .iter()
        .map(|g| array(&g["department_goals"]).len())
        .sum();
    assert_eq!(nodes, 64);

    // A team's activity plan: its share of the activities, on sheets per goal.
    let team = teams[0]["id"].as_str().expect("an id");
    let plan = app
        .get(&format!("/api/v1/units/{team}/activity-plan"), &token)
        .await
        .expect(200);
    assert_eq!(plan["team"]["id"], json!(team));
    let planned: usize = array(&plan["sheets"])
        .iter()
        .map(|s| array(&s["activities"]).len())
        .sum();
    assert_eq!(planned, 10_000 / 400);

    // The overview of a closed year: everything reported; of the last annual report: some
    // follow-ups still missing, and the deadline has passed.
    let reporting = app.items("/api/v1/reporting-periods", &token).await;
    assert_eq!(reporting.len(), 9);
    let reporting_period = |name: &str| {
        reporting
            .iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p["id"].as_str())
            .unwrap_or_else(|| panic!("no reporting period {name}"))
            .to_string()
    };
    let closed = reporting_period("Årsredovisning 2024");
    let overview = app
        .get(
            &format!("/api/v1/reporting-periods/{closed}/overview"),
            &token,
        )
        .await
        .expect(200);
    assert_eq!(overview["expected_reports"], 68);
    assert_eq!(overview["submitted_reports"], 68);
    assert!(array(&overview["missing_by_unit"]).is_empty());
    let open = reporting_period("Årsredovisning 2025");
    let overview = app
        .get(
            &format!("/api/v1/reporting-periods/{open}/overview"),
            &token,
        )
        .await
        .expect(200);
    assert_eq!(overview["expected_reports"], 68);
    let missing: usize = array(&overview["missing_by_unit"])
        .iter()
        .map(|u| array(&u["missing"]).len())
        .sum();
    let submitted = overview["submitted_reports"].as_u64().expect("a count") as usize;
    assert!(
        missing > 0 && submitted > 0,
        "{missing} missing, {submitted} in"
    );
    assert_eq!(missing + submitted, 68);

    // Statuses: a goal's and an indicator's for the closed year.
    let goal = goals[0]["goal"]["id"].as_str().expect("an id");
    let status = app
        .get(
            &format!("/api/v1/goals/{goal}/status?reporting_period_id={closed}"),
            &token,
        )
        .await
        .expect(200);
    assert!(status["status"].as_str().is_some(), "{status}");
    let indicator = indicators[0]["id"].as_str().expect("an id");
    let status = app
        .get(
            &format!("/api/v1/indicators/{indicator}/status?reporting_period_id={closed}"),
            &token,
        )
        .await
        .expect(200);
    assert_ne!(status["status"], "no_data", "{status}");

    // Adopted goals have their revisions; a goal revised later reads as it was before.
    let mut revised = 0;
    for g in &goals {
        let id = g["goal"]["id"].as_str().expect("an id");
        let revisions = app
            .items(&format!("/api/v1/goals/{id}/revisions"), &token)
            .await;
        assert!((1..=2).contains(&revisions.len()), "{revisions:?}");
        if revisions.len() == 2 {
            revised += 1;
            let then = app
                .get(&format!("/api/v1/goals/{id}?as_of=2023-06-30"), &token)
                .await
                .expect(200);
            assert_eq!(then["title"], revisions[0]["snapshot"]["title"]);
            assert_ne!(then["title"], g["goal"]["title"]);
        }
    }
    assert!(revised > 0, "some goals were revised");
    let then = app
        .get(
            &format!("/api/v1/plan-periods/{period}/goal-tree?as_of=2023-06-30"),
            &token,
        )
        .await
        .expect(200);
    let in_force: usize = array(&then["perspectives"])
        .iter()
        .map(|p| array(&p["goals"]).len())
        .sum();
    assert_eq!(in_force, 8);

    // The public view: adopted goals and department goals only, published results.
    let public = anonymous(&app, "/api/v1/public/3001/goal-tree").await;
    let public_goals: Vec<&Value> = array(&public["perspectives"])
        .iter()
        .flat_map(|p| array(&p["goals"]))
        .collect();
    assert_eq!(public_goals.len(), 8);
    let adopted: usize = public_goals
        .iter()
        .map(|g| array(&g["department_goals"]).len())
        .sum();
    assert_eq!(adopted, 60);
    let results = anonymous(
        &app,
        &format!("/api/v1/public/3001/reporting-periods/{closed}/results"),
    )
    .await;
    assert_eq!(array(&results["follow_ups"]).len(), 68);

    // The test organization got none of it.
    assert!(app.items("/api/v1/goals", &app.admin()).await.is_empty());
}

async fn generating_again_adds_only_the_missing_municipalities(app: TestApp) {
    make_room(&app, 2).await;
    let small = Size {
        boards: 3,
        teams: 12,
        goals: 4,
        department_goals: 6,
        activities: 60,
        indicators: 20,
        years: 3,
    };
    let first = generate(&app, 1, &small);
    assert_eq!(first.created, vec!["3001".to_string()]);
    let org = organization_id(&app, "3001");
    let before = rows(&app, &org);
    assert_eq!(before.0, 60);

    let again = generate(&app, 1, &small);
    assert!(again.created.is_empty());
    assert_eq!(again.skipped, vec!["3001".to_string()]);
    assert_eq!(again.counts.total(), 0);
    assert_eq!(rows(&app, &org), before, "the second run wrote nothing");

    let more = generate(&app, 2, &small);
    assert_eq!(more.created, vec!["3002".to_string()]);
    assert_eq!(more.skipped, vec!["3001".to_string()]);
    assert_eq!(more.counts.organizations, 1);
    assert_eq!(rows(&app, &org), before);
    let other = organization_id(&app, "3002");
    assert_eq!(rows(&app, &other).0, 60);
    // Each sees only its own.
    let token = app.token_for(&org, &["admin"]);
    assert_eq!(app.items("/api/v1/activities", &token).await.len(), 60);
    let organization = app
        .get(
            &format!("/api/v1/organizations/{other}"),
            &app.token_for(&other, &["admin"]),
        )
        .await
        .expect(200);
    assert_eq!(organization["municipality_code"], "3002");
    assert_eq!(
        organization["name"],
        json!(bench_data::municipality_name(1))
    );
}

backend_tests!(
    a_generated_municipality_reads_through_the_api,
    generating_again_adds_only_the_missing_municipalities,
);
