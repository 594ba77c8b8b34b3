//! Target history: the targets of an adopted goal's indicator are in force by decision, change
//! only with a revision note, are read as they were in force on a day, and statuses use those
//! in force on the reporting period's last day.

use crate::common::{adopted, revision, Model, TestApp};
use serde_json::{json, Value};

fn targets(value: f64) -> Value {
    json!([{"from": "2011", "to": "2014", "value": value}])
}

/// An indicator of the goal named in `goal` (`goal_id` or `department_goal_id`) with a target
/// of 80 for each year 2011–2014; returns its id.
async fn indicator_of(app: &TestApp, goal: Value) -> String {
    let mut body = json!({"owner_unit_id": null, "name": "Andel invånare som känner sig trygga",
                          "unit_of_measure": "%", "direction": "higher_is_better",
                          "targets": targets(80.0)});
    for (key, value) in goal.as_object().cloned().unwrap_or_default() {
        body[key] = value;
    }
    app.create("/api/v1/indicators", body).await
}

/// The same, added to an adopted goal by the decision that adopted it (`body`'s).
async fn decided_indicator_of(app: &TestApp, goal: Value, body: &str) -> String {
    let mut goal = goal;
    goal["revision"] = json!({"decision_reference": "KF 2010-11-25 § 123",
                              "decided_on": "2010-11-25", "decided_by_unit_id": body});
    indicator_of(app, goal).await
}

async fn revisions_of(app: &TestApp, id: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/indicators/{id}/revisions"), &app.admin())
        .await
        .expect(200)["items"]
        .as_array()
        .cloned()
        .expect("items")
}

/// `targets(value)` as the API answers it, with the default basis.
fn answered(value: f64) -> Value {
    json!([{"from": "2011", "to": "2014", "basis": "each_period", "value": value}])
}

fn target_value(indicator: &Value) -> Value {
    indicator["targets"][0]["value"].clone()
}

