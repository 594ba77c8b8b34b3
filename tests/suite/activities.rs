//! Activities of the work teams and a team's activity plan (JSON and CSV).

use crate::common::ids;
use crate::common::{Model, TestApp};
use actix_web::http::Method;
use chrono::NaiveDate;
use serde_json::{json, Value};

const TRYGGA: &str = "Invånarna i Värnamo kommun ska känna sig trygga.";
const VANDRING: &str = "Trygghetsvandring på skolgården med elevrådet";
const CSV_HEADER: &str = "Mål;Aktivitet;Beskrivning;Ansvarig;Klart när;Status;Utförd";

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn days_from_today(days: i64) -> String {
    (today() + chrono::Duration::days(days)).to_string()
}

/// An activity of the model's team for its overarching goal 1.
fn for_goal(m: &Model, title: &str) -> Value {
    json!({"team_id": m.team, "goal_id": m.goal, "title": title, "responsible": "Arbetslagsledaren"})
}

/// An activity of the model's team for its department goal BUN 1.
fn for_department_goal(m: &Model, title: &str) -> Value {
    json!({"team_id": m.team, "department_goal_id": m.department_goal, "title": title,
           "responsible": "Arbetslagsledaren"})
}

/// Sets fields of a JSON object.
fn with(mut body: Value, fields: Value) -> Value {
    for (key, value) in fields.as_object().expect("an object") {
        body[key] = value.clone();
    }
    body
}

async fn archive(app: &TestApp, path: &str) {
    app.send(
        Method::POST,
        &format!("{path}/archive"),
        Some(&app.admin()),
        None,
        &[],
    )
    .await
    .expect(200);
}

// ---------------------------------------------------------------- activities

async fn create_activities_for_a_goal_and_a_department_goal(app: TestApp) {
    let m = app.model().await;
    let created = app
        .post(
            "/api/v1/activities",
            &app.admin(),
            with(
                for_goal(&m, VANDRING),
                json!({"due_date": "2011-05-31", "description": "Elevrådet visar var de känner sig otrygga."}),
            ),
        )
        .await;
    let activity = created.expect(201);
    assert_eq!(activity["team_id"], json!(m.team));
    assert_eq!(activity["goal_id"], json!(m.goal));
    assert!(activity["department_goal_id"].is_null());
    assert_eq!(activity["title"], VANDRING);
    assert_eq!(activity["responsible"], "Arbetslagsledaren");
    assert_eq!(activity["due_date"], "2011-05-31");
    assert_eq!(activity["status"], "planned");
    assert!(activity["done_on"].is_null());
    assert_eq!(created.header("etag").as_deref(), Some("\"1\""));
    let got = app
        .get(
            &created.header("location").expect("a Location header"),
            &app.admin(),
        )
        .await
        .expect(200);
    assert_eq!(got["title"], VANDRING);
    assert_eq!(got["status"], "planned");

    let department = app
        .post(
            "/api/v1/activities",
            &app.admin(),
            for_department_goal(&m, "Värdegrundsarbete i klasserna"),
        )
        .await
        .expect(201);
    assert_eq!(department["department_goal_id"], json!(m.department_goal));
    assert!(department["goal_id"].is_null());
    assert_eq!(department["status"], "planned");
    assert!(department["due_date"].is_null());
}

async fn activity_team_must_be_a_team_unit(app: TestApp) {
    let m = app.model().await;
    for unit in [&m.administration, &m.board, &m.council] {
        let mut body = for_goal(&m, VANDRING);
        body["team_id"] = json!(unit);
        let refused = app.post("/api/v1/activities", &app.admin(), body).await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), vec!["team_id"]);
    }
    let listed = app
        .get("/api/v1/activities?include_archived=true", &app.admin())
        .await
        .expect(200);
    assert!(ids(&listed).is_empty());
}

