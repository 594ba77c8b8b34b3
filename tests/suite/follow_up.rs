//! Follow-up: indicators and their values, the status that explains itself, follow-ups from
//! draft to published, and one full reporting cycle played on the demo organisation.

use std::collections::HashMap;

use crate::common::TestApp;
use serde_json::{json, Value};

/// The demo loaded; an admin token for it and its id.
async fn demo(app: &TestApp) -> (String, String) {
    app.make_room_for_the_demo().await;
    app.load_demo();
    let org = app.demo_organization().id.to_string();
    (app.token_for(&org, &["admin"]), org)
}

async fn items(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let page = app
        .get(&format!("{path}{separator}limit=500"), token)
        .await
        .expect(200);
    page["items"].as_array().cloned().expect("items")
}

/// The demo's records of a collection, by external id.
async fn by_key(app: &TestApp, path: &str, token: &str) -> HashMap<String, Value> {
    items(app, path, token)
        .await
        .into_iter()
        .filter_map(|r| Some((r["external_id"].as_str()?.to_string(), r)))
        .collect()
}

fn id(record: &Value) -> String {
    record["id"].as_str().expect("an id").to_string()
}

async fn goals_3_and_7_are_expressed_exactly(app: TestApp) {
    let (admin, _) = demo(&app).await;
    let indicators = by_key(&app, "/api/v1/indicators", &admin).await;
    let goals = by_key(&app, "/api/v1/goals", &admin).await;

    // Goal 3: the year's result not below 2 % in any year, at least 2.5 % on average.
    let result = &indicators["demo-indicator-goal3-result"];
    assert_eq!(result["goal_id"], goals["demo-goal-3"]["id"]);
    assert_eq!(result["direction"], "higher_is_better");
    assert_eq!(result["unit_of_measure"], "%");
    assert_eq!(result["source"], "kolada");
    assert_eq!(result["kolada_kpi"], "N03101");
    assert_eq!(result["kolada_municipality"], "0683");
    assert_eq!(
        result["targets"],
        json!([
            {"from": "2011", "to": "2014", "basis": "each_period", "value": 2.0},
            {"from": "2011", "to": "2014", "basis": "average", "value": 2.5},
        ])
    );

    // Goal 7: at least 40 % below the 1990 level by 2020.
    let emissions = &indicators["demo-indicator-goal7-ghg"];
    assert_eq!(emissions["goal_id"], goals["demo-goal-7"]["id"]);
    assert_eq!(emissions["direction"], "lower_is_better");
    assert_eq!(emissions["baseline_period"], "1990");
    assert!(emissions["baseline_value"].as_f64().is_some());
    assert_eq!(
        emissions["targets"],
        json!([{"from": "2020", "basis": "each_period", "change_from_baseline_percent": -40.0}])
    );
    // Goals 1, 2, 5 and 6 are measured by surveys.
    for key in [
        "goal1-safety",
        "goal2-nri",
        "goal5-engagement",
        "goal6-environment-satisfaction",
    ] {
        assert_eq!(
            indicators[&format!("demo-indicator-{key}")]["source"],
            "survey",
            "{key}"
        );
    }
}