async fn adopted_goals_indicator_changes_its_targets_only_by_decision(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let id = decided_indicator_of(&app, json!({"goal_id": m.goal}), &m.council).await;
    let path = format!("/api/v1/indicators/{id}");

    // Added to the adopted goal by the council's decision, its targets came into force by it.
    let history = revisions_of(&app, &id).await;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["number"], 1);
    assert_eq!(history[0]["entity_type"], "indicator");
    assert_eq!(history[0]["decision_reference"], "KF 2010-11-25 § 123");
    assert_eq!(history[0]["decided_by_unit_id"], json!(m.council));
    assert_eq!(history[0]["valid_from"], "2010-11-25");
    assert_eq!(history[0]["valid_to"], Value::Null);
    assert_eq!(history[0]["changes"], json!([]));
    assert_eq!(target_value(&history[0]["snapshot"]), 80.0);

    // Without a note, every target field is refused and nothing changes.
    let stored = app.get(&path, &admin).await.expect(200);
    for change in [
        json!({"targets": targets(85.0)}),
        json!({"baseline_value": 70.0, "baseline_period": "2010"}),
        json!({"direction": "lower_is_better"}),
        json!({"yellow_tolerance": 5.0}),
        json!({"tolerance_unit": "percent"}),
    ] {
        let refused = app.patch(&path, &admin, change.clone()).await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), vec!["revision"], "{change}");
    }
    assert_eq!(app.get(&path, &admin).await.expect(200), stored);
    assert_eq!(revisions_of(&app, &id).await.len(), 1);

    // A board does not decide an overarching goal's targets; a note changing no target has
    // nothing to revise.
    let refused = app
        .patch(
            &path,
            &admin,
            json!({"targets": targets(85.0), "revision": revision(&m.board, "2012-06-14")}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["revision.decided_by_unit_id"]);
    let refused = app
        .patch(
            &path,
            &admin,
            json!({"name": "Trygghet", "revision": revision(&m.council, "2012-06-14")}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["revision"]);
    assert_eq!(app.get(&path, &admin).await.expect(200), stored);

    // Name, owner and weight change without a decision, and write no revision.
    let renamed = app
        .patch(
            &path,
            &admin,
            json!({"name": "Trygghet i kommunen", "owner_unit_id": m.administration, "weight": 2}),
        )
        .await
        .expect(200);
    assert_eq!(renamed["name"], "Trygghet i kommunen");
    assert_eq!(revisions_of(&app, &id).await.len(), 1);

    // The council raises the target on 2012-06-14: revision 2, with what changed.
    let changed = app
        .patch(
            &path,
            &admin,
            json!({"targets": targets(85.0), "revision": revision(&m.council, "2012-06-14")}),
        )
        .await
        .expect(200);
    assert_eq!(target_value(&changed), 85.0);
    let history = revisions_of(&app, &id).await;
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0]["valid_to"], "2012-06-14");
    let second = &history[1];
    assert_eq!(second["number"], 2);
    assert_eq!(second["valid_from"], "2012-06-14");
    assert_eq!(second["valid_to"], Value::Null);
    assert_eq!(second["decision_reference"], "KF 2012-06-14 § 77");
    assert_eq!(second["reason"], "Beslutad ändring.");
    assert_eq!(second["actor_subject"], "test-user");
    assert_eq!(
        second["changes"],
        json!([{"field": "targets", "before": answered(80.0), "after": answered(85.0)}])
    );

    // A decision dated before the one in force is refused.
    let refused = app
        .patch(
            &path,
            &admin,
            json!({"targets": targets(90.0), "revision": revision(&m.council, "2012-01-01")}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["revision.decided_on"]);
    assert_eq!(revisions_of(&app, &id).await.len(), 2);

    // Read as of a day: the targets in force then.
    let before = app
        .get(&format!("{path}?as_of=2011-06-30"), &admin)
        .await
        .expect(200);
    assert_eq!(target_value(&before), 80.0);
    assert_eq!(before["revision"], 1);
    assert_eq!(before["valid_to"], "2012-06-14");
    let after = app.get(&format!("{path}?as_of=2012-06-14"), &admin).await;
    assert_eq!(
        after.header("content-location").as_deref(),
        Some(format!("/api/v1/indicators/{id}/revisions/2").as_str())
    );
    let after = after.expect(200);
    assert_eq!(target_value(&after), 85.0);
    assert_eq!(after["revision"], 2);
    app.get(&format!("{path}?as_of=2010-11-24"), &admin)
        .await
        .problem(404);
    // Without `as_of`, the indicator as it stands.
    assert_eq!(
        target_value(&app.get(&path, &admin).await.expect(200)),
        85.0
    );
}

/// A reporting period of the model's plan period for one year; returns its id.
async fn annual_report(app: &TestApp, m: &Model, year: i32) -> String {
    app.create(
        "/api/v1/reporting-periods",
        json!({"plan_period_id": m.plan_period, "kind": "annual_report",
               "name": format!("Årsredovisning {year}"), "start_date": format!("{year}-01-01"),
               "end_date": format!("{year}-12-31")}),
    )
    .await
}

