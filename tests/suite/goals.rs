//! Overarching goals, department goals and the goal tree of a plan period.

use crate::common::ids;
use crate::common::{adopted, revision, Model, TestApp};
use serde_json::{json, Value};

const TRYGGA: &str = "Invånarna i Värnamo kommun ska känna sig trygga.";

/// A second plan period with one perspective; returns (plan period, perspective).
async fn next_plan_period(app: &TestApp) -> (String, String) {
    let plan_period = app
        .create(
            "/api/v1/plan-periods",
            json!({"name": "Mandatperioden 2015–2018", "start_date": "2015-01-01", "end_date": "2018-12-31"}),
        )
        .await;
    let perspective = app
        .create(
            "/api/v1/perspectives",
            json!({"plan_period_id": plan_period, "name": "Medborgar/kundmål", "focus": "external", "position": 1}),
        )
        .await;
    (plan_period, perspective)
}

/// An overarching goal of the model's plan period and perspective.
fn goal_body(m: &Model, number: i32, title: &str) -> Value {
    json!({
        "plan_period_id": m.plan_period,
        "perspective_id": m.perspective,
        "owner_unit_id": m.council,
        "number": number,
        "title": title,
    })
}

// ---------------------------------------------------------------- overarching goals

async fn create_goal_round_trips_footnotes_and_defaults_to_draft(app: TestApp) {
    let m = app.model().await;
    let footnotes = json!([
        "* Perioden avser mandatperioden 2011–2014.",
        "** Mäts med SCB:s medborgarundersökning."
    ]);
    let mut body = goal_body(
        &m,
        2,
        "Årets resultat bör för ett enskilt år inte understiga 2 % och för perioden* ska genomsnittet inte understiga 2,5 %.**",
    );
    body["footnotes"] = footnotes.clone();
    body["decision_reference"] = json!("KF 2010-11-25 § 123");
    let created = app.post("/api/v1/goals", &app.admin(), body).await;
    let goal = created.expect(201);
    assert_eq!(goal["state"], "draft");
    assert_eq!(goal["footnotes"], footnotes);
    assert_eq!(goal["number"], 2);
    assert_eq!(goal["plan_period_id"], json!(m.plan_period));
    assert_eq!(created.header("etag").as_deref(), Some("\"1\""));
    let location = created.header("location").expect("a Location header");
    assert_eq!(location, format!("/api/v1/goals/{}", created.id()));

    let got = app.get(&location, &app.admin()).await.expect(200);
    assert_eq!(got["footnotes"], footnotes);
    assert_eq!(got["state"], "draft");
    assert_eq!(got["decision_reference"], "KF 2010-11-25 § 123");
    assert_eq!(got["title"], goal["title"]);
}

async fn goal_numbers_are_unique_per_plan_period(app: TestApp) {
    let m = app.model().await;
    let duplicate = app
        .post(
            "/api/v1/goals",
            &app.admin(),
            goal_body(&m, 1, "Värnamo kommun ska ha en god ekonomisk hushållning."),
        )
        .await;
    duplicate.problem(409);
    assert_eq!(duplicate.error_fields(), vec!["number"]);
    let listed = app
        .get(
            &format!("/api/v1/goals?plan_period_id={}", m.plan_period),
            &app.admin(),
        )
        .await
        .expect(200);
    assert_eq!(ids(&listed), vec![m.goal.clone()]);

    // The same number in another plan period is another goal.
    let (next_period, next_perspective) = next_plan_period(&app).await;
    let other = app
        .post(
            "/api/v1/goals",
            &app.admin(),
            json!({"plan_period_id": next_period, "perspective_id": next_perspective,
                   "owner_unit_id": m.council, "number": 1, "title": TRYGGA}),
        )
        .await
        .expect(201);
    assert_eq!(other["number"], 1);
    assert_eq!(other["plan_period_id"], json!(next_period));
}

async fn goal_perspective_must_belong_to_its_plan_period(app: TestApp) {
    let m = app.model().await;
    let (_, next_perspective) = next_plan_period(&app).await;
    let mut body = goal_body(&m, 2, "Värnamo kommun ska vara en attraktiv arbetsgivare.");
    body["perspective_id"] = json!(next_perspective);
    let refused = app.post("/api/v1/goals", &app.admin(), body).await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["perspective_id"]);
    let listed = app.get("/api/v1/goals", &app.admin()).await.expect(200);
    assert_eq!(ids(&listed), vec![m.goal.clone()]);
}