async fn indicators_refuse_targets_their_direction_cannot_read(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let base = json!({"goal_id": m.goal, "name": "Andel", "unit_of_measure": "%",
                      "direction": "higher_is_better"});
    let with = |extra: Value| {
        let mut body = base.clone();
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        body
    };
    for (extra, fields) in [
        (json!({"targets": [{"from": "2011"}]}), vec!["targets[0]"]),
        (
            json!({"targets": [{"from": "2011", "value": 1, "change_from_baseline_percent": -4}]}),
            vec!["targets[0]"],
        ),
        (
            json!({"targets": [{"from": "2011", "change_from_baseline_percent": -40}]}),
            vec!["targets[0].change_from_baseline_percent"],
        ),
        (
            json!({"targets": [{"from": "2014", "to": "2011", "value": 1}]}),
            vec!["targets[0].to"],
        ),
        (
            json!({"targets": [{"from": "2011", "basis": "average", "value": 1}]}),
            vec!["targets[0].to"],
        ),
        (
            json!({"targets": [{"from": "11", "value": 1}]}),
            vec!["targets[0].from"],
        ),
        (
            json!({"baseline_value": 8.2, "baseline_period": "1990",
                   "targets": [{"from": "1985", "value": 9}, {"from": "2020", "value": 4.9}]}),
            vec!["targets[0].from"],
        ),
        (
            json!({"direction": "target_range", "targets": [{"from": "2011", "value": 3}]}),
            vec!["targets[0]"],
        ),
        (
            json!({"direction": "target_range", "targets": [{"from": "2011", "min": 5, "max": 3}]}),
            vec!["targets[0].max"],
        ),
        (
            json!({"publication_lag_years": 6}),
            vec!["publication_lag_years"],
        ),
        (json!({"source": "kolada"}), vec!["kolada_kpi"]),
        (json!({"kolada_kpi": "n3101"}), vec!["kolada_kpi"]),
        (
            json!({"kolada_municipality": "683"}),
            vec!["kolada_municipality"],
        ),
        (json!({"weight": -1}), vec!["weight"]),
        (json!({"yellow_tolerance": -0.5}), vec!["yellow_tolerance"]),
        (
            json!({"baseline_period": "1990-Q5"}),
            vec!["baseline_period"],
        ),
        (
            json!({"department_goal_id": m.department_goal}),
            vec!["goal_id"],
        ),
    ] {
        let refused = app
            .post("/api/v1/indicators", &admin, with(extra.clone()))
            .await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), fields, "{extra}");
    }
    let listed = items(&app, "/api/v1/indicators", &admin).await;
    assert!(listed.is_empty(), "nothing was written");
    // A range indicator with a band, and a target of another organization's goal.
    let range = app
        .post(
            "/api/v1/indicators",
            &admin,
            with(json!({"direction": "target_range",
                        "targets": [{"from": "2011", "to": "2014", "min": 3, "max": 5}]})),
        )
        .await
        .expect(201);
    assert_eq!(range["targets"][0]["basis"], "each_period");
    let foreign = app.goal_of_another_organization().await;
    let refused = app
        .post(
            "/api/v1/indicators",
            &admin,
            with(json!({"goal_id": foreign})),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["goal_id"]);
}