async fn activity_serves_exactly_one_goal(app: TestApp) {
    let m = app.model().await;
    let both = with(
        for_goal(&m, VANDRING),
        json!({"department_goal_id": m.department_goal}),
    );
    let neither = json!({"team_id": m.team, "title": VANDRING});
    for body in [both, neither] {
        let refused = app.post("/api/v1/activities", &app.admin(), body).await;
        refused.problem(422);
        let fields = refused.error_fields();
        assert!(
            fields
                .iter()
                .any(|f| f == "goal_id" || f == "department_goal_id"),
            "{fields:?}"
        );
    }
    let listed = app
        .get("/api/v1/activities?include_archived=true", &app.admin())
        .await
        .expect(200);
    assert!(ids(&listed).is_empty());

    // A patch may not link an activity to both either.
    let id = app
        .create("/api/v1/activities", for_goal(&m, VANDRING))
        .await;
    let path = format!("/api/v1/activities/{id}");
    app.patch(
        &path,
        &app.admin(),
        json!({"goal_id": m.goal, "department_goal_id": m.department_goal}),
    )
    .await
    .problem(422);
    let got = app.get(&path, &app.admin()).await.expect(200);
    assert_eq!(got["goal_id"], json!(m.goal));
    assert!(got["department_goal_id"].is_null());
}

async fn done_gets_todays_date_unless_given(app: TestApp) {
    let m = app.model().await;
    let id = app
        .create("/api/v1/activities", for_goal(&m, VANDRING))
        .await;
    let path = format!("/api/v1/activities/{id}");

    let before = today();
    let done = app
        .patch(&path, &app.admin(), json!({"status": "done"}))
        .await
        .expect(200);
    let after = today();
    assert_eq!(done["status"], "done");
    let done_on = done["done_on"].as_str().expect("a done date").to_string();
    assert!(
        done_on == before.to_string() || done_on == after.to_string(),
        "done_on {done_on}, today {before}"
    );
    assert_eq!(
        app.get(&path, &app.admin()).await.expect(200)["done_on"],
        json!(done_on)
    );

    // Back in progress: no longer done.
    let reopened = app
        .patch(&path, &app.admin(), json!({"status": "in_progress"}))
        .await
        .expect(200);
    assert_eq!(reopened["status"], "in_progress");
    assert!(reopened["done_on"].is_null());
    let got = app.get(&path, &app.admin()).await.expect(200);
    assert!(got["done_on"].is_null());

    // Done on a given day.
    let dated = app
        .patch(
            &path,
            &app.admin(),
            json!({"status": "done", "done_on": "2011-05-20"}),
        )
        .await
        .expect(200);
    assert_eq!(dated["done_on"], "2011-05-20");

    // Created as done with a date, it keeps that date.
    let created = app
        .post(
            "/api/v1/activities",
            &app.admin(),
            with(
                for_goal(&m, "Bättre belysning vid cykelstället"),
                json!({"status": "done", "done_on": "2011-09-15"}),
            ),
        )
        .await
        .expect(201);
    assert_eq!(created["done_on"], "2011-09-15");
}

async fn done_on_needs_status_done(app: TestApp) {
    let m = app.model().await;
    let refused = app
        .post(
            "/api/v1/activities",
            &app.admin(),
            with(
                for_goal(&m, VANDRING),
                json!({"status": "planned", "done_on": "2011-05-20"}),
            ),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["done_on"]);
    let listed = app
        .get("/api/v1/activities", &app.admin())
        .await
        .expect(200);
    assert!(ids(&listed).is_empty());

    let id = app
        .create("/api/v1/activities", for_goal(&m, VANDRING))
        .await;
    let path = format!("/api/v1/activities/{id}");
    let refused = app
        .patch(&path, &app.admin(), json!({"done_on": "2011-05-20"}))
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["done_on"]);
    let got = app.get(&path, &app.admin()).await;
    let body = got.expect(200);
    assert_eq!(body["status"], "planned");
    assert!(body["done_on"].is_null());
    assert_eq!(got.header("etag").as_deref(), Some("\"1\""));
}