async fn goal_owner_must_be_council_or_municipality(app: TestApp) {
    let m = app.model().await;
    for owner in [&m.board, &m.administration, &m.team] {
        let mut body = goal_body(&m, 2, "Värnamo kommun ska vara en attraktiv arbetsgivare.");
        body["owner_unit_id"] = json!(owner);
        let refused = app.post("/api/v1/goals", &app.admin(), body).await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), vec!["owner_unit_id"]);
    }
    let municipality = app
        .create(
            "/api/v1/units",
            json!({"kind": "municipality", "name": "Värnamo kommun"}),
        )
        .await;
    let mut body = goal_body(&m, 2, "Värnamo kommun ska vara en attraktiv arbetsgivare.");
    body["owner_unit_id"] = json!(municipality);
    let goal = app
        .post("/api/v1/goals", &app.admin(), body)
        .await
        .expect(201);
    assert_eq!(goal["owner_unit_id"], json!(municipality));
}

async fn list_goals_filters(app: TestApp) {
    let m = app.model().await;
    let resources = app
        .create(
            "/api/v1/perspectives",
            json!({"plan_period_id": m.plan_period, "name": "Resursmål – Ekonomi och Personal", "focus": "internal", "position": 2}),
        )
        .await;
    let economy = app
        .create(
            "/api/v1/goals",
            json!({"plan_period_id": m.plan_period, "perspective_id": resources, "owner_unit_id": m.council,
                   "number": 2, "title": "Värnamo kommun ska ha en god ekonomisk hushållning."}),
        )
        .await;
    let (next_period, next_perspective) = next_plan_period(&app).await;
    let later = app
        .create(
            "/api/v1/goals",
            json!({"plan_period_id": next_period, "perspective_id": next_perspective, "owner_unit_id": m.council,
                   "number": 1, "title": TRYGGA, "state": "adopted", "decision_reference": "KF 2010-11-25 § 123", "decided_on": "2010-11-25", "decided_by_unit_id": m.council}),
        )
        .await;
    let admin = app.admin();
    let list = |query: String| {
        let admin = admin.clone();
        let app = &app;
        async move {
            ids(&app
                .get(&format!("/api/v1/goals?{query}"), &admin)
                .await
                .expect(200))
        }
    };
    assert_eq!(
        list(format!("plan_period_id={}", m.plan_period)).await,
        vec![m.goal.clone(), economy.clone()]
    );
    assert_eq!(
        list(format!("plan_period_id={next_period}")).await,
        vec![later.clone()]
    );
    assert_eq!(
        list(format!("perspective_id={resources}")).await,
        vec![economy.clone()]
    );
    assert_eq!(
        list(format!("perspective_id={}", m.perspective)).await,
        vec![m.goal.clone()]
    );
    assert_eq!(list("state=draft".into()).await, vec![economy.clone()]);
    assert_eq!(
        list("state=adopted".into()).await,
        vec![m.goal.clone(), later.clone()]
    );
    assert_eq!(
        list(format!("state=adopted&plan_period_id={}", m.plan_period)).await,
        vec![m.goal.clone()]
    );
    assert!(list("state=retired".into()).await.is_empty());
}

async fn patch_goal_title_with_if_match(app: TestApp) {
    let m = app.model().await;
    let path = format!("/api/v1/goals/{}", m.goal);
    let read = app.get(&path, &app.admin()).await;
    read.expect(200);
    let etag = read.header("etag").expect("an ETag");
    assert_eq!(etag, "\"1\"");
    let title = "Invånarna i Värnamo kommun ska känna sig trygga i hela kommunen.";
    let changed = app
        .patch_if_match(
            &path,
            &app.admin(),
            &etag,
            json!({"title": title, "revision": revision(&m.council, "2012-06-14")}),
        )
        .await;
    let body = changed.expect(200);
    assert_eq!(body["title"], title);
    assert_eq!(body["number"], 1);
    assert_eq!(body["state"], "adopted");
    assert_eq!(changed.header("etag").as_deref(), Some("\"2\""));

    // The old ETag is stale now: nothing changes.
    app.patch_if_match(&path, &app.admin(), &etag, json!({"title": TRYGGA}))
        .await
        .problem(412);
    let got = app.get(&path, &app.admin()).await;
    assert_eq!(got.expect(200)["title"], title);
    assert_eq!(got.header("etag").as_deref(), Some("\"2\""));
}

