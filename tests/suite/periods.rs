//! Plan periods, reporting periods, visions and perspectives.

use crate::common::ids;
use crate::common::TestApp;
use actix_web::http::Method;
use serde_json::{json, Value};

const MANDATPERIOD: &str = "Mandatperioden 2011–2014";
const VISION: &str = "Värnamo – den mänskliga tillväxtkommunen";
const PURPOSE: &str = "Värnamo kommun skall på kommunmedborgarnas uppdrag tillhandahålla service kostnadseffektivt och med god kvalitet.";

/// The term of office 2011–2014.
async fn mandatperiod(app: &TestApp) -> String {
    app.create(
        "/api/v1/plan-periods",
        json!({"name": MANDATPERIOD, "start_date": "2011-01-01", "end_date": "2014-12-31"}),
    )
    .await
}

/// The next term of office, 2015–2018.
async fn next_mandatperiod(app: &TestApp) -> String {
    app.create(
        "/api/v1/plan-periods",
        json!({"name": "Mandatperioden 2015–2018", "start_date": "2015-01-01", "end_date": "2018-12-31"}),
    )
    .await
}

/// The interim report 2011 of a plan period.
fn delarsrapport(plan_period: &str) -> Value {
    json!({
        "plan_period_id": plan_period,
        "kind": "interim_report",
        "name": "Delårsrapport 2011",
        "start_date": "2011-01-01",
        "end_date": "2011-08-31",
        "follow_up_deadline": "2011-09-30",
    })
}

async fn post_action(app: &TestApp, path: &str) -> crate::common::Resp {
    app.send(Method::POST, path, Some(&app.admin()), None, &[])
        .await
}

// ---------------------------------------------------------------- plan periods

async fn plan_period_create_get_list_and_patch(app: TestApp) {
    let admin = app.admin();
    let created = app
        .post(
            "/api/v1/plan-periods",
            &admin,
            json!({"name": MANDATPERIOD, "start_date": "2011-01-01", "end_date": "2014-12-31",
                   "external_id": "MP-2011"}),
        )
        .await;
    let body = created.expect(201);
    let id = created.id();
    assert_eq!(created.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        created.header("location").as_deref(),
        Some(format!("/api/v1/plan-periods/{id}").as_str())
    );
    assert_eq!(body["name"], MANDATPERIOD);
    assert_eq!(body["start_date"], "2011-01-01");
    assert_eq!(body["end_date"], "2014-12-31");
    assert_eq!(body["external_id"], "MP-2011");
    assert_eq!(body["organization_id"], json!(app.org));
    assert_eq!(body["archived_at"], Value::Null);

    let got = app
        .get(&format!("/api/v1/plan-periods/{id}"), &admin)
        .await
        .expect(200);
    assert_eq!(got, body);

    let next = next_mandatperiod(&app).await;
    let listed = app
        .get("/api/v1/plan-periods", &app.token(&["viewer"]))
        .await
        .expect(200);
    assert_eq!(ids(&listed), vec![id.clone(), next.clone()]);
    assert_eq!(listed["next_cursor"], Value::Null);

    let path = format!("/api/v1/plan-periods/{id}");
    let patched = app
        .patch_if_match(
            &path,
            &admin,
            "\"1\"",
            json!({"name": "Mandatperioden 2011–2015", "end_date": "2015-06-30"}),
        )
        .await;
    assert_eq!(patched.header("etag").as_deref(), Some("\"2\""));
    let patched = patched.expect(200);
    assert_eq!(patched["name"], "Mandatperioden 2011–2015");
    assert_eq!(patched["end_date"], "2015-06-30");
    assert_eq!(patched["start_date"], "2011-01-01");

    app.patch_if_match(&path, &admin, "\"1\"", json!({"name": MANDATPERIOD}))
        .await
        .problem(412);
    let after = app.get(&path, &admin).await.expect(200);
    assert_eq!(after["name"], "Mandatperioden 2011–2015");
    assert_eq!(after["version"], 2);

    // Only admins manage periods.
    app.post(
        "/api/v1/plan-periods",
        &app.token(&["council"]),
        json!({"name": "Mandatperioden 2019–2022", "start_date": "2019-01-01", "end_date": "2022-12-31"}),
    )
    .await
    .problem(403);
}