async fn statuses_use_the_targets_in_force_at_the_periods_end(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let id = decided_indicator_of(&app, json!({"goal_id": m.goal}), &m.council).await;
    for (period, value) in [("2011", 82.0), ("2013", 82.0)] {
        app.post(
            "/api/v1/measurements",
            &admin,
            json!({"indicator_id": id, "period": period, "value": value}),
        )
        .await
        .expect(201);
    }
    let (old, new) = (
        annual_report(&app, &m, 2011).await,
        annual_report(&app, &m, 2013).await,
    );
    app.patch(
        &format!("/api/v1/indicators/{id}"),
        &admin,
        json!({"targets": targets(85.0), "revision": revision(&m.council, "2012-06-14")}),
    )
    .await
    .expect(200);

    // 2011 was followed up against 80: the later decision does not rewrite it.
    let status = |period: String| {
        let (app, admin, id) = (&app, &admin, &id);
        async move {
            app.get(
                &format!("/api/v1/indicators/{id}/status?reporting_period_id={period}"),
                admin,
            )
            .await
            .expect(200)
        }
    };
    let then = status(old.clone()).await;
    assert_eq!(then["status"], "green", "{then}");
    assert_eq!(then["targets"][0]["target_value"], 80.0);
    let now = status(new.clone()).await;
    assert_eq!(now["status"], "red", "{now}");
    assert_eq!(now["targets"][0]["target_value"], 85.0);

    // The goal's status rolls up the same indicator statuses.
    let goal_status = |period: String| {
        let (app, admin, goal) = (&app, &admin, &m.goal);
        async move {
            app.get(
                &format!("/api/v1/goals/{goal}/status?reporting_period_id={period}"),
                admin,
            )
            .await
            .expect(200)
        }
    };
    let then = goal_status(old).await;
    assert_eq!(then["indicators"][0]["status"], "green", "{then}");
    assert_eq!(then["computed_status"], "green");
    let now = goal_status(new).await;
    assert_eq!(now["indicators"][0]["status"], "red", "{now}");
    assert_eq!(now["computed_status"], "red");

    // The series shows each value against the targets decided for its period.
    let series = app
        .get(&format!("/api/v1/indicators/{id}/series"), &admin)
        .await
        .expect(200);
    assert_eq!(series["points"][0]["period"], "2011");
    assert_eq!(series["points"][0]["targets"][0]["value"], 80.0);
    assert_eq!(series["points"][1]["period"], "2013");
    assert_eq!(series["points"][1]["targets"][0]["value"], 85.0);
}

async fn a_draft_goals_indicator_changes_freely_until_the_goal_is_adopted(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let draft = app
        .create(
            "/api/v1/goals",
            json!({"plan_period_id": m.plan_period, "perspective_id": m.perspective,
                   "owner_unit_id": m.council, "number": 2, "title": "Ett utkast till mål."}),
        )
        .await;
    let id = indicator_of(&app, json!({"goal_id": draft})).await;
    let path = format!("/api/v1/indicators/{id}");
    let changed = app
        .patch(
            &path,
            &admin,
            json!({"targets": targets(75.0), "yellow_tolerance": 5.0}),
        )
        .await
        .expect(200);
    assert_eq!(target_value(&changed), 75.0);
    assert!(revisions_of(&app, &id).await.is_empty());
    app.get(&format!("{path}?as_of=2012-01-01"), &admin)
        .await
        .problem(404);
    // A decision has nothing to decide here.
    let refused = app
        .patch(
            &path,
            &admin,
            json!({"targets": targets(70.0), "revision": revision(&m.council, "2011-03-01")}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["revision"]);

    // Adopting the goal puts the targets as they stand in force by its decision.
    app.patch(
        &format!("/api/v1/goals/{draft}"),
        &admin,
        json!({"state": "adopted", "decision_reference": "KF 2011-03-01 § 20",
               "decided_on": "2011-03-01", "decided_by_unit_id": m.council}),
    )
    .await
    .expect(200);
    let history = revisions_of(&app, &id).await;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["decision_reference"], "KF 2011-03-01 § 20");
    assert_eq!(history[0]["valid_from"], "2011-03-01");
    assert_eq!(target_value(&history[0]["snapshot"]), 75.0);
    assert_eq!(history[0]["snapshot"]["yellow_tolerance"], 5.0);
    let refused = app
        .patch(&path, &admin, json!({"targets": targets(70.0)}))
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["revision"]);
    // It stays with the goal its targets were decided for.
    let refused = app
        .patch(
            &path,
            &admin,
            json!({"department_goal_id": m.department_goal}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["department_goal_id"]);

    // Retiring the goal ends the targets' validity with it; then they change freely.
    app.patch(
        &format!("/api/v1/goals/{draft}"),
        &admin,
        json!({"state": "retired", "revision": revision(&m.council, "2013-12-31")}),
    )
    .await
    .expect(200);
    let history = revisions_of(&app, &id).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["valid_to"], "2013-12-31");
    app.get(&format!("{path}?as_of=2014-01-01"), &admin)
        .await
        .problem(404);
    app.patch(&path, &admin, json!({"targets": targets(70.0)}))
        .await
        .expect(200);
    assert_eq!(revisions_of(&app, &id).await.len(), 1);
}

