//! The life cycle (draft → adopted → retired) of goals, department goals and visions, the
//! decisions that adopt and change them, their revisions and reading them as they were in
//! force on a day.

use crate::common::{adopted, revision, Model, TestApp};
use serde_json::{json, Value};

const OLD_TITLE: &str = "Invånarna i Värnamo kommun ska känna sig trygga.";
const NEW_TITLE: &str = "Alla invånare i Värnamo kommun ska känna sig trygga i hela kommunen.";
const VISION: &str = "Värnamo – den mänskliga tillväxtkommunen.";
const OLD_PURPOSE: &str = "Service kostnadseffektivt och med god kvalitet.";
const NEW_PURPOSE: &str = "Service kostnadseffektivt, med god kvalitet och hållbart.";

fn goal_body(m: &Model, number: i32, title: &str) -> Value {
    json!({"plan_period_id": m.plan_period, "perspective_id": m.perspective,
           "owner_unit_id": m.council, "number": number, "title": title})
}

fn vision_body(plan_period: &str, vision: &str) -> Value {
    json!({"plan_period_id": plan_period, "vision": vision, "purpose": OLD_PURPOSE})
}

/// A plan period of its own for another vision; returns its id.
async fn another_plan_period(app: &TestApp, from_year: i32) -> String {
    app.create(
        "/api/v1/plan-periods",
        json!({"name": format!("Mandatperioden {from_year}–{}", from_year + 3),
               "start_date": format!("{from_year}-01-01"),
               "end_date": format!("{}-12-31", from_year + 3)}),
    )
    .await
}

/// The model's plan period gets an adopted vision (2010-11-25) whose purpose the council
/// revised on 2012-06-14; returns its id.
async fn revised_vision(app: &TestApp, m: &Model) -> String {
    let id = app
        .create(
            "/api/v1/visions",
            adopted(vision_body(&m.plan_period, VISION), &m.council),
        )
        .await;
    app.patch(
        &format!("/api/v1/visions/{id}"),
        &app.admin(),
        json!({"purpose": NEW_PURPOSE, "revision": revision(&m.council, "2012-06-14")}),
    )
    .await
    .expect(200);
    id
}

async fn state_of(app: &TestApp, path: &str) -> Value {
    app.get(path, &app.admin()).await.expect(200)["state"].clone()
}

async fn only_draft_adopted_retired_in_that_order(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    // A draft cannot be retired, and cannot be created retired.
    let draft = app
        .create("/api/v1/goals", goal_body(&m, 2, "Ett utkast."))
        .await;
    let draft_path = format!("/api/v1/goals/{draft}");
    let refused = app
        .patch(
            &draft_path,
            &admin,
            json!({"state": "retired", "revision": revision(&m.council, "2012-06-14")}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["state"]);
    let mut retired = goal_body(&m, 3, "Skapat upphört.");
    retired["state"] = json!("retired");
    let refused = app.post("/api/v1/goals", &admin, retired).await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["state"]);
    // Staying a draft is fine; draft → adopted with a decision is fine.
    app.patch(&draft_path, &admin, json!({"state": "draft"}))
        .await
        .expect(200);
    app.patch(
        &draft_path,
        &admin,
        json!({"state": "adopted", "decision_reference": "KF 2011-03-01 § 20",
               "decided_on": "2011-03-01", "decided_by_unit_id": m.council}),
    )
    .await
    .expect(200);
    // Adopted → draft is refused.
    let refused = app
        .patch(&draft_path, &admin, json!({"state": "draft"}))
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["state"]);
    // Adopted → retired needs the decision; then retired → anything is refused.
    let refused = app
        .patch(&draft_path, &admin, json!({"state": "retired"}))
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["revision"]);
    assert_eq!(state_of(&app, &draft_path).await, "adopted");
    app.patch(
        &draft_path,
        &admin,
        json!({"state": "retired", "revision": revision(&m.council, "2012-06-14")}),
    )
    .await
    .expect(200);
    for to in ["draft", "adopted"] {
        let refused = app.patch(&draft_path, &admin, json!({"state": to})).await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), vec!["state"], "retired → {to}");
    }
    assert_eq!(state_of(&app, &draft_path).await, "retired");
}