async fn delete_a_draft_goal(app: TestApp) {
    let m = app.model().await;
    let draft = app
        .create(
            "/api/v1/goals",
            goal_body(&m, 2, "Värnamo kommun ska vara en attraktiv arbetsgivare."),
        )
        .await;
    let path = format!("/api/v1/goals/{draft}");
    let deleted = app.delete(&path, &app.admin()).await;
    deleted.expect(204);
    assert!(deleted.body.is_empty());
    app.get(&path, &app.admin()).await.problem(404);
    let listed = app
        .get("/api/v1/goals?include_archived=true", &app.admin())
        .await
        .expect(200);
    assert_eq!(ids(&listed), vec![m.goal.clone()]);
}

async fn deleting_an_adopted_goal_conflicts(app: TestApp) {
    let m = app.model().await;
    let adopted = app
        .create("/api/v1/goals", {
            adopted(
                goal_body(&m, 2, "Värnamo kommun ska vara en attraktiv arbetsgivare."),
                &m.council,
            )
        })
        .await;
    let path = format!("/api/v1/goals/{adopted}");
    app.delete(&path, &app.admin()).await.problem(409);
    let got = app.get(&path, &app.admin()).await.expect(200);
    assert_eq!(got["state"], "adopted");
}

async fn deleting_a_referenced_draft_goal_conflicts(app: TestApp) {
    let m = app.model().await;
    let draft = app
        .create(
            "/api/v1/goals",
            goal_body(&m, 2, "Värnamo kommun ska vara en attraktiv arbetsgivare."),
        )
        .await;
    let department_goal = app
        .create(
            "/api/v1/department-goals",
            json!({"goal_id": draft, "owner_unit_id": m.board, "number": 2,
                   "title": "Personalen ska känna sig delaktig i skolans utveckling."}),
        )
        .await;
    let path = format!("/api/v1/goals/{draft}");
    app.delete(&path, &app.admin()).await.problem(409);
    assert_eq!(
        app.get(&path, &app.admin()).await.expect(200)["state"],
        "draft"
    );
    let child = app
        .get(
            &format!("/api/v1/department-goals/{department_goal}"),
            &app.admin(),
        )
        .await
        .expect(200);
    assert_eq!(child["goal_id"], json!(draft));
}

async fn council_writes_goals_board_does_not(app: TestApp) {
    let m = app.model().await;
    let body = goal_body(&m, 2, "Värnamo kommun ska vara en attraktiv arbetsgivare.");
    let board = app.scoped_token(&["board"], &[&m.board]);
    app.post("/api/v1/goals", &board, body.clone())
        .await
        .problem(403);
    let listed = app.get("/api/v1/goals", &board).await.expect(200);
    assert_eq!(ids(&listed), vec![m.goal.clone()]);

    let council = app.token(&["council"]);
    let created = app.post("/api/v1/goals", &council, body).await.expect(201);
    assert_eq!(created["number"], 2);
    let listed = app.get("/api/v1/goals", &council).await.expect(200);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
}

// ---------------------------------------------------------------- department goals

async fn department_goal_takes_its_goals_plan_period(app: TestApp) {
    let m = app.model().await;
    let created = app
        .post(
            "/api/v1/department-goals",
            &app.admin(),
            json!({"goal_id": m.goal, "owner_unit_id": m.board, "number": 2,
                   "title": "Alla barn ska känna sig trygga i förskolan.",
                   "footnotes": ["* Mäts i förskolans brukarenkät."]}),
        )
        .await;
    let body = created.expect(201);
    assert_eq!(body["goal_id"], json!(m.goal));
    assert_eq!(body["plan_period_id"], json!(m.plan_period));
    assert_eq!(body["owner_unit_id"], json!(m.board));
    assert_eq!(body["state"], "draft");
    assert_eq!(
        body["footnotes"],
        json!(["* Mäts i förskolans brukarenkät."])
    );
    let got = app
        .get(
            &created.header("location").expect("a Location header"),
            &app.admin(),
        )
        .await
        .expect(200);
    assert_eq!(got["plan_period_id"], json!(m.plan_period));
    assert_eq!(got["title"], "Alla barn ska känna sig trygga i förskolan.");
}