async fn a_department_goals_indicator_is_decided_by_its_board_or_the_council(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let other_board = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Omsorgsnämnden", "short_code": "ON"}),
        )
        .await;
    let id = indicator_of(&app, json!({"department_goal_id": m.department_goal})).await;
    let path = format!("/api/v1/indicators/{id}");
    assert!(revisions_of(&app, &id).await.is_empty(), "a draft's");
    app.patch(
        &format!("/api/v1/department-goals/{}", m.department_goal),
        &admin,
        adopted(json!({}), &m.board),
    )
    .await
    .expect(200);
    let history = revisions_of(&app, &id).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["decided_by_unit_id"], json!(m.board));

    // Another board does not decide this board's targets.
    let refused = app
        .patch(
            &path,
            &admin,
            json!({"targets": targets(85.0), "revision": revision(&other_board, "2012-02-15")}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["revision.decided_by_unit_id"]);
    // The owning board does, and so does the council.
    for (body, value) in [(&m.board, 85.0), (&m.council, 90.0)] {
        app.patch(
            &path,
            &admin,
            json!({"targets": targets(value), "revision": revision(body, "2012-02-15")}),
        )
        .await
        .expect(200);
    }
    let history = revisions_of(&app, &id).await;
    let numbers: Vec<&Value> = history.iter().map(|r| &r["number"]).collect();
    assert_eq!(numbers, vec![1, 2, 3]);
    assert_eq!(history[1]["decided_by_unit_id"], json!(m.board));
    assert_eq!(history[2]["decided_by_unit_id"], json!(m.council));
    // Two decisions on one day: the later is in force from that day.
    let read = app
        .get(&format!("{path}?as_of=2012-02-15"), &admin)
        .await
        .expect(200);
    assert_eq!(target_value(&read), 90.0);
}

/// Finding 6 of the outside attack: an indicator added to an adopted goal without a
/// decision took the goal's decision as its own. Now it is a draft: no revision, no part in
/// the goal's status, not public, and it changes freely until a decision (a PATCH with
/// `revision`) puts its targets in force. One in force leaves only by decision.
async fn an_indicator_added_without_a_decision_is_a_draft(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let decided = decided_indicator_of(&app, json!({"goal_id": m.goal}), &m.council).await;
    let draft = indicator_of(&app, json!({"goal_id": m.goal})).await;
    assert!(revisions_of(&app, &draft).await.is_empty());
    for (id, value) in [(&decided, 82.0), (&draft, 10.0)] {
        app.post(
            "/api/v1/measurements",
            &admin,
            json!({"indicator_id": id, "period": "2011", "value": value}),
        )
        .await
        .expect(201);
    }
    let report = annual_report(&app, &m, 2011).await;
    let status_path = format!(
        "/api/v1/goals/{}/status?reporting_period_id={report}",
        m.goal
    );
    let goal_status = || {
        let (app, admin, path) = (&app, &admin, &status_path);
        async move { app.get_afresh(path, admin).await.expect(200) }
    };
    let counted = |status: &Value| -> Vec<String> {
        status["indicators"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i["indicator_id"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let status = goal_status().await;
    assert_eq!(counted(&status), vec![decided.clone()], "{status}");
    assert_eq!(status["computed_status"], "green");
    let code = crate::common::code_for(&app.org);
    let public = app
        .send(
            actix_web::http::Method::GET,
            &format!("/api/v1/public/{code}/indicators"),
            None,
            None,
            &[],
        )
        .await
        .expect(200);
    let shown: Vec<&str> = public["indicators"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(shown, vec![decided.as_str()], "{public}");

    // The draft changes freely; a decision puts it in force as it then stands.
    let path = format!("/api/v1/indicators/{draft}");
    app.patch(&path, &admin, json!({"targets": targets(5.0)}))
        .await
        .expect(200);
    assert!(revisions_of(&app, &draft).await.is_empty());
    app.patch(
        &path,
        &admin,
        json!({"targets": targets(20.0), "revision": revision(&m.council, "2012-06-14")}),
    )
    .await
    .expect(200);
    let history = revisions_of(&app, &draft).await;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["decision_reference"], "KF 2012-06-14 § 77");
    assert_eq!(target_value(&history[0]["snapshot"]), 20.0);
    let status = goal_status().await;
    assert_eq!(counted(&status).len(), 2, "{status}");
    assert_ne!(status["computed_status"], "green", "{status}");

    // In force, it leaves only by decision: not archived, not deleted without one.
    let decided_path = format!("/api/v1/indicators/{decided}");
    for refused in [
        app.post(&format!("{decided_path}/archive"), &admin, json!({}))
            .await,
        app.delete(&decided_path, &admin).await,
    ] {
        let problem = refused.problem(409);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("/retire"),
            "{problem}"
        );
    }
    let no_decision = app
        .post(
            &format!("{decided_path}/retire"),
            &admin,
            json!({"revision": {"reason": "Utgår"}}),
        )
        .await;
    no_decision.problem(422);
    let retired = app
        .post(
            &format!("{decided_path}/retire"),
            &admin,
            json!({"revision": revision(&m.council, "2012-06-14")}),
        )
        .await
        .expect(200);
    assert!(retired["archived_at"].is_string());
    let history = revisions_of(&app, &decided).await;
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0]["valid_to"], "2012-06-14");
    assert_eq!(history[1]["decision_reference"], "KF 2012-06-14 § 77");
    assert_eq!(history[1]["valid_to"], "2012-06-14");
    // Restored, it is a draft again: its targets are no longer in force.
    app.post(&format!("{decided_path}/unarchive"), &admin, json!({}))
        .await
        .expect(200);
    let status = goal_status().await;
    assert_eq!(counted(&status), vec![draft.clone()], "{status}");
}