/// Done is a fact: an activity is not done on a day still to come.
async fn done_on_cannot_lie_in_the_future(app: TestApp) {
    let m = app.model().await;
    let later = (chrono::Utc::now() + chrono::Duration::days(3))
        .date_naive()
        .to_string();
    let refused = app
        .post(
            "/api/v1/activities",
            &app.admin(),
            with(
                for_goal(&m, VANDRING),
                json!({"status": "done", "done_on": later}),
            ),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["done_on"]);
    let id = app
        .create("/api/v1/activities", for_goal(&m, VANDRING))
        .await;
    let path = format!("/api/v1/activities/{id}");
    app.patch(
        &path,
        &app.admin(),
        json!({"status": "done", "done_on": later}),
    )
    .await
    .problem(422);
    let done = app
        .patch(
            &path,
            &app.admin(),
            json!({"status": "done", "done_on": "2011-05-20"}),
        )
        .await
        .expect(200);
    assert_eq!(done["done_on"], "2011-05-20");
}

async fn list_activities_filters(app: TestApp) {
    let m = app.model().await;
    // A second team under the same administration, and a third one elsewhere.
    let yellow = app
        .create(
            "/api/v1/units",
            json!({"kind": "team", "name": "Arbetslag Gul", "short_code": "GUL", "parent_id": m.administration}),
        )
        .await;
    let social = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Socialnämnden", "short_code": "SN"}),
        )
        .await;
    let social_administration = app
        .create(
            "/api/v1/units",
            json!({"kind": "administration", "name": "Socialförvaltningen", "parent_id": social}),
        )
        .await;
    let home_care = app
        .create(
            "/api/v1/units",
            json!({"kind": "team", "name": "Hemtjänstgrupp Norr", "parent_id": social_administration}),
        )
        .await;
    let future = days_from_today(60);

    let a1 = app
        .create(
            "/api/v1/activities",
            with(
                for_goal(&m, VANDRING),
                json!({"due_date": "2011-03-15", "status": "planned"}),
            ),
        )
        .await;
    let a2 = app
        .create(
            "/api/v1/activities",
            with(
                for_department_goal(&m, "Värdegrundsarbete i klasserna"),
                json!({"responsible": "Rektor", "due_date": future, "status": "in_progress"}),
            ),
        )
        .await;
    let a3 = app
        .create(
            "/api/v1/activities",
            json!({"team_id": yellow, "goal_id": m.goal, "title": "Rastvärdsschema för skolgården",
                   "responsible": "Arbetslagsledaren", "due_date": "2011-09-30", "status": "done"}),
        )
        .await;
    let a4 = app
        .create(
            "/api/v1/activities",
            json!({"team_id": yellow, "department_goal_id": m.department_goal,
                   "title": "Samtal om trygghet på utvecklingssamtalen", "responsible": "Elevhälsoteamet"}),
        )
        .await;
    let a5 = app
        .create(
            "/api/v1/activities",
            json!({"team_id": home_care, "goal_id": m.goal, "title": "Trygghetslarm till alla som behöver",
                   "responsible": "Enhetschefen", "due_date": "2012-01-31", "status": "in_progress"}),
        )
        .await;
    let a6 = app
        .create(
            "/api/v1/activities",
            with(
                for_goal(&m, "Nattvandring med föräldrar"),
                json!({"due_date": "2011-04-01", "status": "cancelled"}),
            ),
        )
        .await;

    let viewer = app.token(&["viewer"]);
    let list = |query: String| {
        let viewer = viewer.clone();
        let app = &app;
        async move {
            ids(&app
                .get(&format!("/api/v1/activities?{query}"), &viewer)
                .await
                .expect(200))
        }
    };
    let v = |items: &[&String]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    assert_eq!(
        list(String::new()).await,
        v(&[&a1, &a2, &a3, &a4, &a5, &a6])
    );
    assert_eq!(
        list(format!("team_id={}", m.team)).await,
        v(&[&a1, &a2, &a6])
    );
    assert_eq!(list(format!("team_id={yellow}")).await, v(&[&a3, &a4]));
    // A unit above two teams: both teams' activities, not the third team's.
    assert_eq!(
        list(format!("unit_id={}", m.administration)).await,
        v(&[&a1, &a2, &a3, &a4, &a6])
    );
    assert_eq!(
        list(format!("unit_id={}", m.board)).await,
        v(&[&a1, &a2, &a3, &a4, &a6])
    );
    assert_eq!(list(format!("unit_id={social}")).await, v(&[&a5]));
    assert_eq!(
        list(format!("goal_id={}", m.goal)).await,
        v(&[&a1, &a3, &a5, &a6])
    );
    assert_eq!(
        list(format!("department_goal_id={}", m.department_goal)).await,
        v(&[&a2, &a4])
    );
    assert_eq!(list("status=planned".into()).await, v(&[&a1, &a4]));
    assert_eq!(list("status=in_progress".into()).await, v(&[&a2, &a5]));
    assert_eq!(list("status=cancelled".into()).await, v(&[&a6]));
    assert_eq!(
        list("responsible=Arbetslagsledaren".into()).await,
        v(&[&a1, &a3, &a6])
    );
    assert_eq!(
        list("responsible=Elevh%C3%A4lsoteamet".into()).await,
        v(&[&a4])
    );
    assert_eq!(list("due_before=2011-06-01".into()).await, v(&[&a1, &a6]));
    assert_eq!(
        list("due_after=2011-06-01".into()).await,
        v(&[&a2, &a3, &a5])
    );
    assert_eq!(
        list("due_after=2011-03-15&due_before=2011-12-31".into()).await,
        v(&[&a3, &a6])
    );
    // Open and past due: not the done, cancelled, undated or future ones.
    assert_eq!(list("overdue=true".into()).await, v(&[&a1, &a5]));
    assert_eq!(
        list(format!("overdue=true&team_id={}", m.team)).await,
        v(&[&a1])
    );
    // A filtered list in pages: each page in creation order, the next from the cursor.
    let mut pages = Vec::new();
    let mut query = format!("unit_id={}&limit=2", m.board);
    loop {
        let page = app
            .get(&format!("/api/v1/activities?{query}"), &viewer)
            .await
            .expect(200);
        pages.push(ids(&page));
        let Some(cursor) = page["next_cursor"].as_str() else {
            break;
        };
        query = format!("unit_id={}&limit=2&cursor={cursor}", m.board);
    }
    assert_eq!(pages, [v(&[&a1, &a2]), v(&[&a3, &a4]), v(&[&a6])]);
}

