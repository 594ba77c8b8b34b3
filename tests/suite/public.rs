//! The public view: what anyone reads without a token under `/api/v1/public/{code}`.
//! Only adopted, unarchived goals; no people, no internal fields; cached by ETag.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::common::{adopted, code_for, revision, Model, Resp, TestApp};

/// The test organization's public base path.
fn base(app: &TestApp) -> String {
    format!("/api/v1/public/{}", code_for(&app.org))
}

/// A GET without a token, with extra headers.
async fn public(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Resp {
    app.send(Method::GET, path, None, None, headers).await
}

/// A GET without a token that must succeed; its JSON body.
async fn read(app: &TestApp, path: &str) -> Value {
    let response = public(app, path, &[]).await;
    assert_eq!(
        response.header("cache-control").as_deref(),
        Some("public, max-age=60"),
        "{path}"
    );
    assert!(response.header("etag").is_some(), "{path}");
    response.expect(200)
}

/// Every object key anywhere in a JSON document.
fn keys(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                found.push(key.clone());
                keys(inner, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys(item, found)),
        _ => {}
    }
}

/// Asserts that no internal or personal field appears anywhere in a public document.
fn assert_public_only(document: &Value) {
    let mut found = Vec::new();
    keys(document, &mut found);
    for internal in [
        "responsible",
        "organization_id",
        "external_id",
        "version",
        "archived_at",
        "created_at",
        "updated_at",
        "state",
        "owner_unit_id",
        "actor_name",
    ] {
        assert!(
            !found.iter().any(|k| k == internal),
            "`{internal}` in {document}"
        );
    }
}

/// The numbers of the goals in a list of goals.
fn numbers(goals: &Value) -> Vec<i64> {
    goals
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {goals}"))
        .iter()
        .filter_map(|g| g["number"].as_i64())
        .collect()
}

/// Each perspective of a public tree by name, with its goals' numbers.
fn shape(tree: &Value) -> Vec<(&str, Vec<i64>)> {
    tree["perspectives"]
        .as_array()
        .expect("perspectives")
        .iter()
        .map(|p| (p["name"].as_str().unwrap_or_default(), numbers(&p["goals"])))
        .collect()
}