async fn adopting_needs_reference_date_and_deciding_body(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let mut body = goal_body(&m, 2, "Ett mål.");
    body["state"] = json!("adopted");
    let refused = app.post("/api/v1/goals", &admin, body.clone()).await;
    refused.problem(422);
    assert_eq!(
        refused.error_fields(),
        vec!["decision_reference", "decided_on", "decided_by_unit_id"]
    );
    // The deciding body of a goal is the council, not a board.
    let refused = app
        .post("/api/v1/goals", &admin, adopted(body.clone(), &m.board))
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["decided_by_unit_id"]);
    let created = app
        .post("/api/v1/goals", &admin, adopted(body, &m.council))
        .await
        .expect(201);
    assert_eq!(created["decided_by_unit_id"], json!(m.council));
    assert_eq!(created["decision_reference"], "KF 2010-11-25 § 123");

    // A department goal is decided by its board (a team will not do).
    let path = format!("/api/v1/department-goals/{}", m.department_goal);
    let refused = app.patch(&path, &admin, json!({"state": "adopted"})).await;
    refused.problem(422);
    assert_eq!(
        refused.error_fields(),
        vec!["decision_reference", "decided_on", "decided_by_unit_id"]
    );
    let adopt = |by: &str| {
        json!({"state": "adopted", "decision_reference": "BUN 2011-02-15 § 12",
               "decided_on": "2011-02-15", "decided_by_unit_id": by})
    };
    let refused = app.patch(&path, &admin, adopt(&m.team)).await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["decided_by_unit_id"]);
    assert_eq!(state_of(&app, &path).await, "draft");
    app.patch(&path, &admin, adopt(&m.board)).await.expect(200);
    let revisions = app
        .get(&format!("{path}/revisions"), &admin)
        .await
        .expect(200);
    assert_eq!(revisions["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(revisions["items"][0]["valid_from"], "2011-02-15");
}

async fn revising_an_adopted_goal_keeps_what_was_in_force(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let path = format!("/api/v1/goals/{}", m.goal);
    let changed = app
        .patch(
            &path,
            &admin,
            json!({"title": NEW_TITLE, "footnotes": ["* Hela kommunen avser alla orter."],
                   "revision": {"reason": "Målet gäller hela kommunen.",
                                "decision_reference": "KF 2012-06-14 § 77",
                                "decided_on": "2012-06-14", "decided_by_unit_id": m.council}}),
        )
        .await
        .expect(200);
    assert_eq!(changed["title"], NEW_TITLE);
    assert_eq!(changed["decision_reference"], "KF 2012-06-14 § 77");
    assert_eq!(changed["decided_on"], "2012-06-14");

    let list = app
        .get(&format!("{path}/revisions"), &app.token(&["viewer"]))
        .await
        .expect(200);
    let items = list["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{list}");
    let (first, second) = (&items[0], &items[1]);
    assert_eq!(first["number"], 1);
    assert_eq!(first["valid_from"], "2010-11-25");
    assert_eq!(first["valid_to"], "2012-06-14");
    assert_eq!(first["decision_reference"], "KF 2010-11-25 § 123");
    assert_eq!(first["snapshot"]["title"], OLD_TITLE);
    assert_eq!(second["number"], 2);
    assert_eq!(second["valid_from"], "2012-06-14");
    assert_eq!(second["valid_to"], Value::Null);
    assert_eq!(second["reason"], "Målet gäller hela kommunen.");
    assert_eq!(second["decision_reference"], "KF 2012-06-14 § 77");
    assert_eq!(second["decided_by_unit_id"], json!(m.council));
    assert!(second["actor_subject"].as_str().is_some());
    let changes = second["changes"].as_array().cloned().unwrap_or_default();
    let fields: Vec<&str> = changes.iter().filter_map(|c| c["field"].as_str()).collect();
    assert_eq!(fields.len(), 2, "{changes:?}");
    assert!(fields.contains(&"title") && fields.contains(&"footnotes"));
    let title = changes.iter().find(|c| c["field"] == "title").cloned();
    assert_eq!(
        title,
        Some(json!({"field": "title", "before": OLD_TITLE, "after": NEW_TITLE}))
    );

    // What was in force when.
    let old = app.get(&format!("{path}?as_of=2011-01-01"), &admin).await;
    assert_eq!(old.expect(200)["title"], OLD_TITLE);
    assert_eq!(
        old.header("content-location"),
        Some(format!("/api/v1/goals/{}/revisions/1", m.goal))
    );
    assert_eq!(old.json()["revision"], 1);
    let new = app.get(&format!("{path}?as_of=2013-01-01"), &admin).await;
    assert_eq!(new.expect(200)["title"], NEW_TITLE);
    assert_eq!(new.json()["revision"], 2);
    assert_eq!(
        app.get(&format!("{path}?as_of=2012-06-14"), &admin)
            .await
            .expect(200)["title"],
        NEW_TITLE
    );
    app.get(&format!("{path}?as_of=2009-01-01"), &admin)
        .await
        .problem(404);
    app.get(&format!("{path}?as_of=not-a-date"), &admin)
        .await
        .problem(400);

    // A decision before the version in force is refused.
    let refused = app
        .patch(
            &path,
            &admin,
            json!({"title": OLD_TITLE, "revision": revision(&m.council, "2012-01-01")}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["revision.decided_on"]);

    {
        // A snapshot that no longer reads as a goal is an error in the goal tree as of a day,
        // never today's wording shown as the past.
        use diesel::connection::SimpleConnection;
        let mut conn = app.store.pool.get().expect("a connection");
        conn.batch_execute(&format!(
            "UPDATE revisions SET snapshot = '{{\"title\": 5}}' \
             WHERE entity_id = '{}' AND number = 1",
            m.goal
        ))
        .expect("the snapshot is spoiled");
    }
    let tree = format!("/api/v1/plan-periods/{}/goal-tree", m.plan_period);
    let spoiled = app.get(&format!("{tree}?as_of=2011-01-01"), &admin).await;
    spoiled.problem(500);
    assert!(!spoiled.text().contains(NEW_TITLE), "{}", spoiled.text());
}

/// A report speaks in the wording in force when its period ended: the 2011 annual report
/// keeps goal 5's 2011 title after a 2012 revision, and a 2012 report takes the new one.
async fn a_reporting_period_reads_goals_in_its_own_wording(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let report = |name: &str, end: &str| {
        json!({"plan_period_id": m.plan_period, "kind": "annual_report", "name": name,
               "start_date": format!("{}-01-01", &end[..4]), "end_date": end})
    };
    let of_2011 = app
        .create(
            "/api/v1/reporting-periods",
            report("Årsredovisning 2011", "2011-12-31"),
        )
        .await;
    let of_2012 = app
        .create(
            "/api/v1/reporting-periods",
            report("Årsredovisning 2012", "2012-12-31"),
        )
        .await;
    app.patch(
        &format!("/api/v1/goals/{}", m.goal),
        &admin,
        json!({"title": NEW_TITLE, "revision": revision(&m.council, "2012-06-14")}),
    )
    .await
    .expect(200);
    for (period, title) in [(&of_2011, OLD_TITLE), (&of_2012, NEW_TITLE)] {
        let status = app
            .get(
                &format!(
                    "/api/v1/goals/{}/status?reporting_period_id={period}",
                    m.goal
                ),
                &admin,
            )
            .await
            .expect(200);
        assert_eq!(status["title"], title, "{status}");
        let overview = app
            .get(
                &format!("/api/v1/reporting-periods/{period}/overview"),
                &admin,
            )
            .await
            .expect(200);
        assert!(overview.to_string().contains(title), "{overview}");
    }
    let overview_2011 = app
        .get(
            &format!("/api/v1/reporting-periods/{of_2011}/overview"),
            &admin,
        )
        .await
        .expect(200);
    assert!(!overview_2011.to_string().contains(NEW_TITLE));
}

async fn changing_an_adopted_goal_without_a_decision_changes_nothing(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let path = format!("/api/v1/goals/{}", m.goal);
    for change in [
        json!({"title": NEW_TITLE}),
        json!({"description": "Trygghet."}),
        json!({"number": 5}),
    ] {
        let refused = app.patch(&path, &admin, change.clone()).await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), vec!["revision"], "{change}");
    }
    // A revision without its decision names what is missing.
    let refused = app
        .patch(
            &path,
            &admin,
            json!({"title": NEW_TITLE, "revision": {"reason": "Varför inte."}}),
        )
        .await;
    refused.problem(422);
    assert_eq!(
        refused.error_fields(),
        vec![
            "revision.decision_reference",
            "revision.decided_on",
            "revision.decided_by_unit_id"
        ]
    );
    // Nor one whose texts have NUL in them, which the spec's pattern refuses.
    let mut note = crate::common::revision(&m.council, "2012-06-14");
    note["reason"] = json!("Varför\u{0}");
    note["decision_reference"] = json!("KF\u{0}");
    let refused = app
        .patch(&path, &admin, json!({"title": NEW_TITLE, "revision": note}))
        .await;
    refused.problem(422);
    assert_eq!(
        refused.error_fields(),
        vec!["revision.reason", "revision.decision_reference"]
    );
    let got = app.get(&path, &admin).await;
    assert_eq!(got.expect(200)["title"], OLD_TITLE);
    assert_eq!(got.header("etag").as_deref(), Some("\"1\""));
    let list = app
        .get(&format!("{path}/revisions"), &admin)
        .await
        .expect(200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    // The decision in force changes only with a revision of the content.
    let refused = app
        .patch(
            &path,
            &admin,
            json!({"decision_reference": "KF 2011-01-01 § 1"}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["decision_reference"]);
    let refused = app
        .patch(
            &path,
            &admin,
            json!({"external_id": "HG-1", "revision": revision(&m.council, "2012-06-14")}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["revision"]);
    // Fields outside the content (external_id) change without a decision.
    app.patch(&path, &admin, json!({"external_id": "HG-1"}))
        .await
        .expect(200);
}

async fn retiring_ends_validity(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let path = format!("/api/v1/goals/{}", m.goal);
    app.patch(
        &path,
        &admin,
        json!({"state": "retired", "revision": revision(&m.council, "2014-12-31")}),
    )
    .await
    .expect(200);
    let list = app
        .get(&format!("{path}/revisions"), &admin)
        .await
        .expect(200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["items"][0]["valid_to"], "2014-12-31");
    assert_eq!(
        app.get(&format!("{path}?as_of=2014-12-30"), &admin)
            .await
            .expect(200)["title"],
        OLD_TITLE
    );
    app.get(&format!("{path}?as_of=2015-01-01"), &admin)
        .await
        .problem(404);
}

async fn drafts_change_freely_without_revisions(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let draft = app
        .create("/api/v1/goals", goal_body(&m, 2, "Ett utkast."))
        .await;
    let path = format!("/api/v1/goals/{draft}");
    app.patch(
        &path,
        &admin,
        json!({"title": "Ett bättre utkast.", "number": 3}),
    )
    .await
    .expect(200);
    let list = app
        .get(&format!("{path}/revisions"), &admin)
        .await
        .expect(200);
    assert_eq!(list["items"], json!([]));
    app.get(&format!("{path}?as_of=2013-01-01"), &admin)
        .await
        .problem(404);
    // The current record reads as before without as_of.
    assert_eq!(
        app.get(&path, &admin).await.expect(200)["title"],
        "Ett bättre utkast."
    );
}

async fn another_organizations_revisions_are_404(app: TestApp) {
    let m = app.model().await;
    let other = app.goal_of_another_organization().await;
    app.get(&format!("/api/v1/goals/{other}/revisions"), &app.admin())
        .await
        .problem(404);
    app.get(
        &format!("/api/v1/goals/{other}?as_of=2013-01-01"),
        &app.admin(),
    )
    .await
    .problem(404);
    app.get(
        &format!("/api/v1/department-goals/{}/revisions", m.goal),
        &app.admin(),
    )
    .await
    .problem(404);
}

async fn the_goal_tree_as_of_a_day(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let path = format!("/api/v1/goals/{}", m.goal);
    app.patch(
        &path,
        &admin,
        json!({"title": NEW_TITLE, "revision": revision(&m.council, "2012-06-14")}),
    )
    .await
    .expect(200);
    // A second adopted goal, and a draft that never was in force.
    app.create(
        "/api/v1/goals",
        adopted(goal_body(&m, 2, "Ett senare mål."), &m.council),
    )
    .await;
    app.create("/api/v1/goals", goal_body(&m, 3, "Ett utkast."))
        .await;
    revised_vision(&app, &m).await;
    let tree = |day: &str| {
        let path = format!(
            "/api/v1/plan-periods/{}/goal-tree?as_of={day}",
            m.plan_period
        );
        let app = &app;
        let admin = admin.clone();
        async move { app.get(&path, &admin).await.expect(200) }
    };
    let titles = |tree: &Value| -> Vec<String> {
        tree["perspectives"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|p| p["goals"].as_array().cloned().unwrap_or_default())
            .filter_map(|g| g["goal"]["title"].as_str().map(str::to_string))
            .collect()
    };
    let early = tree("2011-01-01").await;
    assert_eq!(titles(&early), vec![OLD_TITLE, "Ett senare mål."]);
    assert_eq!(early["vision"]["purpose"], OLD_PURPOSE);
    assert_eq!(early["vision"]["decision_reference"], "KF 2010-11-25 § 123");
    assert_eq!(early["as_of"], "2011-01-01");
    // The model's department goal is a draft: left out.
    let department_goals = early["perspectives"][0]["goals"][0]["department_goals"].clone();
    assert_eq!(department_goals, json!([]));
    let later = tree("2013-01-01").await;
    assert_eq!(titles(&later), vec![NEW_TITLE, "Ett senare mål."]);
    assert_eq!(later["vision"]["purpose"], NEW_PURPOSE);
    assert_eq!(later["vision"]["decision_reference"], "KF 2012-06-14 § 77");
    let before = tree("2009-01-01").await;
    assert_eq!(titles(&before), Vec::<String>::new());
    assert_eq!(before["vision"], Value::Null);
    // Without as_of, every goal as it is now, drafts too.
    let now = app
        .get(
            &format!("/api/v1/plan-periods/{}/goal-tree", m.plan_period),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(titles(&now).len(), 3);
    assert_eq!(now["vision"]["purpose"], NEW_PURPOSE);
}

async fn a_vision_is_adopted_by_the_council_and_revised_with_a_decision(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    // Created as a draft by default; it changes freely and keeps no revisions.
    let created = app
        .post(
            "/api/v1/visions",
            &admin,
            vision_body(&m.plan_period, "Ett utkast."),
        )
        .await
        .expect(201);
    assert_eq!(created["state"], "draft");
    let id = created["id"].as_str().expect("an id").to_string();
    let path = format!("/api/v1/visions/{id}");
    app.patch(&path, &admin, json!({"vision": VISION}))
        .await
        .expect(200);
    let revisions = format!("{path}/revisions");
    assert_eq!(
        app.get(&revisions, &admin).await.expect(200)["items"],
        json!([])
    );
    // Adopting needs the decision, and the deciding body is a council, not a board.
    let refused = app.patch(&path, &admin, json!({"state": "adopted"})).await;
    refused.problem(422);
    assert_eq!(
        refused.error_fields(),
        vec!["decision_reference", "decided_on", "decided_by_unit_id"]
    );
    let adopt = |by: &str| {
        json!({"state": "adopted", "decision_reference": "KF 2010-11-25 § 123",
               "decided_on": "2010-11-25", "decided_by_unit_id": by})
    };
    let refused = app.patch(&path, &admin, adopt(&m.board)).await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["decided_by_unit_id"]);
    assert_eq!(state_of(&app, &path).await, "draft");
    app.patch(&path, &app.token(&["council"]), adopt(&m.council))
        .await
        .expect(200);
    let list = app.get(&revisions, &admin).await.expect(200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["items"][0]["entity_type"], "vision");
    assert_eq!(list["items"][0]["valid_from"], "2010-11-25");
    assert_eq!(list["items"][0]["snapshot"]["purpose"], OLD_PURPOSE);

    // Changing the adopted vision's content needs a decision; refused, nothing changes.
    for change in [
        json!({"purpose": NEW_PURPOSE}),
        json!({"vision": "En annan vision."}),
    ] {
        let refused = app.patch(&path, &admin, change.clone()).await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), vec!["revision"], "{change}");
    }
    let refused = app
        .patch(&path, &admin, json!({"decided_on": "2011-01-01"}))
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["decided_on"]);
    let refused = app
        .patch(
            &path,
            &admin,
            json!({"purpose": NEW_PURPOSE, "revision": revision(&m.board, "2012-06-14")}),
        )
        .await;
    // A board does not decide a vision.
    refused.problem(422);
    let fields = refused.error_fields();
    assert!(
        fields.len() == 1 && fields[0].ends_with("decided_by_unit_id"),
        "{}",
        refused.text()
    );
    let unchanged = app.get(&path, &admin).await.expect(200);
    assert_eq!(unchanged["purpose"], OLD_PURPOSE);
    assert_eq!(unchanged["decided_on"], "2010-11-25");

    let changed = app
        .patch(
            &path,
            &admin,
            json!({"purpose": NEW_PURPOSE, "revision": {"reason": "Hållbarheten lyfts fram.",
                   "decision_reference": "KF 2012-06-14 § 77", "decided_on": "2012-06-14",
                   "decided_by_unit_id": m.council}}),
        )
        .await
        .expect(200);
    assert_eq!(changed["purpose"], NEW_PURPOSE);
    assert_eq!(changed["decision_reference"], "KF 2012-06-14 § 77");
    let list = app
        .get(&revisions, &app.token(&["viewer"]))
        .await
        .expect(200);
    let items = list["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{list}");
    assert_eq!(items[0]["valid_to"], "2012-06-14");
    assert_eq!(items[1]["number"], 2);
    assert_eq!(items[1]["reason"], "Hållbarheten lyfts fram.");
    assert_eq!(
        items[1]["changes"],
        json!([{"field": "purpose", "before": OLD_PURPOSE, "after": NEW_PURPOSE}])
    );

    // What was in force when.
    let old = app.get(&format!("{path}?as_of=2011-01-01"), &admin).await;
    assert_eq!(old.expect(200)["purpose"], OLD_PURPOSE);
    assert_eq!(old.json()["revision"], 1);
    assert_eq!(
        old.header("content-location"),
        Some(format!("/api/v1/visions/{id}/revisions/1"))
    );
    let new = app.get(&format!("{path}?as_of=2013-01-01"), &admin).await;
    assert_eq!(new.expect(200)["purpose"], NEW_PURPOSE);
    app.get(&format!("{path}?as_of=2010-11-24"), &admin)
        .await
        .problem(404);
    app.get(&format!("{path}?as_of=25-11-2010"), &admin)
        .await
        .problem(400);

    // An adopted vision is not deleted; retiring it ends its validity.
    app.delete(&path, &admin).await.problem(409);
    let refused = app.patch(&path, &admin, json!({"state": "retired"})).await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["revision"]);
    app.patch(
        &path,
        &admin,
        json!({"state": "retired", "revision": revision(&m.council, "2014-12-31")}),
    )
    .await
    .expect(200);
    let refused = app.patch(&path, &admin, json!({"state": "adopted"})).await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["state"]);
    assert_eq!(
        app.get(&format!("{path}?as_of=2014-12-30"), &admin)
            .await
            .expect(200)["purpose"],
        NEW_PURPOSE
    );
    app.get(&format!("{path}?as_of=2014-12-31"), &admin)
        .await
        .problem(404);
    // A vision cannot be created retired.
    let mut retired = vision_body(&another_plan_period(&app, 2015).await, VISION);
    retired["state"] = json!("retired");
    let refused = app.post("/api/v1/visions", &admin, retired).await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["state"]);
}