async fn plan_period_end_before_start_is_422(app: TestApp) {
    let admin = app.admin();
    let refused = app
        .post(
            "/api/v1/plan-periods",
            &admin,
            json!({"name": MANDATPERIOD, "start_date": "2014-12-31", "end_date": "2011-01-01"}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["end_date"]);
    let listed = app.get("/api/v1/plan-periods", &admin).await.expect(200);
    assert_eq!(ids(&listed), Vec::<String>::new());

    let bad_date = app
        .post(
            "/api/v1/plan-periods",
            &admin,
            json!({"name": MANDATPERIOD, "start_date": "2011-02-30", "end_date": "2014-12-31"}),
        )
        .await;
    bad_date.problem(422);
    assert_eq!(bad_date.error_fields(), vec!["start_date"]);

    // A patch that turns the period around is refused the same way.
    let id = mandatperiod(&app).await;
    let path = format!("/api/v1/plan-periods/{id}");
    let turned = app
        .patch(&path, &admin, json!({"end_date": "2010-12-31"}))
        .await;
    turned.problem(422);
    assert_eq!(turned.error_fields(), vec!["end_date"]);
    let unchanged = app.get(&path, &admin).await.expect(200);
    assert_eq!(unchanged["end_date"], "2014-12-31");
    assert_eq!(unchanged["version"], 1);
}

async fn deleting_a_referenced_plan_period_conflicts(app: TestApp) {
    let admin = app.admin();
    let plan_period = mandatperiod(&app).await;
    app.create(
        "/api/v1/perspectives",
        json!({"plan_period_id": plan_period, "name": "Miljö", "focus": "both", "position": 3}),
    )
    .await;
    let refused = app
        .delete(&format!("/api/v1/plan-periods/{plan_period}"), &admin)
        .await;
    refused.problem(409);
    let still = app
        .get(&format!("/api/v1/plan-periods/{plan_period}"), &admin)
        .await
        .expect(200);
    assert_eq!(still["name"], MANDATPERIOD);

    // An unreferenced one goes.
    let next = next_mandatperiod(&app).await;
    let deleted = app
        .delete(&format!("/api/v1/plan-periods/{next}"), &admin)
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    app.get(&format!("/api/v1/plan-periods/{next}"), &admin)
        .await
        .problem(404);
    let listed = app.get("/api/v1/plan-periods", &admin).await.expect(200);
    assert_eq!(ids(&listed), vec![plan_period]);
}

// ---------------------------------------------------------------- reporting periods

async fn reporting_period_inside_its_plan_period_defaults_to_open(app: TestApp) {
    let admin = app.admin();
    let plan_period = mandatperiod(&app).await;
    let created = app
        .post(
            "/api/v1/reporting-periods",
            &admin,
            delarsrapport(&plan_period),
        )
        .await;
    let body = created.expect(201);
    assert_eq!(created.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(body["status"], "open");
    assert_eq!(body["kind"], "interim_report");
    assert_eq!(body["name"], "Delårsrapport 2011");
    assert_eq!(body["plan_period_id"], json!(plan_period));
    assert_eq!(body["start_date"], "2011-01-01");
    assert_eq!(body["end_date"], "2011-08-31");
    assert_eq!(body["follow_up_deadline"], "2011-09-30");

    let got = app
        .get(
            &format!("/api/v1/reporting-periods/{}", created.id()),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(got, body);

    // The whole plan period is itself a valid reporting period (bounds are inclusive).
    let whole = app
        .post(
            "/api/v1/reporting-periods",
            &admin,
            json!({"plan_period_id": plan_period, "kind": "other", "name": "Hela mandatperioden",
                   "start_date": "2011-01-01", "end_date": "2014-12-31", "status": "closed"}),
        )
        .await
        .expect(201);
    assert_eq!(whole["status"], "closed");
    assert_eq!(whole["follow_up_deadline"], Value::Null);
}

async fn reporting_period_dates_must_lie_inside_the_plan_period(app: TestApp) {
    let admin = app.admin();
    let plan_period = mandatperiod(&app).await;

    let mut early = delarsrapport(&plan_period);
    early["start_date"] = json!("2010-09-01");
    let refused = app.post("/api/v1/reporting-periods", &admin, early).await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["start_date"]);

    let mut late = delarsrapport(&plan_period);
    late["name"] = json!("Årsredovisning 2014");
    late["kind"] = json!("annual_report");
    late["start_date"] = json!("2014-01-01");
    late["end_date"] = json!("2015-01-31");
    late["follow_up_deadline"] = json!("2015-03-31");
    let refused = app.post("/api/v1/reporting-periods", &admin, late).await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["end_date"]);

    let mut outside = delarsrapport(&plan_period);
    outside["start_date"] = json!("2016-01-01");
    outside["end_date"] = json!("2016-08-31");
    outside["follow_up_deadline"] = json!("2016-09-30");
    let refused = app.post("/api/v1/reporting-periods", &admin, outside).await;
    refused.problem(422);
    let fields = refused.error_fields();
    assert!(fields.contains(&"start_date".to_string()), "{fields:?}");
    assert!(fields.contains(&"end_date".to_string()), "{fields:?}");

    let mut backwards = delarsrapport(&plan_period);
    backwards["start_date"] = json!("2011-08-31");
    backwards["end_date"] = json!("2011-01-01");
    let refused = app
        .post("/api/v1/reporting-periods", &admin, backwards)
        .await;
    refused.problem(422);
    assert!(refused.error_fields().contains(&"end_date".to_string()));

    let mut deadline = delarsrapport(&plan_period);
    deadline["follow_up_deadline"] = json!("2011-08-30");
    let refused = app
        .post("/api/v1/reporting-periods", &admin, deadline)
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["follow_up_deadline"]);

    let listed = app
        .get("/api/v1/reporting-periods", &admin)
        .await
        .expect(200);
    assert_eq!(ids(&listed), Vec::<String>::new(), "nothing was stored");

    // A patch may not move the period out of its plan period either.
    let id = app
        .create("/api/v1/reporting-periods", delarsrapport(&plan_period))
        .await;
    let path = format!("/api/v1/reporting-periods/{id}");
    let moved = app
        .patch(&path, &admin, json!({"end_date": "2015-08-31"}))
        .await;
    moved.problem(422);
    assert!(moved.error_fields().contains(&"end_date".to_string()));
    let deadline = app
        .patch(&path, &admin, json!({"follow_up_deadline": "2011-06-30"}))
        .await;
    deadline.problem(422);
    assert_eq!(deadline.error_fields(), vec!["follow_up_deadline"]);
    let unchanged = app.get(&path, &admin).await.expect(200);
    assert_eq!(unchanged["end_date"], "2011-08-31");
    assert_eq!(unchanged["follow_up_deadline"], "2011-09-30");
    assert_eq!(unchanged["version"], 1);
}