async fn department_goal_owner_must_be_a_board(app: TestApp) {
    let m = app.model().await;
    for owner in [&m.council, &m.administration, &m.team] {
        let refused = app
            .post(
                "/api/v1/department-goals",
                &app.admin(),
                json!({"goal_id": m.goal, "owner_unit_id": owner, "number": 2,
                       "title": "Alla barn ska känna sig trygga i förskolan."}),
            )
            .await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), vec!["owner_unit_id"]);
    }
    let listed = app
        .get("/api/v1/department-goals", &app.admin())
        .await
        .expect(200);
    assert_eq!(ids(&listed), vec![m.department_goal.clone()]);
}

/// A department goal is decided by the board that owns it or by a council, never by
/// another board: on adoption and in a revision.
async fn department_goal_is_decided_by_its_board_or_a_council(app: TestApp) {
    let m = app.model().await;
    let other_board = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Kultur- och fritidsnämnden", "short_code": "KFN"}),
        )
        .await;
    let body = |number: i32, decided_by: &str| {
        crate::common::adopted(
            json!({"goal_id": m.goal, "owner_unit_id": m.board, "number": number,
                   "title": format!("Trygghet i skolan, mål {number}.")}),
            decided_by,
        )
    };
    let refused = app
        .post(
            "/api/v1/department-goals",
            &app.admin(),
            body(2, &other_board),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["decided_by_unit_id"]);
    app.post("/api/v1/department-goals", &app.admin(), body(2, &m.board))
        .await
        .expect(201);
    let by_council = app
        .post(
            "/api/v1/department-goals",
            &app.admin(),
            body(3, &m.council),
        )
        .await
        .expect(201);
    let path = format!(
        "/api/v1/department-goals/{}",
        by_council["id"].as_str().unwrap_or_default()
    );
    let revised = app
        .patch(
            &path,
            &app.admin(),
            json!({"title": "Trygghet i alla skolor.", "revision": crate::common::revision(&other_board, "2012-06-14")}),
        )
        .await;
    revised.problem(422);
    // The revision's deciding body would become the goal's.
    assert_eq!(revised.error_fields(), vec!["decided_by_unit_id"]);
    app.patch(
        &path,
        &app.admin(),
        json!({"title": "Trygghet i alla skolor.", "revision": crate::common::revision(&m.board, "2012-06-14")}),
    )
    .await
    .expect(200);
}

async fn department_goal_of_another_organizations_goal_is_rejected(app: TestApp) {
    let m = app.model().await;
    let foreign = app.goal_of_another_organization().await;
    let refused = app
        .post(
            "/api/v1/department-goals",
            &app.admin(),
            json!({"goal_id": foreign, "owner_unit_id": m.board, "number": 2,
                   "title": "Alla barn ska känna sig trygga i förskolan."}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["goal_id"]);
}

async fn department_goal_numbers_are_unique_per_board_and_plan_period(app: TestApp) {
    let m = app.model().await;
    let duplicate = app
        .post(
            "/api/v1/department-goals",
            &app.admin(),
            json!({"goal_id": m.goal, "owner_unit_id": m.board, "number": 1,
                   "title": "Alla barn ska känna sig trygga i förskolan."}),
        )
        .await;
    duplicate.problem(409);
    assert_eq!(duplicate.error_fields(), vec!["number"]);

    // Another board may use the same number.
    let social = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Socialnämnden", "short_code": "SN"}),
        )
        .await;
    app.post(
        "/api/v1/department-goals",
        &app.admin(),
        json!({"goal_id": m.goal, "owner_unit_id": social, "number": 1,
               "title": "Äldre ska känna sig trygga i sitt boende."}),
    )
    .await
    .expect(201);

    // So may the same board in another plan period.
    let (next_period, next_perspective) = next_plan_period(&app).await;
    let later_goal = app
        .create(
            "/api/v1/goals",
            json!({"plan_period_id": next_period, "perspective_id": next_perspective,
                   "owner_unit_id": m.council, "number": 1, "title": TRYGGA}),
        )
        .await;
    let later = app
        .post(
            "/api/v1/department-goals",
            &app.admin(),
            json!({"goal_id": later_goal, "owner_unit_id": m.board, "number": 1,
                   "title": "Alla elever ska känna sig trygga i skolan."}),
        )
        .await
        .expect(201);
    assert_eq!(later["plan_period_id"], json!(next_period));

    let listed = app
        .get(
            &format!("/api/v1/department-goals?owner_unit_id={}", m.board),
            &app.admin(),
        )
        .await
        .expect(200);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
}