async fn the_vision_list_as_of_a_day(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let first = revised_vision(&app, &m).await;
    // A draft vision between the two adopted ones, which never was in force.
    let draft = app
        .create(
            "/api/v1/visions",
            vision_body(&another_plan_period(&app, 2015).await, "Ett utkast."),
        )
        .await;
    let mut later = vision_body(&another_plan_period(&app, 2019).await, "En senare vision.");
    later = adopted(later, &m.council);
    later["decided_on"] = json!("2018-12-01");
    let later = app.create("/api/v1/visions", later).await;

    let listed = |query: String| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.get(&format!("/api/v1/visions?{query}"), &admin)
                .await
                .expect(200)
        }
    };
    let purposes = |page: &Value| -> Vec<(String, String)> {
        page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| {
                let field = |name: &str| v[name].as_str().unwrap_or_default().to_string();
                (field("id"), field("purpose"))
            })
            .collect()
    };
    let (old, new) = (OLD_PURPOSE.to_string(), NEW_PURPOSE.to_string());
    assert_eq!(
        purposes(&listed("as_of=2011-01-01".into()).await),
        vec![(first.clone(), old.clone())]
    );
    assert_eq!(
        purposes(&listed("as_of=2013-01-01".into()).await),
        vec![(first.clone(), new.clone())]
    );
    assert_eq!(
        purposes(&listed("as_of=2009-01-01".into()).await),
        Vec::<(String, String)>::new()
    );
    // Paging counts only the visions in force.
    let page = listed("as_of=2019-01-01&limit=1".into()).await;
    assert_eq!(purposes(&page), vec![(first.clone(), new.clone())]);
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let page = listed(format!("as_of=2019-01-01&limit=1&cursor={cursor}")).await;
    assert_eq!(purposes(&page), vec![(later.clone(), old.clone())]);
    assert_eq!(page["next_cursor"], Value::Null);
    // Filters still apply; without as_of every vision, drafts too.
    let only = listed(format!("as_of=2019-01-01&plan_period_id={}", m.plan_period)).await;
    assert_eq!(purposes(&only), vec![(first.clone(), new.clone())]);
    let all = listed(String::new()).await;
    assert_eq!(crate::common::ids(&all), vec![first, draft, later]);
    let bad = app.get("/api/v1/visions?as_of=2019", &admin).await;
    bad.problem(400);
    assert_eq!(bad.error_fields(), vec!["as_of"]);
}