async fn team_members_write_activities_viewers_do_not(app: TestApp) {
    let m = app.model().await;
    let member = app.scoped_token(&["team_member"], &[&m.team]);
    let viewer = app.token(&["viewer"]);

    let refused = app
        .post("/api/v1/activities", &viewer, for_goal(&m, VANDRING))
        .await;
    refused.problem(403);
    assert!(ids(&app.get("/api/v1/activities", &viewer).await.expect(200)).is_empty());

    let created = app
        .post("/api/v1/activities", &member, for_goal(&m, VANDRING))
        .await;
    let id = created.expect(201)["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let path = format!("/api/v1/activities/{id}");
    let changed = app
        .patch(&path, &member, json!({"status": "in_progress"}))
        .await
        .expect(200);
    assert_eq!(changed["status"], "in_progress");

    app.patch(&path, &viewer, json!({"status": "cancelled"}))
        .await
        .problem(403);
    let got = app.get(&path, &viewer).await.expect(200);
    assert_eq!(got["status"], "in_progress");

    let manager = app.scoped_token(&["manager"], &[&m.administration]);
    app.post(
        "/api/v1/activities",
        &manager,
        for_department_goal(&m, "Värdegrundsarbete i klasserna"),
    )
    .await
    .expect(201);
}

async fn another_organization_cannot_see_or_change_an_activity(app: TestApp) {
    let m = app.model().await;
    let id = app
        .create("/api/v1/activities", for_goal(&m, VANDRING))
        .await;
    let path = format!("/api/v1/activities/{id}");
    let other = uuid::Uuid::new_v4().to_string();
    let other_admin = app.token_for(&other, &["admin"]);
    app.register(&other, "Gislaveds kommun", &crate::common::code_for(&other))
        .await;

    app.get(&path, &other_admin).await.problem(404);
    app.patch(
        &path,
        &other_admin,
        json!({"title": "Ändrad av fel kommun"}),
    )
    .await
    .problem(404);
    let member = app.token_for(&other, &["team_member"]);
    app.patch(&path, &member, json!({"status": "done"}))
        .await
        .problem(404);
    assert!(ids(&app
        .get("/api/v1/activities", &other_admin)
        .await
        .expect(200))
    .is_empty());

    let got = app.get(&path, &app.admin()).await;
    let body = got.expect(200);
    assert_eq!(body["title"], VANDRING);
    assert_eq!(body["status"], "planned");
    assert_eq!(got.header("etag").as_deref(), Some("\"1\""));
}

async fn second_patch_with_the_same_if_match_fails(app: TestApp) {
    let m = app.model().await;
    let id = app
        .create("/api/v1/activities", for_goal(&m, VANDRING))
        .await;
    let path = format!("/api/v1/activities/{id}");
    let member = app.scoped_token(&["team_member"], &[&m.team]);
    let read = app.get(&path, &member).await;
    read.expect(200);
    let etag = read.header("etag").expect("an ETag");

    let first = app
        .patch_if_match(
            &path,
            &member,
            &etag,
            json!({"responsible": "Rektor", "status": "in_progress"}),
        )
        .await;
    first.expect(200);
    assert_eq!(first.header("etag").as_deref(), Some("\"2\""));
    let second = app
        .patch_if_match(
            &path,
            &member,
            &etag,
            json!({"responsible": "Kuratorn", "status": "cancelled"}),
        )
        .await;
    second.problem(412);

    let got = app.get(&path, &member).await;
    let body = got.expect(200);
    assert_eq!(body["responsible"], "Rektor");
    assert_eq!(body["status"], "in_progress");
    assert_eq!(got.header("etag").as_deref(), Some("\"2\""));
}

async fn simultaneous_patches_with_the_same_if_match(app: TestApp) {
    let m = app.model().await;
    let member = app.scoped_token(&["team_member"], &[&m.team]);
    for round in 0..10 {
        let id = app
            .create(
                "/api/v1/activities",
                for_goal(&m, &format!("{VANDRING} ({round})")),
            )
            .await;
        let path = format!("/api/v1/activities/{id}");
        let (a, b) = futures_util::future::join(
            app.patch_if_match(&path, &member, "\"1\"", json!({"responsible": "Rektor"})),
            app.patch_if_match(&path, &member, "\"1\"", json!({"responsible": "Kuratorn"})),
        )
        .await;
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 412],
            "round {round}: {} / {}",
            a.text(),
            b.text()
        );
        let winner = if a.status == 200 { &a } else { &b };
        let got = app.get(&path, &member).await.expect(200);
        assert_eq!(got["responsible"], winner.json()["responsible"]);
        assert_eq!(got["version"], 2);
    }
}