/// All goals of a public tree, perspective by perspective.
fn tree_goals(tree: &Value) -> Vec<Value> {
    tree["perspectives"]
        .as_array()
        .expect("perspectives")
        .iter()
        .flat_map(|p| p["goals"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// An overarching goal of the model's plan period and perspective; returns its id.
async fn goal(app: &TestApp, m: &Model, number: i32, title: &str, state: &str) -> String {
    let body = json!({"plan_period_id": m.plan_period, "perspective_id": m.perspective,
                      "owner_unit_id": m.council, "number": number, "title": title, "state": state});
    created_in(app, "/api/v1/goals", body, state, &m.council).await
}

/// Creates a goal or vision in `state`: adopted with a decision, retired by a later one.
async fn created_in(app: &TestApp, path: &str, body: Value, state: &str, by: &str) -> String {
    if state == "draft" {
        return app.create(path, body).await;
    }
    let id = app.create(path, adopted(body, by)).await;
    if state == "retired" {
        app.patch(
            &format!("{path}/{id}"),
            &app.admin(),
            json!({"state": "retired", "revision": revision(by, "2012-06-14")}),
        )
        .await
        .expect(200);
    }
    id
}

/// A department goal of the model's board; returns its id.
async fn department_goal(
    app: &TestApp,
    m: &Model,
    goal_id: &str,
    number: i32,
    title: &str,
    state: &str,
) -> String {
    let body = json!({"goal_id": goal_id, "owner_unit_id": m.board, "number": number,
                      "title": title, "state": state});
    created_in(app, "/api/v1/department-goals", body, state, &m.board).await
}

/// A perspective of a plan period; returns its id.
async fn perspective(
    app: &TestApp,
    plan_period: &str,
    name: &str,
    focus: &str,
    position: i32,
) -> String {
    app.create(
        "/api/v1/perspectives",
        json!({"plan_period_id": plan_period, "name": name, "focus": focus, "position": position}),
    )
    .await
}

async fn archive(app: &TestApp, path: &str) {
    app.post(&format!("{path}/archive"), &app.admin(), json!({}))
        .await
        .expect(200);
}

/// A plan period with a perspective and one goal in the given state; returns (plan period, goal).
async fn plan_period_with_goal(
    app: &TestApp,
    council: &str,
    name: &str,
    start: &str,
    end: &str,
    state: &str,
) -> (String, String) {
    let plan_period = app
        .create(
            "/api/v1/plan-periods",
            json!({"name": name, "start_date": start, "end_date": end}),
        )
        .await;
    let perspective = perspective(app, &plan_period, "Medborgar/kundmål", "external", 1).await;
    let body = json!({"plan_period_id": plan_period, "perspective_id": perspective, "owner_unit_id": council,
                      "number": 1, "title": format!("Ett mål för {name}"), "state": state});
    let goal = created_in(app, "/api/v1/goals", body, state, council).await;
    (plan_period, goal)
}

// ---------------------------------------------------------------- what is shown

async fn only_adopted_unarchived_goals_are_public(app: TestApp) {
    let m = app.model().await;
    let draft = goal(&app, &m, 2, "Ett utkast till mål.", "draft").await;
    let retired = goal(&app, &m, 3, "Ett mål som inte längre gäller.", "retired").await;
    let archived = goal(&app, &m, 4, "Ett arkiverat mål.", "adopted").await;
    let adopted_department_goal = department_goal(
        &app,
        &m,
        &m.goal,
        2,
        "Alla elever ska ha en trygg skolväg.",
        "adopted",
    )
    .await;
    let archived_department_goal = department_goal(
        &app,
        &m,
        &m.goal,
        3,
        "Ett arkiverat förvaltningsmål.",
        "adopted",
    )
    .await;
    department_goal(
        &app,
        &m,
        &m.goal,
        4,
        "Ett upphört förvaltningsmål.",
        "retired",
    )
    .await;
    // Adopted by the board, but under a draft overarching goal.
    department_goal(&app, &m, &draft, 5, "Under ett utkast.", "adopted").await;
    department_goal(
        &app,
        &m,
        &archived,
        6,
        "Under ett arkiverat mål.",
        "adopted",
    )
    .await;
    archive(&app, &format!("/api/v1/goals/{archived}")).await;
    archive(
        &app,
        &format!("/api/v1/department-goals/{archived_department_goal}"),
    )
    .await;

    let tree = read(&app, &format!("{}/goal-tree", base(&app))).await;
    assert_eq!(tree["plan_period"]["id"], json!(m.plan_period));
    let goals = tree_goals(&tree);
    assert_eq!(numbers(&json!(goals)), vec![1], "{tree}");
    let department_goals = &goals[0]["department_goals"];
    let ids: Vec<&str> = department_goals
        .as_array()
        .expect("department goals")
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(ids, vec![adopted_department_goal.as_str()], "{tree}");
    assert_eq!(
        department_goals[0]["board"],
        json!({"name": "Barn- och utbildningsnämnden", "short_code": "BUN"})
    );
    assert_eq!(
        department_goals[0]["title"],
        "Alla elever ska ha en trygg skolväg."
    );

    // The flat list says the same.
    let list = read(&app, &format!("{}/goals", base(&app))).await;
    assert_eq!(list["plan_period"]["id"], json!(m.plan_period));
    assert_eq!(numbers(&list["goals"]), vec![1]);
    assert_eq!(list["goals"][0]["department_goals"], *department_goals);

    // One goal: the adopted one reads, every other is 404.
    let one = read(&app, &format!("{}/goals/{}", base(&app), m.goal)).await;
    assert_eq!(
        one["title"],
        "Invånarna i Värnamo kommun ska känna sig trygga."
    );
    assert_eq!(one["department_goals"], *department_goals);
    for hidden in [&draft, &retired, &archived, &m.department_goal] {
        public(&app, &format!("{}/goals/{hidden}", base(&app)), &[])
            .await
            .problem(404);
    }
    let unknown = uuid::Uuid::now_v7();
    public(&app, &format!("{}/goals/{unknown}", base(&app)), &[])
        .await
        .problem(404);
    let bad = public(&app, &format!("{}/goals/not-a-uuid", base(&app)), &[]).await;
    bad.problem(400);

    // Retiring the goal takes it, and its department goals, out of the public view; with
    // nothing adopted left, so goes the plan period.
    app.patch(
        &format!("/api/v1/goals/{}", m.goal),
        &app.admin(),
        json!({"state": "retired", "revision": revision(&m.council, "2012-06-14")}),
    )
    .await
    .expect(200);
    public(&app, &format!("{}/goals/{}", base(&app), m.goal), &[])
        .await
        .problem(404);
    let face = read(&app, &base(&app)).await;
    assert_eq!(face["plan_periods"], json!([]), "{face}");
    public(&app, &format!("{}/goal-tree", base(&app)), &[])
        .await
        .problem(404);
}

async fn the_tree_has_vision_and_perspectives_in_order(app: TestApp) {
    let m = app.model().await;
    let environment = perspective(&app, &m.plan_period, "Miljö", "both", 3).await;
    let resources = perspective(
        &app,
        &m.plan_period,
        "Resursmål – Ekonomi och Personal",
        "internal",
        2,
    )
    .await;
    let archived = perspective(&app, &m.plan_period, "Ett arkiverat perspektiv", "both", 4).await;
    archive(&app, &format!("/api/v1/perspectives/{archived}")).await;
    app.create(
        "/api/v1/goals",
        json!({"plan_period_id": m.plan_period, "perspective_id": environment, "owner_unit_id": m.council,
               "number": 7, "title": "Utsläppen av växthusgaser ska minska.", "state": "adopted", "decision_reference": "KF 2010-11-25 § 123", "decided_on": "2010-11-25", "decided_by_unit_id": m.council,
               "footnotes": ["* Jämfört med 1990 års nivå."], "decision_reference": "KF 2010-11-25 § 123",
               "decided_on": "2010-11-25"}),
    )
    .await;
    // A draft vision is not shown; once adopted it is, with its decision.
    let vision = app
        .create(
            "/api/v1/visions",
            json!({"plan_period_id": m.plan_period, "vision": "Värnamo – den mänskliga tillväxtkommunen.",
                   "purpose": "Service kostnadseffektivt och med god kvalitet.",
                   "decision_reference": "KF 2010-11-25 § 123"}),
        )
        .await;
    let vision_path = format!("/api/v1/visions/{vision}");
    let tree = read(&app, &format!("{}/goal-tree", base(&app))).await;
    assert!(tree["vision"].is_null(), "{tree}");
    app.patch(
        &vision_path,
        &app.admin(),
        json!({"state": "adopted", "decided_on": "2010-11-25", "decided_by_unit_id": m.council}),
    )
    .await
    .expect(200);

    let tree = read(&app, &format!("{}/goal-tree", base(&app))).await;
    assert_eq!(
        tree["vision"],
        json!({"vision": "Värnamo – den mänskliga tillväxtkommunen.",
               "purpose": "Service kostnadseffektivt och med god kvalitet.",
               "decision_reference": "KF 2010-11-25 § 123", "decided_on": "2010-11-25"})
    );
    assert_eq!(
        shape(&tree),
        vec![
            ("Medborgar/kundmål", vec![1]),
            ("Resursmål – Ekonomi och Personal", vec![]),
            ("Miljö", vec![7]),
        ]
    );
    assert_eq!(tree["perspectives"][1]["id"], json!(resources));
    let seven = &tree["perspectives"][2]["goals"][0];
    assert_eq!(seven["footnotes"], json!(["* Jämfört med 1990 års nivå."]));
    assert_eq!(seven["decision_reference"], "KF 2010-11-25 § 123");
    assert_eq!(seven["decided_on"], "2010-11-25");
    assert_eq!(seven["perspective_id"], json!(environment));

    // An archived vision is not shown, nor a retired one.
    archive(&app, &vision_path).await;
    let tree = read(&app, &format!("{}/goal-tree", base(&app))).await;
    assert!(tree["vision"].is_null(), "{tree}");
    app.post(&format!("{vision_path}/unarchive"), &app.admin(), json!({}))
        .await
        .expect(200);
    assert!(!read(&app, &format!("{}/goal-tree", base(&app))).await["vision"].is_null());
    app.patch(
        &vision_path,
        &app.admin(),
        json!({"state": "retired", "revision": revision(&m.council, "2014-12-31")}),
    )
    .await
    .expect(200);
    let tree = read(&app, &format!("{}/goal-tree", base(&app))).await;
    assert!(tree["vision"].is_null(), "{tree}");
}

async fn public_json_names_no_people_and_no_internal_fields(app: TestApp) {
    let m = app.model().await;
    app.patch(
        &format!("/api/v1/goals/{}", m.goal),
        &app.admin(),
        json!({"external_id": "HYPERGENE-GOAL-1"}),
    )
    .await
    .expect(200);
    app.patch(
        &format!("/api/v1/department-goals/{}", m.department_goal),
        &app.admin(),
        json!({"state": "adopted", "external_id": "HYPERGENE-DGOAL-1",
               "decision_reference": "BUN 2011-02-15 § 12", "decided_on": "2011-02-15",
               "decided_by_unit_id": m.board}),
    )
    .await
    .expect(200);
    for (goal_field, id) in [
        ("goal_id", &m.goal),
        ("department_goal_id", &m.department_goal),
    ] {
        app.create(
            "/api/v1/activities",
            json!({"team_id": m.team, goal_field: id, "title": "Trygghetsvandring med eleverna",
                   "responsible": "Kuratorn på Gröna skolan", "due_date": "2011-05-31"}),
        )
        .await;
    }
    app.create(
        "/api/v1/visions",
        adopted(
            json!({"plan_period_id": m.plan_period, "vision": "Den mänskliga tillväxtkommunen.",
                   "purpose": "Service med god kvalitet.", "external_id": "HYPERGENE-VISION"}),
            &m.council,
        ),
    )
    .await;

    for path in [
        base(&app),
        format!("{}/goal-tree", base(&app)),
        format!("{}/goals", base(&app)),
        format!("{}/goals/{}", base(&app), m.goal),
    ] {
        let response = public(&app, &path, &[]).await;
        let document = response.expect(200);
        assert_public_only(&document);
        let text = response.text();
        for private in ["Kuratorn", "HYPERGENE", "Trygghetsvandring", &app.org] {
            assert!(!text.contains(private), "{private} in {path}: {text}");
        }
    }
    // The department goal is there, so the check above looked at it.
    let one = read(&app, &format!("{}/goals/{}", base(&app), m.goal)).await;
    assert_eq!(one["department_goals"][0]["id"], json!(m.department_goal));
}

async fn the_organization_lists_plan_periods_with_anything_adopted(app: TestApp) {
    let m = app.model().await;
    let today = chrono::Utc::now().date_naive();
    let year = chrono::Duration::days(365);
    let (current, _) = plan_period_with_goal(
        &app,
        &m.council,
        "Innevarande mandatperiod",
        &(today - year).to_string(),
        &(today + year).to_string(),
        "adopted",
    )
    .await;
    let (future, _) = plan_period_with_goal(
        &app,
        &m.council,
        "Mandatperioden 2091–2094",
        "2091-01-01",
        "2094-12-31",
        "adopted",
    )
    .await;
    let (drafts_only, _) = plan_period_with_goal(
        &app,
        &m.council,
        "Mandatperioden 2095–2098",
        "2095-01-01",
        "2098-12-31",
        "draft",
    )
    .await;
    // A plan period with only its vision adopted is public, too; with only a draft vision
    // it is not.
    let mut with_vision = Vec::new();
    for (name, start, end, state) in [
        (
            "Mandatperioden 2087–2090",
            "2087-01-01",
            "2090-12-31",
            "adopted",
        ),
        (
            "Mandatperioden 2083–2086",
            "2083-01-01",
            "2086-12-31",
            "draft",
        ),
    ] {
        let period = app
            .create(
                "/api/v1/plan-periods",
                json!({"name": name, "start_date": start, "end_date": end}),
            )
            .await;
        let body =
            json!({"plan_period_id": period, "vision": "En vision.", "purpose": "Ett syfte."});
        created_in(&app, "/api/v1/visions", body, state, &m.council).await;
        with_vision.push(period);
    }
    let (vision_only, draft_vision_only) = (with_vision[0].clone(), with_vision[1].clone());

    let face = read(&app, &base(&app)).await;
    assert_eq!(face["name"], "Testkommun");
    assert_eq!(face["municipality_code"], json!(code_for(&app.org)));
    let periods: Vec<&str> = face["plan_periods"]
        .as_array()
        .expect("plan periods")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(
        periods,
        vec![
            m.plan_period.as_str(),
            current.as_str(),
            vision_only.as_str(),
            future.as_str()
        ],
        "{face}"
    );
    assert_eq!(
        face["plan_periods"][0],
        json!({"id": m.plan_period, "name": "Mandatperioden 2011–2014",
               "start_date": "2011-01-01", "end_date": "2014-12-31"})
    );

    // By default the plan period of today; else the latest.
    for path in ["goal-tree", "goals"] {
        let answer = read(&app, &format!("{}/{path}", base(&app))).await;
        assert_eq!(answer["plan_period"]["id"], json!(current), "{path}");
    }
    archive(&app, &format!("/api/v1/plan-periods/{current}")).await;
    for path in ["goal-tree", "goals"] {
        let answer = read(&app, &format!("{}/{path}", base(&app))).await;
        assert_eq!(answer["plan_period"]["id"], json!(future), "{path}");
    }

    // Any public plan period by id; others are 404, a bad id is 400.
    let old = read(
        &app,
        &format!("{}/goals?plan_period_id={}", base(&app), m.plan_period),
    )
    .await;
    assert_eq!(numbers(&old["goals"]), vec![1]);
    let vision = read(
        &app,
        &format!("{}/goal-tree?plan_period_id={vision_only}", base(&app)),
    )
    .await;
    assert_eq!(vision["vision"]["vision"], "En vision.");
    assert!(tree_goals(&vision).is_empty());
    for hidden in [&drafts_only, &draft_vision_only, &current] {
        for path in ["goal-tree", "goals"] {
            public(
                &app,
                &format!("{}/{path}?plan_period_id={hidden}", base(&app)),
                &[],
            )
            .await
            .problem(404);
        }
    }
    let bad = public(
        &app,
        &format!("{}/goal-tree?plan_period_id=2011", base(&app)),
        &[],
    )
    .await;
    bad.problem(400);
    assert_eq!(bad.error_fields(), vec!["plan_period_id"]);
}

async fn nothing_adopted_yet_is_404(app: TestApp) {
    let face = read(&app, &base(&app)).await;
    assert_eq!(face["plan_periods"], json!([]));
    for path in ["goal-tree", "goals"] {
        public(&app, &format!("{}/{path}", base(&app)), &[])
            .await
            .problem(404);
    }
}

// ---------------------------------------------------------------- who is asked

async fn unknown_or_archived_municipalities_are_404(app: TestApp) {
    let m = app.model().await;
    let unknown = if code_for(&app.org) == "9999" {
        "9998"
    } else {
        "9999"
    };
    for code in [unknown, "683", "06830", "abcd", "0x68"] {
        for path in ["", "/goal-tree", "/goals"] {
            let response = public(&app, &format!("/api/v1/public/{code}{path}"), &[]).await;
            response.problem(404);
        }
        public(
            &app,
            &format!("/api/v1/public/{code}/goals/{}", m.goal),
            &[],
        )
        .await
        .problem(404);
    }
    archive(&app, &format!("/api/v1/organizations/{}", app.org)).await;
    for path in [
        base(&app),
        format!("{}/goal-tree", base(&app)),
        format!("{}/goals/{}", base(&app), m.goal),
    ] {
        public(&app, &path, &[]).await.problem(404);
    }
}

async fn another_organizations_goal_is_404_under_this_code(app: TestApp) {
    app.model().await;
    let foreign = app.goal_of_another_organization().await;
    public(&app, &format!("{}/goals/{foreign}", base(&app)), &[])
        .await
        .problem(404);
    // Under its own municipality's code it is public.
    let code = if code_for(&app.org) == "0662" {
        "0665"
    } else {
        "0662"
    };
    let goal = read(&app, &format!("/api/v1/public/{code}/goals/{foreign}")).await;
    assert_eq!(
        goal["title"],
        "Gislaved ska vara en trygg kommun att leva i."
    );
    let list = read(&app, &format!("{}/goals", base(&app))).await;
    assert!(!list.to_string().contains("Gislaved"), "{list}");
}

async fn no_token_is_needed_and_a_bad_one_does_not_matter(app: TestApp) {
    let m = app.model().await;
    let path = format!("{}/goals/{}", base(&app), m.goal);
    public(&app, &path, &[]).await.expect(200);
    app.send(Method::GET, &path, Some("not-a-jwt"), None, &[])
        .await
        .expect(200);
    // Writing is not a thing of the public view.
    let response = app
        .send(
            Method::POST,
            &format!("{}/goals", base(&app)),
            None,
            None,
            &[],
        )
        .await;
    response.problem(405);
}

// ---------------------------------------------------------------- caching

async fn etag_revalidates_and_changes_with_the_content(app: TestApp) {
    let m = app.model().await;
    let draft = goal(&app, &m, 2, "Ett utkast till mål.", "draft").await;
    let tree = format!("{}/goal-tree", base(&app));
    let first = public(&app, &tree, &[]).await;
    first.expect(200);
    let etag = first.header("etag").expect("an ETag");
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2,
        "a strong ETag: {etag}"
    );
    let second = public(&app, &tree, &[]).await;
    assert_eq!(second.header("etag"), Some(etag.clone()));
    assert_eq!(second.body, first.body);

    // The client holds it: 304, no body, the same validators.
    for condition in [
        etag.clone(),
        "*".to_string(),
        format!("\"something-else\", {etag}"),
        format!("W/{etag}"),
    ] {
        let unchanged = public(&app, &tree, &[("If-None-Match", &condition)]).await;
        assert_eq!(unchanged.status, 304, "{condition}: {}", unchanged.text());
        assert!(unchanged.body.is_empty());
        assert_eq!(unchanged.header("etag"), Some(etag.clone()));
        assert_eq!(
            unchanged.header("cache-control").as_deref(),
            Some("public, max-age=60")
        );
    }
    public(&app, &tree, &[("If-None-Match", "\"something-else\"")])
        .await
        .expect(200);

    // Editing a draft changes nothing public.
    app.patch(
        &format!("/api/v1/goals/{draft}"),
        &app.admin(),
        json!({"title": "Ett annat utkast."}),
    )
    .await
    .expect(200);
    assert_eq!(
        public(&app, &tree, &[]).await.header("etag"),
        Some(etag.clone())
    );

    // Editing an adopted goal does.
    app.patch(
        &format!("/api/v1/goals/{}", m.goal),
        &app.admin(),
        json!({"title": "Alla invånare ska känna sig trygga.",
               "revision": revision(&m.council, "2012-06-14")}),
    )
    .await
    .expect(200);
    let changed = public(&app, &tree, &[("If-None-Match", &etag)]).await;
    let document = changed.expect(200);
    assert_ne!(changed.header("etag"), Some(etag.clone()));
    assert_eq!(
        tree_goals(&document)[0]["title"],
        "Alla invånare ska känna sig trygga."
    );

    // Every public answer is cached the same way.
    for path in [
        base(&app),
        format!("{}/goals", base(&app)),
        format!("{}/goals/{}", base(&app), m.goal),
    ] {
        let answer = public(&app, &path, &[]).await;
        answer.expect(200);
        let etag = answer.header("etag").expect("an ETag");
        let again = public(&app, &path, &[("If-None-Match", &etag)]).await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
    }
}

/// The body of a gzip-coded answer, decoded.
fn gunzip(body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut decoded)
        .expect("a gzip body");
    decoded
}

async fn a_client_taking_gzip_gets_the_same_answer_gzip_coded(app: TestApp) {
    app.make_room_for_the_demo().await;
    app.load_demo();
    let tree = "/api/v1/public/0683/goal-tree";
    let gzip = ("Accept-Encoding", "gzip, deflate, br");

    let plain = public(&app, tree, &[]).await;
    plain.expect(200);
    assert_eq!(plain.header("content-encoding"), None);
    let varies_by_encoding = |r: &Resp| {
        r.header("vary")
            .is_some_and(|v| v.split(',').any(|h| h.trim() == "Accept-Encoding"))
    };
    assert!(varies_by_encoding(&plain), "{:?}", plain.header("vary"));
    let coded = public(&app, tree, &[gzip]).await;
    assert_eq!(coded.status, 200, "{}", coded.text());
    assert_eq!(coded.header("content-encoding").as_deref(), Some("gzip"));
    assert!(varies_by_encoding(&coded), "{:?}", coded.header("vary"));
    assert_eq!(coded.content_type(), "application/json");
    assert_eq!(gunzip(&coded.body), plain.body.to_vec());
    assert!(
        coded.body.len() * 2 < plain.body.len(),
        "{} bytes coded of {}",
        coded.body.len(),
        plain.body.len()
    );

    // Two representations, two strong ETags; either held is revalidated.
    let plain_tag = plain.header("etag").expect("an ETag");
    let coded_tag = coded.header("etag").expect("an ETag");
    assert_ne!(plain_tag, coded_tag);
    assert!(coded_tag.starts_with('"') && coded_tag.ends_with('"'));
    let unchanged = public(&app, tree, &[gzip, ("If-None-Match", &coded_tag)]).await;
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.body.is_empty());
    assert_eq!(unchanged.header("etag"), Some(coded_tag.clone()));
    let unchanged = public(&app, tree, &[("If-None-Match", &plain_tag)]).await;
    assert_eq!(unchanged.status, 304);
    assert_eq!(unchanged.header("etag"), Some(plain_tag.clone()));

    // gzip refused, or not named: the plain answer.
    for refused in ["gzip;q=0", "identity", "br"] {
        let answer = public(&app, tree, &[("Accept-Encoding", refused)]).await;
        assert_eq!(answer.status, 200, "{refused}");
        assert_eq!(answer.header("content-encoding"), None, "{refused}");
        assert_eq!(answer.body, plain.body, "{refused}");
    }

    // The cached reads behind a token too: the goal tree of a plan period.
    let token = app.token_for(&app.demo_organization().id.to_string(), &["admin"]);
    let periods = app.get("/api/v1/plan-periods", &token).await.expect(200);
    let period = periods["items"][0]["id"].as_str().expect("a plan period");
    let path = format!("/api/v1/plan-periods/{period}/goal-tree");
    let plain = app.send(Method::GET, &path, Some(&token), None, &[]).await;
    plain.expect(200);
    let coded = app
        .send(Method::GET, &path, Some(&token), None, &[gzip])
        .await;
    assert_eq!(coded.header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(gunzip(&coded.body), plain.body.to_vec());

    // A page of a list as well; a record is sent as it is, its ETag being its version.
    let list = "/api/v1/activities?limit=100";
    let plain = app.send(Method::GET, list, Some(&token), None, &[]).await;
    let coded = app
        .send(Method::GET, list, Some(&token), None, &[gzip])
        .await;
    assert_eq!(coded.header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(gunzip(&coded.body), plain.body.to_vec());
    let activity = plain.json()["items"][0]["id"].as_str().map(str::to_string);
    let one = format!("/api/v1/activities/{}", activity.expect("an activity"));
    let record = app
        .send(Method::GET, &one, Some(&token), None, &[gzip])
        .await;
    assert_eq!(record.header("content-encoding"), None);
    assert_eq!(record.header("etag").as_deref(), Some("\"1\""));
}

async fn browsers_may_send_if_none_match_across_origins(app: TestApp) {
    let response = app
        .send(
            Method::OPTIONS,
            &base(&app),
            None,
            None,
            &[
                ("Origin", "https://front.example"),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", "if-none-match"),
            ],
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let allowed = response
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(allowed.contains("if-none-match"), "{allowed}");
}

// ---------------------------------------------------------------- the demo

async fn the_demo_publishes_its_goal_model(app: TestApp) {
    app.make_room_for_the_demo().await;
    app.load_demo();
    let base = "/api/v1/public/0683";
    let face = read(&app, base).await;
    assert_eq!(face["name"], "Värnamo kommun");
    assert_eq!(face["plan_periods"].as_array().map(Vec::len), Some(1));

    let tree = read(&app, &format!("{base}/goal-tree")).await;
    assert_public_only(&tree);
    assert_eq!(tree["plan_period"]["start_date"], "2011-01-01");
    let vision = tree["vision"]["vision"].as_str().unwrap_or_default();
    assert!(vision.contains("den mänskliga tillväxtkommunen"), "{tree}");
    let purpose = tree["vision"]["purpose"].as_str().unwrap_or_default();
    assert!(purpose.contains("kostnadseffektivt"), "{tree}");
    assert_eq!(
        shape(&tree),
        vec![
            ("Medborgar/kundmål", vec![1, 2]),
            ("Resursmål – Ekonomi och Personal", vec![3, 4, 5]),
            ("Miljö", vec![6, 7]),
        ]
    );
    let goals = tree_goals(&tree);
    assert_eq!(goals.len(), 7);
    // The adopted department goals, with their boards; the draft one is not there.
    let department_goals: Vec<(i64, String)> = goals
        .iter()
        .flat_map(|g| {
            let number = g["number"].as_i64().unwrap_or_default();
            g["department_goals"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |d| {
                    (
                        number,
                        d["board"]["short_code"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
        })
        .collect();
    assert_eq!(department_goals.len(), 4, "{department_goals:?}");
    assert!(department_goals.contains(&(5, "BUN".to_string())));
    assert!(!department_goals.iter().any(|(number, _)| *number == 7));
    let text = tree.to_string();
    assert!(!text.contains("förnybara drivmedel"), "the draft: {text}");
    assert!(!text.contains("Arbetslagsledaren"), "a responsible: {text}");

    let list = read(&app, &format!("{base}/goals")).await;
    assert_public_only(&list);
    assert_eq!(numbers(&list["goals"]), vec![1, 2, 3, 4, 5, 6, 7]);
    let three = &list["goals"][2];
    assert!(
        three["footnotes"].as_array().is_some_and(|f| !f.is_empty()),
        "{three}"
    );
    let id = three["id"].as_str().expect("an id");
    let one = read(&app, &format!("{base}/goals/{id}")).await;
    assert_eq!(one, *three);
}

backend_tests!(
    only_adopted_unarchived_goals_are_public,
    the_tree_has_vision_and_perspectives_in_order,
    public_json_names_no_people_and_no_internal_fields,
    the_organization_lists_plan_periods_with_anything_adopted,
    nothing_adopted_yet_is_404,
    unknown_or_archived_municipalities_are_404,
    another_organizations_goal_is_404_under_this_code,
    no_token_is_needed_and_a_bad_one_does_not_matter,
    etag_revalidates_and_changes_with_the_content,
    a_client_taking_gzip_gets_the_same_answer_gzip_coded,
    browsers_may_send_if_none_match_across_origins,
    the_demo_publishes_its_goal_model,
);