async fn reporting_period_of_another_organizations_plan_period_is_422(app: TestApp) {
    let admin = app.admin();
    let other = app.another_organization().await;
    let foreign = app
        .post(
            "/api/v1/plan-periods",
            &app.token_for(&other, &["admin"]),
            json!({"name": MANDATPERIOD, "start_date": "2011-01-01", "end_date": "2014-12-31"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let refused = app
        .post("/api/v1/reporting-periods", &admin, delarsrapport(&foreign))
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["plan_period_id"]);

    let missing = app
        .post(
            "/api/v1/reporting-periods",
            &admin,
            delarsrapport(&uuid::Uuid::new_v4().to_string()),
        )
        .await;
    missing.problem(422);
    assert_eq!(missing.error_fields(), vec!["plan_period_id"]);

    let listed = app
        .get("/api/v1/reporting-periods", &admin)
        .await
        .expect(200);
    assert_eq!(ids(&listed), Vec::<String>::new());
}

async fn reporting_periods_filter_and_close(app: TestApp) {
    let admin = app.admin();
    let first = mandatperiod(&app).await;
    let second = next_mandatperiod(&app).await;
    let interim = app
        .create("/api/v1/reporting-periods", delarsrapport(&first))
        .await;
    let annual = app
        .create(
            "/api/v1/reporting-periods",
            json!({"plan_period_id": first, "kind": "annual_report", "name": "Årsredovisning 2011",
                   "start_date": "2011-01-01", "end_date": "2011-12-31", "follow_up_deadline": "2012-02-15"}),
        )
        .await;
    let next_interim = app
        .create(
            "/api/v1/reporting-periods",
            json!({"plan_period_id": second, "kind": "interim_report", "name": "Delårsrapport 2015",
                   "start_date": "2015-01-01", "end_date": "2015-08-31"}),
        )
        .await;

    let of_first = app
        .get(
            &format!("/api/v1/reporting-periods?plan_period_id={first}"),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(ids(&of_first), vec![interim.clone(), annual.clone()]);
    let of_second = app
        .get(
            &format!("/api/v1/reporting-periods?plan_period_id={second}"),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(ids(&of_second), vec![next_interim.clone()]);

    let path = format!("/api/v1/reporting-periods/{interim}");
    let closed = app
        .patch_if_match(&path, &admin, "\"1\"", json!({"status": "closed"}))
        .await;
    assert_eq!(closed.header("etag").as_deref(), Some("\"2\""));
    let closed = closed.expect(200);
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["name"], "Delårsrapport 2011");
    let got = app.get(&path, &admin).await.expect(200);
    assert_eq!(got["status"], "closed");

    let closed_list = app
        .get("/api/v1/reporting-periods?status=closed", &admin)
        .await
        .expect(200);
    assert_eq!(ids(&closed_list), vec![interim.clone()]);
    let open_list = app
        .get("/api/v1/reporting-periods?status=open", &admin)
        .await
        .expect(200);
    assert_eq!(ids(&open_list), vec![annual.clone(), next_interim.clone()]);
    let open_of_first = app
        .get(
            &format!("/api/v1/reporting-periods?plan_period_id={first}&status=open"),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(ids(&open_of_first), vec![annual]);

    let bad = app
        .get("/api/v1/reporting-periods?status=st%C3%A4ngd", &admin)
        .await;
    bad.problem(400);
    assert_eq!(bad.error_fields(), vec!["status"]);
    let bad = app.patch(&path, &admin, json!({"status": "stängd"})).await;
    bad.problem(422);
    assert_eq!(bad.error_fields(), vec!["status"]);

    // A viewer reads reporting periods but cannot reopen one.
    let viewer = app.token(&["viewer"]);
    app.get(&path, &viewer).await.expect(200);
    app.patch(&path, &viewer, json!({"status": "open"}))
        .await
        .problem(403);
    assert_eq!(app.get(&path, &admin).await.expect(200)["status"], "closed");
}

// ---------------------------------------------------------------- visions

async fn one_vision_per_plan_period(app: TestApp) {
    let plan_period = mandatperiod(&app).await;
    let council = app.token(&["council"]);
    let created = app
        .post(
            "/api/v1/visions",
            &council,
            json!({"plan_period_id": plan_period, "vision": VISION, "purpose": PURPOSE,
                   "decision_reference": "KF 2010-11-25 § 123", "decided_on": "2010-11-25"}),
        )
        .await;
    let vision = created.expect(201);
    assert_eq!(created.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(vision["vision"], VISION);
    assert_eq!(vision["purpose"], PURPOSE);
    assert_eq!(vision["plan_period_id"], json!(plan_period));
    assert_eq!(vision["decided_on"], "2010-11-25");
    let got = app
        .get(
            &format!("/api/v1/visions/{}", created.id()),
            &app.token(&["viewer"]),
        )
        .await
        .expect(200);
    assert_eq!(got, vision);

    let second = app
        .post(
            "/api/v1/visions",
            &council,
            json!({"plan_period_id": plan_period, "vision": "Värnamo – kommunen som växer",
                   "purpose": PURPOSE}),
        )
        .await;
    second.problem(409);
    assert_eq!(second.error_fields(), vec!["plan_period_id"]);

    // Another plan period may have its own vision.
    let next = next_mandatperiod(&app).await;
    let other = app
        .post(
            "/api/v1/visions",
            &council,
            json!({"plan_period_id": next, "vision": VISION, "purpose": PURPOSE}),
        )
        .await
        .expect(201);

    let of_first = app
        .get(
            &format!("/api/v1/visions?plan_period_id={plan_period}"),
            &council,
        )
        .await
        .expect(200);
    assert_eq!(ids(&of_first), vec![created.id()]);
    let all = app.get("/api/v1/visions", &council).await.expect(200);
    assert_eq!(
        ids(&all),
        vec![
            created.id(),
            other["id"].as_str().expect("an id").to_string()
        ]
    );

    let missing_purpose = app
        .post(
            "/api/v1/visions",
            &council,
            json!({"plan_period_id": next, "vision": VISION}),
        )
        .await;
    missing_purpose.problem(422);
    assert_eq!(missing_purpose.error_fields(), vec!["purpose"]);
}

async fn only_council_and_admin_write_visions(app: TestApp) {
    let plan_period = mandatperiod(&app).await;
    let body = json!({"plan_period_id": plan_period, "vision": VISION, "purpose": PURPOSE});
    for roles in [&["board"][..], &["viewer"], &["manager"], &["team_member"]] {
        let refused = app
            .post("/api/v1/visions", &app.token(roles), body.clone())
            .await;
        refused.problem(403);
    }
    let listed = app.get("/api/v1/visions", &app.admin()).await.expect(200);
    assert_eq!(ids(&listed), Vec::<String>::new());

    let id = app
        .post("/api/v1/visions", &app.token(&["council"]), body)
        .await
        .expect(201)["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let path = format!("/api/v1/visions/{id}");
    app.patch(
        &path,
        &app.token(&["board"]),
        json!({"vision": "Värnamo – kommunen som växer"}),
    )
    .await
    .problem(403);
    let changed = app
        .patch(
            &path,
            &app.token(&["council"]),
            json!({"purpose": "Värnamo kommun ska ge god service till alla som bor och verkar i kommunen."}),
        )
        .await
        .expect(200);
    assert_eq!(changed["vision"], VISION);
    assert_eq!(changed["version"], 2);
}

async fn no_new_vision_in_an_archived_plan_period(app: TestApp) {
    let plan_period = mandatperiod(&app).await;
    let archived = post_action(&app, &format!("/api/v1/plan-periods/{plan_period}/archive")).await;
    assert!(archived.expect(200)["archived_at"].is_string());
    let listed = app
        .get("/api/v1/plan-periods", &app.admin())
        .await
        .expect(200);
    assert_eq!(ids(&listed), Vec::<String>::new());
    let all = app
        .get("/api/v1/plan-periods?include_archived=true", &app.admin())
        .await
        .expect(200);
    assert_eq!(ids(&all), vec![plan_period.clone()]);

    let body = json!({"plan_period_id": plan_period, "vision": VISION, "purpose": PURPOSE});
    let refused = app
        .post("/api/v1/visions", &app.token(&["council"]), body.clone())
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["plan_period_id"]);
    let perspective = app
        .post(
            "/api/v1/perspectives",
            &app.admin(),
            json!({"plan_period_id": plan_period, "name": "Miljö", "focus": "both", "position": 3}),
        )
        .await;
    perspective.problem(422);
    assert_eq!(perspective.error_fields(), vec!["plan_period_id"]);
    let reporting = app
        .post(
            "/api/v1/reporting-periods",
            &app.admin(),
            delarsrapport(&plan_period),
        )
        .await;
    reporting.problem(422);
    assert_eq!(reporting.error_fields(), vec!["plan_period_id"]);

    post_action(
        &app,
        &format!("/api/v1/plan-periods/{plan_period}/unarchive"),
    )
    .await
    .expect(200);
    app.post("/api/v1/visions", &app.token(&["council"]), body)
        .await
        .expect(201);
}

// ---------------------------------------------------------------- perspectives

async fn perspectives_create_validate_and_filter(app: TestApp) {
    let admin = app.admin();
    let council = app.token(&["council"]);
    let plan_period = mandatperiod(&app).await;
    let next = next_mandatperiod(&app).await;

    let created = app
        .post(
            "/api/v1/perspectives",
            &council,
            json!({"plan_period_id": plan_period, "name": "Medborgar/kundmål", "focus": "external",
                   "position": 1, "description": "Mål som riktar sig till kommunens invånare och kunder."}),
        )
        .await;
    let citizens = created.expect(201);
    assert_eq!(created.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(citizens["focus"], "external");
    assert_eq!(citizens["position"], 1);
    assert_eq!(citizens["name"], "Medborgar/kundmål");
    let citizens = created.id();
    let resources = app
        .create(
            "/api/v1/perspectives",
            json!({"plan_period_id": plan_period, "name": "Resursmål – Ekonomi och Personal",
                   "focus": "internal", "position": 2}),
        )
        .await;
    let environment = app
        .create(
            "/api/v1/perspectives",
            json!({"plan_period_id": plan_period, "name": "Miljö", "focus": "both", "position": 3}),
        )
        .await;
    let next_citizens = app
        .create(
            "/api/v1/perspectives",
            json!({"plan_period_id": next, "name": "Medborgar/kundmål", "focus": "external", "position": 1}),
        )
        .await;

    for position in [0, -1] {
        let refused = app
            .post(
                "/api/v1/perspectives",
                &council,
                json!({"plan_period_id": plan_period, "name": "Miljö", "focus": "both", "position": position}),
            )
            .await;
        refused.problem(422);
        assert_eq!(
            refused.error_fields(),
            vec!["position"],
            "position {position}"
        );
    }
    let bad_focus = app
        .post(
            "/api/v1/perspectives",
            &council,
            json!({"plan_period_id": plan_period, "name": "Miljö", "focus": "utåt", "position": 4}),
        )
        .await;
    bad_focus.problem(422);
    assert_eq!(bad_focus.error_fields(), vec!["focus"]);
    let moved_to_zero = app
        .patch(
            &format!("/api/v1/perspectives/{environment}"),
            &admin,
            json!({"position": 0}),
        )
        .await;
    moved_to_zero.problem(422);
    assert_eq!(moved_to_zero.error_fields(), vec!["position"]);

    let of_first = app
        .get(
            &format!("/api/v1/perspectives?plan_period_id={plan_period}"),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(
        ids(&of_first),
        vec![citizens.clone(), resources.clone(), environment.clone()]
    );
    let external = app
        .get("/api/v1/perspectives?focus=external", &admin)
        .await
        .expect(200);
    assert_eq!(
        ids(&external),
        vec![citizens.clone(), next_citizens.clone()]
    );
    let internal_first = app
        .get(
            &format!("/api/v1/perspectives?plan_period_id={plan_period}&focus=internal"),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(ids(&internal_first), vec![resources]);
    let both_next = app
        .get(
            &format!("/api/v1/perspectives?plan_period_id={next}&focus=both"),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(ids(&both_next), Vec::<String>::new());
    let bad = app
        .get("/api/v1/perspectives?focus=ut%C3%A5t", &admin)
        .await;
    bad.problem(400);
    assert_eq!(bad.error_fields(), vec!["focus"]);

    let refocused = app
        .patch(
            &format!("/api/v1/perspectives/{environment}"),
            &council,
            json!({"focus": "external", "position": 4}),
        )
        .await
        .expect(200);
    assert_eq!(refocused["focus"], "external");
    assert_eq!(refocused["position"], 4);
    let external = app
        .get(
            &format!("/api/v1/perspectives?plan_period_id={plan_period}&focus=external"),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(ids(&external), vec![citizens, environment]);

    app.post(
        "/api/v1/perspectives",
        &app.token(&["board"]),
        json!({"plan_period_id": plan_period, "name": "Utveckling", "focus": "internal", "position": 5}),
    )
    .await
    .problem(403);
}

async fn a_plan_period_keeps_its_reporting_periods_inside(app: TestApp) {
    let admin = app.admin();
    let plan_period = mandatperiod(&app).await;
    let report = app
        .create("/api/v1/reporting-periods", delarsrapport(&plan_period))
        .await;
    let path = format!("/api/v1/plan-periods/{plan_period}");
    for dates in [
        json!({"start_date": "2011-06-01"}),
        json!({"end_date": "2011-06-30"}),
    ] {
        let refused = app.patch(&path, &admin, dates).await;
        refused.problem(409);
        assert!(
            refused.text().contains("Delårsrapport 2011"),
            "{}",
            refused.text()
        );
    }
    let kept = app.get(&path, &admin).await.expect(200);
    assert_eq!(
        (kept["start_date"].as_str(), kept["end_date"].as_str()),
        (Some("2011-01-01"), Some("2014-12-31"))
    );
    // Widening is fine, and the reporting period can still be archived and restored.
    app.patch(&path, &admin, json!({"end_date": "2015-12-31"}))
        .await
        .expect(200);
    post_action(&app, &format!("/api/v1/reporting-periods/{report}/archive"))
        .await
        .expect(200);
    post_action(
        &app,
        &format!("/api/v1/reporting-periods/{report}/unarchive"),
    )
    .await
    .expect(200);
}

backend_tests!(
    a_plan_period_keeps_its_reporting_periods_inside,
    plan_period_create_get_list_and_patch,
    plan_period_end_before_start_is_422,
    deleting_a_referenced_plan_period_conflicts,
    reporting_period_inside_its_plan_period_defaults_to_open,
    reporting_period_dates_must_lie_inside_the_plan_period,
    reporting_period_of_another_organizations_plan_period_is_422,
    reporting_periods_filter_and_close,
    one_vision_per_plan_period,
    only_council_and_admin_write_visions,
    no_new_vision_in_an_archived_plan_period,
    perspectives_create_validate_and_filter,
);