// ---------------------------------------------------------------- activity plan

/// The model plus goal 2 and department goal BUN 2, and activities for the blue team
/// (one archived) and one for another team. Returns (goal 2, department goal 2).
async fn plan_fixture(app: &TestApp, m: &Model) -> (String, String) {
    let goal2 = app
        .create(
            "/api/v1/goals",
            json!({"plan_period_id": m.plan_period, "perspective_id": m.perspective, "owner_unit_id": m.council,
                   "number": 2, "title": "Invånarna ska ha god tillgång till kultur och fritid.", "state": "adopted", "decision_reference": "KF 2010-11-25 § 123", "decided_on": "2010-11-25", "decided_by_unit_id": m.council}),
        )
        .await;
    let department2 = app
        .create(
            "/api/v1/department-goals",
            json!({"goal_id": m.goal, "owner_unit_id": m.board, "number": 2,
                   "title": "Alla barn ska känna sig trygga i förskolan."}),
        )
        .await;
    let future = days_from_today(60);
    // Created in an order that is neither the sheets' nor the lines'.
    for body in [
        json!({"team_id": m.team, "department_goal_id": department2, "title": "Kartlägga otrygga platser vid förskolan",
               "responsible": "Förskolechefen", "due_date": "2011-10-01", "status": "planned"}),
        json!({"team_id": m.team, "goal_id": goal2, "title": "Besök på biblioteket med varje klass",
               "responsible": "Arbetslagsledaren"}),
        with(
            for_goal(m, "Rastvärdsschema för skolgården"),
            json!({"status": "planned"}),
        ),
        with(
            for_goal(m, VANDRING),
            json!({"due_date": "2011-05-31", "status": "done", "done_on": "2011-05-20",
                   "description": "Elevrådet visar var de känner sig otrygga."}),
        ),
        with(
            for_goal(m, "Temadag om trygghet med föräldrarna"),
            json!({"due_date": "2011-03-15", "status": "planned"}),
        ),
        with(
            for_goal(m, "Uppföljning av trygghetsenkäten"),
            json!({"due_date": future, "status": "in_progress", "responsible": "Elevhälsoteamet"}),
        ),
        with(
            for_department_goal(m, "Värdegrundsarbete i klasserna"),
            json!({"due_date": "2011-09-01", "status": "in_progress"}),
        ),
    ] {
        app.create("/api/v1/activities", body).await;
    }
    let archived = app
        .create(
            "/api/v1/activities",
            with(
                for_goal(m, "Trygghetsenkät till alla föräldrar"),
                json!({"due_date": "2011-02-28"}),
            ),
        )
        .await;
    archive(app, &format!("/api/v1/activities/{archived}")).await;
    let yellow = app
        .create(
            "/api/v1/units",
            json!({"kind": "team", "name": "Arbetslag Gul", "short_code": "GUL", "parent_id": m.administration}),
        )
        .await;
    app.create(
        "/api/v1/activities",
        json!({"team_id": yellow, "goal_id": m.goal, "title": "Faddrar för de nya eleverna"}),
    )
    .await;
    (goal2, department2)
}