async fn another_organizations_vision_revisions_are_404(app: TestApp) {
    let m = app.model().await;
    let mine = revised_vision(&app, &m).await;
    let other = app.another_organization().await;
    let their_admin = app.token_for(&other, &["admin"]);
    let period = app
        .post(
            "/api/v1/plan-periods",
            &their_admin,
            json!({"name": "Mandatperioden 2011–2014", "start_date": "2011-01-01", "end_date": "2014-12-31"}),
        )
        .await
        .expect(201)["id"]
        .clone();
    let theirs = app
        .post(
            "/api/v1/visions",
            &their_admin,
            json!({"plan_period_id": period, "vision": "Gislaved – en trygg kommun.", "purpose": "Service."}),
        )
        .await
        .expect(201)["id"]
        .clone();
    let theirs = theirs.as_str().expect("an id");
    for path in [
        format!("/api/v1/visions/{theirs}/revisions"),
        format!("/api/v1/visions/{theirs}?as_of=2013-01-01"),
        // A goal's id is no vision.
        format!("/api/v1/visions/{}/revisions", m.goal),
    ] {
        app.get(&path, &app.admin()).await.problem(404);
    }
    // And this organization's vision is 404 to the other one.
    for path in [
        format!("/api/v1/visions/{mine}/revisions"),
        format!("/api/v1/visions/{mine}?as_of=2013-01-01"),
    ] {
        app.get(&path, &their_admin).await.problem(404);
    }
    let listed = app
        .get("/api/v1/visions?as_of=2013-01-01", &their_admin)
        .await
        .expect(200);
    assert_eq!(listed["items"], json!([]));
}

backend_tests!(
    a_reporting_period_reads_goals_in_its_own_wording,
    only_draft_adopted_retired_in_that_order,
    adopting_needs_reference_date_and_deciding_body,
    revising_an_adopted_goal_keeps_what_was_in_force,
    changing_an_adopted_goal_without_a_decision_changes_nothing,
    retiring_ends_validity,
    drafts_change_freely_without_revisions,
    another_organizations_revisions_are_404,
    the_goal_tree_as_of_a_day,
    a_vision_is_adopted_by_the_council_and_revised_with_a_decision,
    the_vision_list_as_of_a_day,
    another_organizations_vision_revisions_are_404,
);