async fn another_organizations_indicator_is_not_found(app: TestApp) {
    let m = app.model().await;
    let id = decided_indicator_of(&app, json!({"goal_id": m.goal}), &m.council).await;
    let other = app.another_organization().await;
    let stranger = app.token_for(&other, &["admin"]);
    let path = format!("/api/v1/indicators/{id}");
    for read in [
        format!("{path}/revisions"),
        format!("{path}?as_of=2012-01-01"),
    ] {
        app.get(&read, &stranger).await.problem(404);
    }
    let refused = app
        .patch(
            &path,
            &stranger,
            json!({"targets": targets(85.0), "revision": revision(&m.council, "2012-06-14")}),
        )
        .await;
    refused.problem(404);
    assert_eq!(revisions_of(&app, &id).await.len(), 1);
}

async fn the_demos_adopted_indicators_have_their_first_revision(app: TestApp) {
    app.make_room_for_the_demo().await;
    app.load_demo();
    let org = app.demo_organization().id.to_string();
    let admin = app.token_for(&org, &["admin"]);
    let page = app
        .get("/api/v1/indicators?limit=500", &admin)
        .await
        .expect(200);
    let indicators = page["items"].as_array().cloned().expect("items");
    assert!(!indicators.is_empty());
    for indicator in indicators {
        let id = indicator["id"].as_str().expect("an id");
        let history = app
            .get(&format!("/api/v1/indicators/{id}/revisions"), &admin)
            .await
            .expect(200)["items"]
            .clone();
        assert_eq!(history.as_array().map(Vec::len), Some(1), "{indicator}");
        let expected = if indicator["goal_id"].is_null() {
            "2011-02-15"
        } else {
            "2010-11-25"
        };
        assert_eq!(history[0]["valid_from"], expected, "{indicator}");
        assert_eq!(history[0]["snapshot"]["targets"], indicator["targets"]);
    }
}

backend_tests!(
    adopted_goals_indicator_changes_its_targets_only_by_decision,
    statuses_use_the_targets_in_force_at_the_periods_end,
    a_draft_goals_indicator_changes_freely_until_the_goal_is_adopted,
    a_department_goals_indicator_is_decided_by_its_board_or_the_council,
    an_indicator_added_without_a_decision_is_a_draft,
    another_organizations_indicator_is_not_found,
    the_demos_adopted_indicators_have_their_first_revision,
);