fn titles(sheet: &Value) -> Vec<String> {
    sheet["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .map(|a| a["title"].as_str().expect("a title").to_string())
        .collect()
}

async fn activity_plan_groups_activities_by_goal(app: TestApp) {
    let m = app.model().await;
    let (goal2, department2) = plan_fixture(&app, &m).await;
    let viewer = app.token(&["viewer"]);
    let response = app
        .get(&format!("/api/v1/units/{}/activity-plan", m.team), &viewer)
        .await;
    let plan = response.expect(200);
    assert!(
        response.content_type().starts_with("application/json"),
        "{}",
        response.content_type()
    );
    assert_eq!(plan["team"]["id"], json!(m.team));

    let sheets = plan["sheets"].as_array().expect("sheets");
    let goals: Vec<(String, String, String)> = sheets
        .iter()
        .map(|s| {
            (
                s["goal"]["kind"].as_str().expect("a kind").to_string(),
                s["goal"]["id"].as_str().expect("an id").to_string(),
                s["goal"]["label"].as_str().expect("a label").to_string(),
            )
        })
        .collect();
    assert_eq!(
        goals,
        vec![
            ("goal".into(), m.goal.clone(), "1".into()),
            ("goal".into(), goal2.clone(), "2".into()),
            (
                "department_goal".into(),
                m.department_goal.clone(),
                "BUN 1".into()
            ),
            (
                "department_goal".into(),
                department2.clone(),
                "BUN 2".into()
            ),
        ]
    );
    assert_eq!(sheets[0]["goal"]["title"], TRYGGA);
    assert_eq!(
        sheets[3]["goal"]["title"],
        "Alla barn ska känna sig trygga i förskolan."
    );

    // By due date, undated last; the archived one and the other team's are not there.
    assert_eq!(
        titles(&sheets[0]),
        vec![
            "Temadag om trygghet med föräldrarna",
            VANDRING,
            "Uppföljning av trygghetsenkäten",
            "Rastvärdsschema för skolgården",
        ]
    );
    assert_eq!(
        titles(&sheets[1]),
        vec!["Besök på biblioteket med varje klass"]
    );
    assert_eq!(titles(&sheets[2]), vec!["Värdegrundsarbete i klasserna"]);
    assert_eq!(
        titles(&sheets[3]),
        vec!["Kartlägga otrygga platser vid förskolan"]
    );

    let lines = sheets[0]["activities"].as_array().expect("activities");
    let flags: Vec<(bool, bool)> = lines
        .iter()
        .map(|l| {
            (
                l["done"].as_bool().expect("done"),
                l["overdue"].as_bool().expect("overdue"),
            )
        })
        .collect();
    assert_eq!(
        flags,
        vec![(false, true), (true, false), (false, false), (false, false)]
    );
    assert_eq!(lines[1]["done_on"], "2011-05-20");
    assert_eq!(lines[1]["status"], "done");
    assert_eq!(lines[1]["responsible"], "Arbetslagsledaren");
    assert!(lines[0]["done_on"].is_null());
    assert_eq!(sheets[2]["activities"][0]["overdue"], true);
    assert_eq!(sheets[3]["activities"][0]["overdue"], true);
    assert_eq!(sheets[1]["activities"][0]["overdue"], false);
}

async fn activity_plan_for_one_goal(app: TestApp) {
    let m = app.model().await;
    let (_, department2) = plan_fixture(&app, &m).await;
    let plan = app
        .get(
            &format!("/api/v1/units/{}/activity-plan?goal_id={}", m.team, m.goal),
            &app.admin(),
        )
        .await
        .expect(200);
    let sheets = plan["sheets"].as_array().expect("sheets");
    assert_eq!(sheets.len(), 1, "{sheets:?}");
    assert_eq!(sheets[0]["goal"]["id"], json!(m.goal));
    assert_eq!(sheets[0]["activities"].as_array().map(Vec::len), Some(4));

    let plan = app
        .get(
            &format!(
                "/api/v1/units/{}/activity-plan?department_goal_id={department2}",
                m.team
            ),
            &app.admin(),
        )
        .await
        .expect(200);
    let sheets = plan["sheets"].as_array().expect("sheets");
    assert_eq!(sheets.len(), 1, "{sheets:?}");
    assert_eq!(sheets[0]["goal"]["label"], "BUN 2");
    assert_eq!(
        titles(&sheets[0]),
        vec!["Kartlägga otrygga platser vid förskolan"]
    );
}

async fn activity_plan_is_for_teams_only(app: TestApp) {
    let m = app.model().await;
    for unit in [&m.administration, &m.board] {
        app.get(&format!("/api/v1/units/{unit}/activity-plan"), &app.admin())
            .await
            .problem(422);
    }
    let unknown = uuid::Uuid::now_v7();
    app.get(
        &format!("/api/v1/units/{unknown}/activity-plan"),
        &app.admin(),
    )
    .await
    .problem(404);
}

/// The CSV rows of a plan body after its byte-order mark.
fn csv_rows(body: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(&body[3..]);
    reader
        .records()
        .map(|r| r.expect("a CSV record").iter().map(String::from).collect())
        .collect()
}

async fn activity_plan_as_csv(app: TestApp) {
    let m = app.model().await;
    plan_fixture(&app, &m).await;
    app.create(
        "/api/v1/activities",
        with(
            for_goal(&m, "=SUMMA(A1:A9) kronor till trygghetsvandringar"),
            json!({"due_date": "2011-12-01"}),
        ),
    )
    .await;
    app.create(
        "/api/v1/activities",
        with(
            for_goal(&m, "Skolgården; belysning och buskar"),
            json!({"due_date": "2011-12-02"}),
        ),
    )
    .await;
    let path = format!("/api/v1/units/{}/activity-plan", m.team);
    let viewer = app.token(&["viewer"]);
    let by_param = app.get(&format!("{path}?format=csv"), &viewer).await;
    let by_accept = app
        .send(
            Method::GET,
            &path,
            Some(&viewer),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    for response in [&by_param, &by_accept] {
        assert_eq!(response.status, 200, "{}", response.text());
        assert!(
            response.content_type().starts_with("text/csv"),
            "{}",
            response.content_type()
        );
        assert_eq!(&response.body[..3], &[0xEF, 0xBB, 0xBF]);
    }
    assert_eq!(by_param.body, by_accept.body);

    let text = String::from_utf8(by_param.body[3..].to_vec()).expect("UTF-8");
    let first_line = text.lines().next().expect("a header row");
    assert_eq!(first_line, CSV_HEADER);
    // Swedish characters intact.
    assert!(text.contains("Invånarna i Värnamo kommun ska känna sig trygga."));
    assert!(text.contains("Trygghetsvandring på skolgården med elevrådet"));
    assert!(text.contains("Temadag om trygghet med föräldrarna"));
    // A formula is neutralized; a semicolon is quoted.
    assert!(
        text.contains(";'=SUMMA(A1:A9) kronor till trygghetsvandringar;"),
        "{text}"
    );
    assert!(
        text.contains(";\"Skolgården; belysning och buskar\";"),
        "{text}"
    );

    let rows = csv_rows(&by_param.body);
    assert!(rows.iter().all(|r| r.len() == 7), "{rows:?}");
    let body_rows = &rows[1..];
    // 7 of the team's lines for goals 1 and 2, 2 department-goal lines; not the archived one
    // nor the other team's.
    assert_eq!(body_rows.len(), 9, "{rows:?}");
    let row_titles: Vec<&str> = body_rows.iter().map(|r| r[1].as_str()).collect();
    assert!(!row_titles.contains(&"Trygghetsenkät till alla föräldrar"));
    assert!(!row_titles.contains(&"Faddrar för de nya eleverna"));
    assert!(row_titles.contains(&"Skolgården; belysning och buskar"));

    let walk = body_rows
        .iter()
        .find(|r| r[1] == VANDRING)
        .expect("the walk's row");
    assert!(walk[0].contains(TRYGGA), "{walk:?}");
    assert_eq!(walk[2], "Elevrådet visar var de känner sig otrygga.");
    assert_eq!(walk[3], "Arbetslagsledaren");
    assert_eq!(walk[4], "2011-05-31");
    assert_eq!(walk[5], "Klar");
    assert_eq!(walk[6], "2011-05-20");
    let open = body_rows
        .iter()
        .find(|r| r[1] == "Temadag om trygghet med föräldrarna")
        .expect("the open row");
    assert_eq!(open[6], "");
    assert!(!open[5].is_empty());
    let department = body_rows
        .iter()
        .find(|r| r[1] == "Värdegrundsarbete i klasserna")
        .expect("the department goal's row");
    assert!(department[0].starts_with("BUN 1"), "{department:?}");
}

async fn activity_plan_refuses_other_formats(app: TestApp) {
    let m = app.model().await;
    let refused = app
        .get(
            &format!("/api/v1/units/{}/activity-plan?format=xml", m.team),
            &app.admin(),
        )
        .await;
    refused.problem(400);
    assert_eq!(refused.error_fields(), vec!["format"]);
}

backend_tests!(
    create_activities_for_a_goal_and_a_department_goal,
    activity_team_must_be_a_team_unit,
    activity_serves_exactly_one_goal,
    done_gets_todays_date_unless_given,
    done_on_needs_status_done,
    done_on_cannot_lie_in_the_future,
    list_activities_filters,
    team_members_write_activities_viewers_do_not,
    another_organization_cannot_see_or_change_an_activity,
    second_patch_with_the_same_if_match_fails,
    simultaneous_patches_with_the_same_if_match,
    activity_plan_groups_activities_by_goal,
    activity_plan_for_one_goal,
    activity_plan_is_for_teams_only,
    activity_plan_as_csv,
    activity_plan_refuses_other_formats,
);