async fn list_department_goals_filters(app: TestApp) {
    let m = app.model().await;
    let safety_preschool = app
        .create(
            "/api/v1/department-goals",
            json!({"goal_id": m.goal, "owner_unit_id": m.board, "number": 2,
                   "title": "Alla barn ska känna sig trygga i förskolan."}),
        )
        .await;
    let employer = app
        .create("/api/v1/goals", {
            adopted(
                goal_body(&m, 2, "Värnamo kommun ska vara en attraktiv arbetsgivare."),
                &m.council,
            )
        })
        .await;
    let social = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Socialnämnden", "short_code": "SN"}),
        )
        .await;
    let social_safety = app
        .create(
            "/api/v1/department-goals",
            json!({"goal_id": m.goal, "owner_unit_id": social, "number": 1,
                   "title": "Äldre ska känna sig trygga i sitt boende."}),
        )
        .await;
    let social_employer = app
        .create(
            "/api/v1/department-goals",
            json!({"goal_id": employer, "owner_unit_id": social, "number": 2,
                   "title": "Sjukfrånvaron inom omsorgen ska minska."}),
        )
        .await;
    let admin = app.admin();
    let list = |query: String| {
        let admin = admin.clone();
        let app = &app;
        async move {
            ids(&app
                .get(&format!("/api/v1/department-goals?{query}"), &admin)
                .await
                .expect(200))
        }
    };
    assert_eq!(
        list(format!("goal_id={}", m.goal)).await,
        vec![
            m.department_goal.clone(),
            safety_preschool.clone(),
            social_safety.clone()
        ]
    );
    assert_eq!(
        list(format!("goal_id={employer}")).await,
        vec![social_employer.clone()]
    );
    assert_eq!(
        list(format!("owner_unit_id={}", m.board)).await,
        vec![m.department_goal.clone(), safety_preschool.clone()]
    );
    assert_eq!(
        list(format!("owner_unit_id={social}")).await,
        vec![social_safety.clone(), social_employer.clone()]
    );
    assert_eq!(
        list(format!("goal_id={}&owner_unit_id={social}", m.goal)).await,
        vec![social_safety.clone()]
    );
}

async fn board_writes_department_goals_council_does_not(app: TestApp) {
    let m = app.model().await;
    let body = json!({"goal_id": m.goal, "owner_unit_id": m.board, "number": 2,
                      "title": "Alla barn ska känna sig trygga i förskolan."});
    let council = app.token(&["council"]);
    app.post("/api/v1/department-goals", &council, body.clone())
        .await
        .problem(403);
    let listed = app
        .get("/api/v1/department-goals", &council)
        .await
        .expect(200);
    assert_eq!(ids(&listed), vec![m.department_goal.clone()]);

    let board = app.scoped_token(&["board"], &[&m.board]);
    let created = app
        .post("/api/v1/department-goals", &board, body)
        .await
        .expect(201);
    assert_eq!(created["number"], 2);
    let listed = app
        .get("/api/v1/department-goals", &board)
        .await
        .expect(200);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
}