async fn a_missing_value_is_not_zero_and_one_value_per_period(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let indicator = app
        .create(
            "/api/v1/indicators",
            json!({"goal_id": m.goal, "owner_unit_id": m.administration, "name": "Andel trygga",
                   "unit_of_measure": "%", "direction": "higher_is_better",
                   "targets": [{"from": "2011", "to": "2014", "value": 80}]}),
        )
        .await;
    let missing = app
        .post(
            "/api/v1/measurements",
            &admin,
            json!({"indicator_id": indicator, "period": "2011", "missing": true}),
        )
        .await
        .expect(201);
    assert_eq!(missing["value"], Value::Null);
    assert_eq!(missing["missing"], true);
    assert_eq!(missing["period_start"], "2011-01-01");
    assert_eq!(missing["period_end"], "2011-12-31");
    assert_eq!(missing["recorded_by"], "test-user");
    let refused = app
        .post(
            "/api/v1/measurements",
            &admin,
            json!({"indicator_id": indicator, "period": "2011", "value": 70}),
        )
        .await;
    refused.problem(409);
    assert_eq!(refused.error_fields(), vec!["period"]);
    for (body, field) in [
        (
            json!({"indicator_id": indicator, "period": "2012"}),
            "value",
        ),
        (
            json!({"indicator_id": indicator, "period": "2012", "value": 1, "missing": true}),
            "value",
        ),
        (
            json!({"indicator_id": indicator, "period": "2012-13", "value": 1}),
            "period",
        ),
    ] {
        let refused = app.post("/api/v1/measurements", &admin, body).await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), vec![field]);
    }
    // A reporting period for 2011: the missing value is insufficient data, not red.
    let period = app
        .create(
            "/api/v1/reporting-periods",
            json!({"plan_period_id": m.plan_period, "kind": "annual_report",
                   "name": "Årsredovisning 2011", "start_date": "2011-01-01",
                   "end_date": "2011-12-31"}),
        )
        .await;
    let status_path = format!("/api/v1/indicators/{indicator}/status?reporting_period_id={period}");
    let status = app.get(&status_path, &admin).await.expect(200);
    assert_eq!(status["status"], "insufficient_data");
    assert_eq!(status["rule"], "I2");
    // A value replaces it; the women/men breakdown is kept beside the total.
    app.patch(
        &format!("/api/v1/measurements/{}", id(&missing)),
        &admin,
        json!({"value": 76.5, "value_women": 74.0, "value_men": 79.0}),
    )
    .await
    .expect(200);
    let status = app.get(&status_path, &admin).await.expect(200);
    assert_eq!(status["status"], "red", "{status}");
    assert_eq!(status["value"], 76.5);
    assert_eq!(status["targets"][0]["target_value"], 80.0);
    let series = app
        .get(&format!("/api/v1/indicators/{indicator}/series"), &admin)
        .await
        .expect(200);
    assert_eq!(series["points"][0]["value_women"], 74.0);
    assert_eq!(series["points"][0]["targets"][0]["value"], 80.0);

    // A manager records values for indicators its units own, not others.
    let in_scope = app.scoped_token(&["manager"], &[&m.board]);
    let out_of_scope = app.scoped_token(&["manager"], &[&m.team]);
    app.post(
        "/api/v1/measurements",
        &in_scope,
        json!({"indicator_id": indicator, "period": "2012", "value": 81}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/measurements",
        &out_of_scope,
        json!({"indicator_id": indicator, "period": "2013", "value": 81}),
    )
    .await
    .problem(403);
    app.post(
        "/api/v1/measurements",
        &app.token(&["viewer"]),
        json!({"indicator_id": indicator, "period": "2013", "value": 81}),
    )
    .await
    .problem(403);
}

/// The overview of a reporting period.
async fn overview(app: &TestApp, period: &str, token: &str) -> Value {
    app.get(
        &format!("/api/v1/reporting-periods/{period}/overview"),
        token,
    )
    .await
    .expect(200)
}