async fn no_new_department_goal_under_an_archived_goal(app: TestApp) {
    let m = app.model().await;
    let archived = app
        .post(
            &format!("/api/v1/goals/{}/archive", m.goal),
            &app.admin(),
            json!({}),
        )
        .await
        .expect(200);
    assert!(archived["archived_at"].is_string());
    let refused = app
        .post(
            "/api/v1/department-goals",
            &app.admin(),
            json!({"goal_id": m.goal, "owner_unit_id": m.board, "number": 2,
                   "title": "Alla barn ska känna sig trygga i förskolan."}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["goal_id"]);
    let listed = app
        .get(
            "/api/v1/department-goals?include_archived=true",
            &app.admin(),
        )
        .await
        .expect(200);
    assert_eq!(ids(&listed), vec![m.department_goal.clone()]);
}

// ---------------------------------------------------------------- goal tree

async fn goal_tree_shows_the_vision_once_it_exists(app: TestApp) {
    let m = app.model().await;
    let path = format!("/api/v1/plan-periods/{}/goal-tree", m.plan_period);
    let viewer = app.token(&["viewer"]);
    let before = app.get(&path, &viewer).await.expect(200);
    assert_eq!(before["plan_period"]["id"], json!(m.plan_period));
    assert!(before["vision"].is_null(), "{}", before["vision"]);
    let vision = app
        .create(
            "/api/v1/visions",
            json!({"plan_period_id": m.plan_period,
                   "vision": "Värnamo – den mänskliga tillväxtkommunen.",
                   "purpose": "Värnamo kommun skall på kommunmedborgarnas uppdrag tillhandahålla service kostnadseffektivt och med god kvalitet."}),
        )
        .await;
    let after = app.get(&path, &viewer).await.expect(200);
    assert_eq!(after["vision"]["id"], json!(vision));
    assert_eq!(
        after["vision"]["vision"],
        "Värnamo – den mänskliga tillväxtkommunen."
    );
}

fn counts(planned: u32, in_progress: u32, done: u32, cancelled: u32, overdue: u32) -> Value {
    json!({
        "planned": planned,
        "in_progress": in_progress,
        "done": done,
        "cancelled": cancelled,
        "overdue": overdue,
        "total": planned + in_progress + done + cancelled,
    })
}

async fn goal_tree_orders_nodes_and_counts_activities(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    // Perspectives created out of position order.
    let resources = app
        .create(
            "/api/v1/perspectives",
            json!({"plan_period_id": m.plan_period, "name": "Resursmål – Ekonomi och Personal", "focus": "internal", "position": 3}),
        )
        .await;
    let operations = app
        .create(
            "/api/v1/perspectives",
            json!({"plan_period_id": m.plan_period, "name": "Verksamhetsmål", "focus": "both", "position": 2}),
        )
        .await;
    // Goals created out of number order.
    let goal3 = app
        .create(
            "/api/v1/goals",
            goal_body(
                &m,
                3,
                "Värnamo kommun ska erbjuda en god miljö att växa upp i.",
            ),
        )
        .await;
    let goal2 = app
        .create(
            "/api/v1/goals",
            goal_body(
                &m,
                2,
                "Invånarna ska ha god tillgång till kultur och fritid.",
            ),
        )
        .await;
    let economy = app
        .create(
            "/api/v1/goals",
            json!({"plan_period_id": m.plan_period, "perspective_id": resources, "owner_unit_id": m.council,
                   "number": 4, "title": "Värnamo kommun ska ha en god ekonomisk hushållning."}),
        )
        .await;
    let department2 = app
        .create(
            "/api/v1/department-goals",
            json!({"goal_id": m.goal, "owner_unit_id": m.board, "number": 2,
                   "title": "Alla barn ska känna sig trygga i förskolan."}),
        )
        .await;

    let today = chrono::Utc::now().date_naive();
    let future = (today + chrono::Duration::days(60)).to_string();
    let activity = |goal: (&str, &str), title: &str, status: &str, due: Option<&str>| {
        let mut body = json!({"team_id": m.team, "title": title, "status": status,
                              "responsible": "Arbetslagsledaren"});
        body[goal.0] = json!(goal.1);
        if let Some(due) = due {
            body["due_date"] = json!(due);
        }
        body
    };
    let direct = ("goal_id", m.goal.as_str());
    let first = ("department_goal_id", m.department_goal.as_str());
    let second = ("department_goal_id", department2.as_str());
    for body in [
        activity(
            direct,
            "Trygghetsvandring i centrum tillsammans med polisen",
            "planned",
            Some(&future),
        ),
        activity(
            direct,
            "Kartläggning av otrygga platser i kommunen",
            "in_progress",
            Some("2011-03-31"),
        ),
        activity(
            direct,
            "Bättre belysning i gångtunnlarna",
            "done",
            Some("2011-10-31"),
        ),
        activity(
            direct,
            "Nattvandring med föräldrar",
            "cancelled",
            Some("2011-04-30"),
        ),
        activity(
            first,
            "Trygghetsvandring på skolgården med elevrådet",
            "planned",
            Some("2011-05-31"),
        ),
        activity(
            first,
            "Värdegrundsarbete i klasserna",
            "done",
            Some("2011-09-30"),
        ),
        activity(
            second,
            "Rutiner för hämtning och lämning",
            "in_progress",
            None,
        ),
    ] {
        app.post("/api/v1/activities", &admin, body)
            .await
            .expect(201);
    }
    // An archived activity is not counted.
    let archived = app
        .create(
            "/api/v1/activities",
            activity(
                direct,
                "Trygghetsenkät till alla hushåll",
                "planned",
                Some("2011-02-28"),
            ),
        )
        .await;
    app.post(
        &format!("/api/v1/activities/{archived}/archive"),
        &admin,
        json!({}),
    )
    .await
    .expect(200);

    let tree = app
        .get(
            &format!("/api/v1/plan-periods/{}/goal-tree", m.plan_period),
            &admin,
        )
        .await
        .expect(200);
    let perspectives = tree["perspectives"].as_array().expect("perspectives");
    let perspective_ids: Vec<&str> = perspectives
        .iter()
        .map(|p| p["perspective"]["id"].as_str().expect("an id"))
        .collect();
    assert_eq!(
        perspective_ids,
        vec![
            m.perspective.as_str(),
            operations.as_str(),
            resources.as_str()
        ]
    );
    assert_eq!(perspectives[1]["goals"], json!([]));
    let resource_goals = perspectives[2]["goals"].as_array().expect("goals");
    assert_eq!(resource_goals.len(), 1);
    assert_eq!(resource_goals[0]["goal"]["id"], json!(economy));
    assert_eq!(resource_goals[0]["activities"], counts(0, 0, 0, 0, 0));

    let goals = perspectives[0]["goals"].as_array().expect("goals");
    let goal_ids: Vec<&str> = goals
        .iter()
        .map(|g| g["goal"]["id"].as_str().expect("an id"))
        .collect();
    assert_eq!(
        goal_ids,
        vec![m.goal.as_str(), goal2.as_str(), goal3.as_str()]
    );
    let numbers: Vec<i64> = goals
        .iter()
        .map(|g| g["goal"]["number"].as_i64().expect("a number"))
        .collect();
    assert_eq!(numbers, vec![1, 2, 3]);

    let safety = &goals[0];
    assert_eq!(safety["goal"]["title"], TRYGGA);
    assert_eq!(safety["activities"], counts(1, 1, 1, 1, 1));
    let departments = safety["department_goals"]
        .as_array()
        .expect("department goals");
    let department_ids: Vec<&str> = departments
        .iter()
        .map(|d| d["department_goal"]["id"].as_str().expect("an id"))
        .collect();
    assert_eq!(
        department_ids,
        vec![m.department_goal.as_str(), department2.as_str()]
    );
    assert_eq!(departments[0]["activities"], counts(1, 0, 1, 0, 1));
    assert_eq!(departments[1]["activities"], counts(0, 1, 0, 0, 0));
    assert_eq!(
        safety["activities_with_department_goals"],
        counts(2, 2, 2, 1, 2)
    );

    for other in &goals[1..] {
        assert_eq!(other["department_goals"], json!([]));
        assert_eq!(other["activities"], counts(0, 0, 0, 0, 0));
        assert_eq!(
            other["activities_with_department_goals"],
            counts(0, 0, 0, 0, 0)
        );
    }
}

async fn goal_tree_leaves_out_archived_goals(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let goal2 = app
        .create(
            "/api/v1/goals",
            goal_body(
                &m,
                2,
                "Invånarna ska ha god tillgång till kultur och fritid.",
            ),
        )
        .await;
    let department2 = app
        .create(
            "/api/v1/department-goals",
            json!({"goal_id": m.goal, "owner_unit_id": m.board, "number": 2,
                   "title": "Alla barn ska känna sig trygga i förskolan."}),
        )
        .await;
    app.create(
        "/api/v1/activities",
        json!({"team_id": m.team, "department_goal_id": department2,
               "title": "Rutiner för hämtning och lämning", "status": "planned"}),
    )
    .await;
    app.post(&format!("/api/v1/goals/{goal2}/archive"), &admin, json!({}))
        .await
        .expect(200);
    app.post(
        &format!("/api/v1/department-goals/{department2}/archive"),
        &admin,
        json!({}),
    )
    .await
    .expect(200);

    let tree = app
        .get(
            &format!("/api/v1/plan-periods/{}/goal-tree", m.plan_period),
            &admin,
        )
        .await
        .expect(200);
    let goals = tree["perspectives"][0]["goals"].as_array().expect("goals");
    assert_eq!(goals.len(), 1, "{goals:?}");
    assert_eq!(goals[0]["goal"]["id"], json!(m.goal));
    let departments = goals[0]["department_goals"]
        .as_array()
        .expect("department goals");
    assert_eq!(departments.len(), 1, "{departments:?}");
    assert_eq!(
        departments[0]["department_goal"]["id"],
        json!(m.department_goal)
    );
    assert_eq!(
        goals[0]["activities_with_department_goals"],
        counts(0, 0, 0, 0, 0)
    );
}

async fn goal_tree_of_an_unknown_plan_period_is_404(app: TestApp) {
    let m = app.model().await;
    let unknown = uuid::Uuid::now_v7();
    app.get(
        &format!("/api/v1/plan-periods/{unknown}/goal-tree"),
        &app.admin(),
    )
    .await
    .problem(404);
    // Another organization's plan period is unknown too.
    let other = app.token_for(&uuid::Uuid::new_v4().to_string(), &["admin"]);
    app.get(
        &format!("/api/v1/plan-periods/{}/goal-tree", m.plan_period),
        &other,
    )
    .await
    .problem(404);
}

/// JSON Schema's `integer` admits `2.0`; so does the API. Fractions and text do not pass.
async fn goal_numbers_are_whole_numbers(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let mut body = goal_body(
        &m,
        0,
        "Medborgarna ska uppleva att Värnamo är en attraktiv kommun att leva och bo i.",
    );
    body["number"] = json!(2.0);
    assert_eq!(
        app.post("/api/v1/goals", &admin, body.clone())
            .await
            .expect(201)["number"],
        2
    );
    for bad in [json!(3.5), json!("tre"), json!(4_294_967_296u64)] {
        body["number"] = bad;
        let refused = app.post("/api/v1/goals", &admin, body.clone()).await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), vec!["number"]);
    }
    let patched = app
        .patch(
            &format!("/api/v1/goals/{}", m.goal),
            &admin,
            json!({"number": 9.0, "revision": revision(&m.council, "2012-06-14")}),
        )
        .await;
    assert_eq!(patched.expect(200)["number"], 9);
}

backend_tests!(
    goal_numbers_are_whole_numbers,
    create_goal_round_trips_footnotes_and_defaults_to_draft,
    goal_numbers_are_unique_per_plan_period,
    goal_perspective_must_belong_to_its_plan_period,
    goal_owner_must_be_council_or_municipality,
    list_goals_filters,
    patch_goal_title_with_if_match,
    delete_a_draft_goal,
    deleting_an_adopted_goal_conflicts,
    deleting_a_referenced_draft_goal_conflicts,
    council_writes_goals_board_does_not,
    department_goal_takes_its_goals_plan_period,
    department_goal_owner_must_be_a_board,
    department_goal_is_decided_by_its_board_or_a_council,
    department_goal_of_another_organizations_goal_is_rejected,
    department_goal_numbers_are_unique_per_board_and_plan_period,
    list_department_goals_filters,
    board_writes_department_goals_council_does_not,
    no_new_department_goal_under_an_archived_goal,
    goal_tree_shows_the_vision_once_it_exists,
    goal_tree_orders_nodes_and_counts_activities,
    goal_tree_leaves_out_archived_goals,
    goal_tree_of_an_unknown_plan_period_is_404,
);