fn missing_count(overview: &Value) -> usize {
    overview["missing_by_unit"]
        .as_array()
        .map(|units| {
            units
                .iter()
                .map(|u| u["missing"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or(0)
}

async fn one_full_reporting_cycle_on_the_demo(app: TestApp) {
    let (admin, org) = demo(&app).await;
    let units = by_key(&app, "/api/v1/units", &admin).await;
    let unit = |code: &str| {
        units
            .values()
            .find(|u| u["short_code"] == code)
            .map(id)
            .unwrap_or_else(|| panic!("unit {code}"))
    };
    let periods = items(&app, "/api/v1/reporting-periods", &admin).await;
    let annual = periods
        .iter()
        .find(|p| p["name"] == "Årsredovisning 2011")
        .map(id)
        .expect("the annual report 2011");
    let indicators = by_key(&app, "/api/v1/indicators", &admin).await;
    let goals = by_key(&app, "/api/v1/goals", &admin).await;
    let department_goals = by_key(&app, "/api/v1/department-goals", &admin).await;
    let indicator = |key: &str| id(&indicators[&format!("demo-indicator-{key}")]);
    let token = |role: &str, code: &str| app.issue(&org, &[role], &[&unit(code)]);

    // Before anything is reported: eleven follow-ups expected (seven overarching goals,
    // four adopted department goals), none in, the deadline long past.
    let before = overview(&app, &annual, &admin).await;
    assert_eq!(before["expected_reports"], 11, "{before}");
    assert_eq!(before["submitted_reports"], 0);
    assert_eq!(missing_count(&before), 11);
    assert_eq!(before["overdue"], true);

    // Values in: the economy and environment figures from Kolada, imported by a manager of
    // the two units that own those indicators; the rest by the owning units' managers.
    let kolada: Value = serde_json::from_str(
        &std::fs::read_to_string("fixtures/kolada/varnamo-0683.json").expect("the fixture"),
    )
    .expect("JSON");
    let importer = app.issue(&org, &["manager"], &[&unit("Klk"), &unit("MSN")]);
    let report = app
        .post("/api/v1/kolada/import", &importer, kolada)
        .await
        .expect(200);
    assert_eq!(report["created"], 11, "{report}");
    for (key, owner, body) in [
        ("goal1-safety", "KS", json!({"value": 62})),
        ("goal2-nri", "KS", json!({"value": 54})),
        ("goal4-self-financing", "Klk", json!({"value": 95})),
        (
            "goal5-engagement",
            "Klk",
            json!({"value": 73, "value_women": 74, "value_men": 71}),
        ),
        (
            "goal6-environment-satisfaction",
            "MSN",
            json!({"value": 70}),
        ),
        ("bun1-pupils-safe", "Buf", json!({"value": 96})),
        ("on1-home-care-safe", "Oms", json!({"missing": true})),
        ("rn1-residential-fires", "Rtj", json!({"value": 0.9})),
    ] {
        let mut body = body;
        body["indicator_id"] = json!(indicator(key));
        body["period"] = json!("2011");
        app.post("/api/v1/measurements", &token("manager", owner), body)
            .await
            .expect(201);
    }

    // Statuses, each with its rule and values.
    let status = |path: String| {
        let app = &app;
        let admin = admin.clone();
        let annual = annual.clone();
        async move {
            app.get(
                &format!("{path}/status?reporting_period_id={annual}"),
                &admin,
            )
            .await
            .expect(200)
        }
    };
    let result = status(format!("/api/v1/indicators/{}", indicator("goal3-result"))).await;
    // Kolada's 2011 result, 1.2 %, is below 2 % for the year and the average so far; the
    // values for 2012 on come after the reporting period and are not used.
    assert_eq!(result["status"], "red", "{result}");
    assert_eq!(result["rule"], "I6");
    assert_eq!(result["period"], "2011");
    assert_eq!(result["value"], 1.2);
    let checks: Vec<(&str, &str)> = result["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| Some((t["target"]["basis"].as_str()?, t["status"].as_str()?)))
        .collect();
    assert_eq!(checks, vec![("each_period", "red"), ("average", "red")]);
    let goal3 = id(&goals["demo-goal-3"]);
    let goal3_status = status(format!("/api/v1/goals/{goal3}")).await;
    assert_eq!(goal3_status["status"], "red");
    assert_eq!(goal3_status["rule"], "G4");
    assert_eq!(goal3_status["indicators"][0]["rule"], "I6");
    // Goal 7's target is for 2020, −40 % from 8.2 in 1990: 2011 is judged on the straight
    // path there, 5.904, and Kolada's 6.0 is just off it (yellow).
    let goal7 = status(format!("/api/v1/goals/{}", id(&goals["demo-goal-7"]))).await;
    assert_eq!(goal7["status"], "yellow", "{goal7}");
    assert_eq!(goal7["indicators"][0]["rule"], "I10");
    assert_eq!(goal7["indicators"][0]["targets"][0]["target_value"], 5.904);
    let explanation = goal7["indicators"][0]["explanation"]
        .as_str()
        .unwrap_or_default();
    assert!(
        explanation.starts_with("on the path from 8.2 in 1990 to 4.92 in 2020 the target for 2011 is 5.904; from 6 in 2011, -0.12 a year is needed"),
        "{explanation}"
    );
    // Goal 1 rolls up its own indicator and three department goals, one without data.
    let goal1 = status(format!("/api/v1/goals/{}", id(&goals["demo-goal-1"]))).await;
    let children: Vec<(&str, &str, bool)> = goal1["children"]
        .as_array()
        .expect("children")
        .iter()
        .filter_map(|c| {
            Some((
                c["kind"].as_str()?,
                c["status"].as_str()?,
                c["counted"].as_bool()?,
            ))
        })
        .collect();
    assert_eq!(children.len(), 4, "{goal1}");
    assert_eq!(children.iter().filter(|c| c.2).count(), 3);
    assert!(children.contains(&("department_goal", "insufficient_data", false)));
    assert_eq!(goal1["status"], "green");
    let activities = &goal1["activities"];
    assert!(activities["total"].as_u64().unwrap_or(0) > 0, "{goal1}");

    // Follow-ups drafted and submitted by the managers of the owning units.
    let mut follow_ups = Vec::new();
    for (key, goal, owner) in goals
        .iter()
        .map(|(k, g)| (k.clone(), json!({"goal_id": id(g)}), "KF"))
        .chain(
            department_goals
                .iter()
                .filter(|(_, d)| d["state"] == "adopted")
                .map(|(k, d)| {
                    let board = units
                        .values()
                        .find(|u| u["id"] == d["owner_unit_id"])
                        .and_then(|u| u["short_code"].as_str())
                        .unwrap_or_default();
                    (k.clone(), json!({"department_goal_id": id(d)}), board)
                }),
        )
        .collect::<Vec<_>>()
    {
        let manager = token("manager", owner);
        let mut body = goal;
        body["reporting_period_id"] = json!(annual);
        body["reporting_unit_id"] = json!(unit(owner));
        body["assessment"] = json!(if key == "demo-goal-3" {
            "partly_achieved"
        } else {
            "achieved"
        });
        let draft = app
            .post("/api/v1/follow-ups", &manager, body)
            .await
            .expect(201);
        assert_eq!(draft["state"], "draft");
        let path = format!("/api/v1/follow-ups/{}", id(&draft));
        // No analysis yet: not submittable.
        app.post(&format!("{path}/submit"), &manager, json!({}))
            .await
            .problem(422);
        app.patch(
            &path,
            &manager,
            json!({"analysis": "Resultatet 2011 blev svagare än planerat; engångskostnader förklarar en del.",
                   "planned_measures": "Fortsatt återhållsamhet."}),
        )
        .await
        .expect(200);
        follow_ups.push((key, path, owner, manager));
    }
    // A manager of another unit may not submit it.
    let (_, first_path, _, _) = &follow_ups[0];
    app.post(
        &format!("{first_path}/submit"),
        &token("manager", "Buf"),
        json!({}),
    )
    .await
    .problem(403);
    let mut expected_missing = 11;
    for (_, path, _, manager) in &follow_ups {
        let submitted = app
            .post(&format!("{path}/submit"), manager, json!({}))
            .await
            .expect(200);
        assert_eq!(submitted["state"], "submitted");
        assert!(submitted["submitted_at"].is_string());
        expected_missing -= 1;
        let now = overview(&app, &annual, &admin).await;
        assert_eq!(missing_count(&now), expected_missing, "the list shrinks");
        // A submitted follow-up changes only after it is returned to draft.
        app.patch(path, manager, json!({"analysis": "Ändrad."}))
            .await
            .problem(409);
    }
    let all_in = overview(&app, &annual, &admin).await;
    assert_eq!(all_in["submitted_reports"], 11);
    assert_eq!(all_in["missing_by_unit"], json!([]));
    assert_eq!(all_in["overdue"], false);

    // Returning says why, and the reason stays on the follow-up until it is approved.
    let (_, first_path, _, first_manager) = &follow_ups[0];
    let council = token("council", "KF");
    let unexplained = app
        .post(&format!("{first_path}/return"), &council, json!({}))
        .await;
    unexplained.problem(422);
    assert_eq!(unexplained.error_fields(), vec!["reason"]);
    let returned = app
        .post(
            &format!("{first_path}/return"),
            &council,
            json!({"reason": "Analysen saknar utfallet för 2011."}),
        )
        .await
        .expect(200);
    assert_eq!(returned["state"], "draft");
    assert_eq!(
        returned["return_reason"],
        "Analysen saknar utfallet för 2011."
    );
    app.post(&format!("{first_path}/submit"), first_manager, json!({}))
        .await
        .expect(200);

    // Approval: the board for its department goals (not another board's), the council for
    // overarching goals; publishing is the council's.
    for (key, path, owner, _) in &follow_ups {
        let approver = if key.starts_with("demo-goal-") {
            token("council", "KF")
        } else {
            token("board", owner)
        };
        if !key.starts_with("demo-goal-") {
            let other_board = if *owner == "BUN" { "ON" } else { "BUN" };
            app.post(
                &format!("{path}/approve"),
                &token("board", other_board),
                json!({}),
            )
            .await
            .problem(403);
            app.post(&format!("{path}/publish"), &approver, json!({}))
                .await
                .problem(403);
        }
        app.post(
            &format!("{path}/publish"),
            &token("council", "KF"),
            json!({}),
        )
        .await
        .problem(409);
        let approved = app
            .post(&format!("{path}/approve"), &approver, json!({}))
            .await
            .expect(200);
        assert_eq!(approved["state"], "approved");
        // Who approved it is kept with it.
        assert!(approved["approved_by"].is_string(), "{approved}");
        assert!(approved["approved_at"].is_string());
    }
    // Goal 3's approved assessment, with its analysis, overrides the computed status.
    let overridden = status(format!("/api/v1/goals/{goal3}")).await;
    assert_eq!(overridden["status"], "yellow", "{overridden}");
    assert_eq!(overridden["computed_status"], "red");
    // The status names the rule that decided it, the computed one beside it.
    assert_eq!(overridden["rule"], "G5");
    assert_eq!(overridden["computed_rule"], "G4");
    assert!(overridden["computed_explanation"]
        .as_str()
        .is_some_and(|why| why.starts_with("weighted mean score")));
    assert_eq!(overridden["assessment"]["assessment"], "partly_achieved");
    assert!(overridden["assessment"]["analysis"].is_string());

    // The public view shows nothing of the follow-ups until they are published.
    let public_path = format!("/api/v1/public/0683/reporting-periods/{annual}/results");
    let public = anonymous(&app, &public_path).await.expect(200);
    assert_eq!(public["follow_ups"], json!([]));
    let public_goal3 = public_goal(&public, &goal3);
    assert_eq!(public_goal3["status"], "red", "approved is not yet public");

    // The council publishes by a decision: all of it, by a council, or none.
    let (_, first_path, _, _) = &follow_ups[0];
    for (decision, fields) in [
        (
            json!({"decision_reference": "KF 2012-04-26 § 52"}),
            vec!["decided_on", "decided_by_unit_id"],
        ),
        (
            json!({"decision_reference": "KF 2012-04-26 § 52", "decided_on": "2012-04-26",
                   "decided_by_unit_id": unit("BUN")}),
            vec!["decided_by_unit_id"],
        ),
    ] {
        let refused = app
            .post(&format!("{first_path}/publish"), &council, decision)
            .await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), fields);
    }
    let decided = app
        .post(
            &format!("{first_path}/publish"),
            &council,
            json!({"decision_reference": "KF 2012-04-26 § 52", "decided_on": "2012-04-26",
                   "decided_by_unit_id": unit("KF")}),
        )
        .await
        .expect(200);
    assert_eq!(decided["state"], "published");
    assert_eq!(decided["decision_reference"], "KF 2012-04-26 § 52");
    assert_eq!(decided["decided_on"], "2012-04-26");
    assert!(decided["published_by"].is_string());
    // The rest at once: a board may publish none of them (each skipped, saying why), the
    // council all ten, each audited as if published alone.
    let publish_all = format!("/api/v1/reporting-periods/{annual}/follow-ups/publish");
    let by_a_board = app
        .post(&publish_all, &token("board", "BUN"), json!({}))
        .await
        .expect(200);
    assert_eq!(by_a_board["follow_ups"], json!([]));
    assert_eq!(by_a_board["skipped"].as_array().map(Vec::len), Some(10));
    let by_the_council = app
        .post(
            &publish_all,
            &council,
            json!({"decision_reference": "KF 2012-04-26 § 52", "decided_on": "2012-04-26",
                   "decided_by_unit_id": unit("KF")}),
        )
        .await
        .expect(200);
    let published_now = by_the_council["follow_ups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(published_now.len(), 10, "{by_the_council}");
    assert!(published_now
        .iter()
        .all(|f| f["state"] == "published" && f["decision_reference"] == "KF 2012-04-26 § 52"));
    let trail = app
        .get(
            &format!("/api/v1/audit?entity_id={}", id(&published_now[0])),
            &admin,
        )
        .await
        .expect(200);
    let last = trail["items"]
        .as_array()
        .and_then(|items| items.last().cloned());
    assert_eq!(
        last.map(|entry| (entry["action"].clone(), entry["after"]["state"].clone())),
        Some((json!("update"), json!("published")))
    );
    let published = items(
        &app,
        &format!("/api/v1/follow-ups?reporting_period_id={annual}&state=published"),
        &admin,
    )
    .await;
    assert_eq!(published.len(), 11);

    // Now the public view shows exactly the published part: the eleven follow-ups without
    // their authors, the statuses they override, the adopted goals only, no names.
    let public = anonymous(&app, &public_path).await.expect(200);
    assert_eq!(public["follow_ups"].as_array().map(Vec::len), Some(11));
    assert_eq!(public_goal(&public, &goal3)["status"], "yellow");
    assert_eq!(public["goals"].as_array().map(Vec::len), Some(7));
    let text = public.to_string();
    for hidden in ["test-user", "author", "recorded_by", "draft"] {
        assert!(!text.contains(hidden), "the public results show {hidden}");
    }
    let draft_department_goal = id(&department_goals["demo-department-goal-tn-1"]);
    assert!(!text.contains(&draft_department_goal));
    let indicators_public = anonymous(&app, "/api/v1/public/0683/indicators")
        .await
        .expect(200);
    let listed = indicators_public["indicators"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(listed.len(), indicators.len());
    let result_values = listed
        .iter()
        .find(|i| i["kolada_kpi"] == "N03101")
        .and_then(|i| i["values"].as_array().cloned())
        .unwrap_or_default();
    assert_eq!(result_values.len(), 5, "2010–2014 from Kolada");
    assert_eq!(
        result_values[1],
        json!({"period": "2011", "kind": "outcome", "value": 1.2, "value_women": null, "value_men": null, "missing": false})
    );
    assert!(!indicators_public.to_string().contains("test-user"));
    let periods_public = anonymous(&app, "/api/v1/public/0683/reporting-periods")
        .await
        .expect(200);
    assert_eq!(
        periods_public["reporting_periods"].as_array().map(Vec::len),
        Some(3)
    );

    // Closing the reporting period makes its follow-ups read-only.
    app.patch(
        &format!("/api/v1/reporting-periods/{annual}"),
        &admin,
        json!({"status": "closed"}),
    )
    .await
    .expect(200);
    let (_, path, _, _) = &follow_ups[0];
    app.post(
        &format!("{path}/return"),
        &token("council", "KF"),
        json!({}),
    )
    .await
    .problem(409);
    app.delete(path, &admin).await.problem(409);
    let closed = overview(&app, &annual, &admin).await;
    assert_eq!(closed["reporting_period"]["status"], "closed");
}

/// A read without a token.
async fn anonymous(app: &TestApp, path: &str) -> crate::common::Resp {
    app.send(actix_web::http::Method::GET, path, None, None, &[])
        .await
}

/// A goal's entry in the public results.
fn public_goal(results: &Value, goal: &str) -> Value {
    results["goals"]
        .as_array()
        .and_then(|goals| goals.iter().find(|g| g["id"] == goal).cloned())
        .unwrap_or(Value::Null)
}

/// Goal 3's `N03101` through a reporting year: the interim report judged on the full-year
/// forecast, the annual report on the year's outcome, and no part-year value in the average.
async fn an_annual_target_is_judged_on_the_year_its_forecast_or_nothing(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let indicator = app
        .create(
            "/api/v1/indicators",
            json!({"goal_id": m.goal, "owner_unit_id": m.administration,
                   "name": "Årets resultat", "unit_of_measure": "%",
                   "direction": "higher_is_better", "yellow_tolerance": 0.5,
                   "targets": [
                       {"from": "2011", "to": "2014", "value": 2},
                       {"from": "2011", "to": "2014", "basis": "average", "value": 2.5}]}),
        )
        .await;
    let period = |kind: &str, name: &str, end: &str| {
        json!({"plan_period_id": m.plan_period, "kind": kind, "name": name,
               "start_date": "2011-01-01", "end_date": end})
    };
    let interim = app
        .create(
            "/api/v1/reporting-periods",
            period("interim_report", "Delår 2011", "2011-08-31"),
        )
        .await;
    let annual = app
        .create(
            "/api/v1/reporting-periods",
            period("annual_report", "Årsredovisning 2011", "2011-12-31"),
        )
        .await;
    let status = |period: String| {
        let (app, admin, indicator) = (&app, &admin, &indicator);
        async move {
            app.get(
                &format!("/api/v1/indicators/{indicator}/status?reporting_period_id={period}"),
                admin,
            )
            .await
            .expect(200)
        }
    };
    let record = |body: Value| {
        let (app, admin) = (&app, &admin);
        async move { app.post("/api/v1/measurements", admin, body).await }
    };
    // January to August, and the board's full-year forecast.
    record(json!({"indicator_id": indicator, "period": "2011-YTD08", "value": 3.1}))
        .await
        .expect(201);
    let at_interim = status(interim.clone()).await;
    assert_eq!(at_interim["status"], "insufficient_data", "{at_interim}");
    assert_eq!(at_interim["rule"], "I9");
    record(json!({"indicator_id": indicator, "period": "2011", "kind": "forecast", "value": 2.2}))
        .await
        .expect(201);
    let at_interim = status(interim.clone()).await;
    assert_eq!(at_interim["status"], "yellow", "{at_interim}");
    assert_eq!(at_interim["targets"][0]["rule"], "I7");
    assert_eq!(
        at_interim["targets"][1]["periods"],
        json!(["2011 (forecast)"])
    );

    // The annual report: the year's outcome, 2.4, yellow on the average, whatever part-year
    // values exist.
    record(json!({"indicator_id": indicator, "period": "2011-T2", "value": 3.1}))
        .await
        .expect(201);
    let outcome = record(json!({"indicator_id": indicator, "period": "2011", "value": 2.4}))
        .await
        .expect(201);
    assert_eq!(outcome["kind"], "outcome");
    let at_year_end = status(annual).await;
    assert_eq!(at_year_end["status"], "yellow", "{at_year_end}");
    assert_eq!(at_year_end["targets"][1]["periods"], json!(["2011"]));
    assert_eq!(at_year_end["targets"][1]["compared_value"], 2.4);

    // One outcome and one forecast a period; a forecast is of a whole year.
    record(json!({"indicator_id": indicator, "period": "2011", "kind": "forecast", "value": 2.3}))
        .await
        .problem(409);
    for (body, field) in [
        (
            json!({"indicator_id": indicator, "period": "2011-05", "kind": "forecast", "value": 2}),
            "period",
        ),
        (
            json!({"indicator_id": indicator, "period": "2011-YTD13", "value": 2}),
            "period",
        ),
        (
            json!({"indicator_id": indicator, "period": "2011", "kind": "budget", "value": 2}),
            "kind",
        ),
    ] {
        let refused = record(body).await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), vec![field]);
    }
}

backend_tests!(
    an_annual_target_is_judged_on_the_year_its_forecast_or_nothing,
    goals_3_and_7_are_expressed_exactly,
    indicators_refuse_targets_their_direction_cannot_read,
    a_missing_value_is_not_zero_and_one_value_per_period,
    one_full_reporting_cycle_on_the_demo,
);
