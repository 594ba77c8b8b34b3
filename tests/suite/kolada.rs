//! Kolada import: the Värnamo fixture (a Kolada API v3 data response) becomes measurements of
//! the indicators that name its KPIs, through the endpoint and the command line's function;
//! importing again changes nothing, a dry run writes nothing, refusals change nothing.

use crate::common::TestApp;
use actix_web::http::Method;
use serde_json::{json, Value};

const FIXTURE: &str = include_str!("../../fixtures/kolada/varnamo-0683.json");
const IMPORT: &str = "/api/v1/kolada/import";

/// The indicators of the Värnamo goal model the fixture feeds.
struct Indicators {
    /// N03101, municipality 0683, owned by the council.
    result: String,
    /// N00401, municipality 0683, owned by the council.
    ghg: String,
    /// N00914, the organization's own municipality code, owned by the work team.
    employed: String,
    administration: String,
}

/// A goal model, the organization moved to Värnamo's code 0683, and three Kolada indicators.
async fn setup(app: &TestApp) -> Indicators {
    let m = app.model().await;
    app.set_code(&app.org, "0683").await;
    let indicator = |body: Value| async move { app.create("/api/v1/indicators", body).await };
    let result = indicator(json!({
        "goal_id": m.goal, "owner_unit_id": m.council, "source": "kolada",
        "kolada_kpi": "N03101", "kolada_municipality": "0683",
        "name": "Årets resultat som andel av skatt och generella statsbidrag", "unit_of_measure": "%",
        "direction": "higher_is_better", "targets": [{"from": "2011", "to": "2014", "value": 2.0}]
    }))
    .await;
    let ghg = indicator(json!({
        "goal_id": m.goal, "owner_unit_id": m.council, "source": "kolada",
        "kolada_kpi": "N00401", "kolada_municipality": "0683",
        "name": "Utsläpp av växthusgaser", "unit_of_measure": "ton CO2-ekv/inv",
        "direction": "lower_is_better", "baseline_value": 8.2, "baseline_period": "1990",
        "targets": [{"from": "2020", "change_from_baseline_percent": -40.0}]
    }))
    .await;
    let employed = indicator(json!({
        "department_goal_id": m.department_goal, "owner_unit_id": m.team, "source": "kolada",
        "kolada_kpi": "N00914", "name": "Förvärvsarbetande invånare 20–64 år", "unit_of_measure": "%",
        "direction": "higher_is_better"
    }))
    .await;
    Indicators {
        result,
        ghg,
        employed,
        administration: m.administration,
    }
}

async fn import(app: &TestApp, token: &str, query: &str, body: &str) -> crate::common::Resp {
    app.send(
        Method::POST,
        &format!("{IMPORT}{query}"),
        Some(token),
        Some(body.as_bytes().to_vec()),
        &[("X-Request-Id", "kolada-2014-06")],
    )
    .await
}

/// The measurements of an indicator (archived ones too), by period.
async fn measurements(app: &TestApp, indicator: &str) -> Vec<Value> {
    let page = app
        .get(
            &format!(
                "/api/v1/measurements?indicator_id={indicator}&include_archived=true&limit=500"
            ),
            &app.admin(),
        )
        .await
        .expect(200);
    let mut items = page["items"].as_array().cloned().unwrap_or_default();
    items.sort_by_key(|m| m["period"].as_str().unwrap_or("").to_string());
    items
}

async fn measurement_entries(app: &TestApp) -> Vec<Value> {
    app.get(
        "/api/v1/audit?entity_type=measurement&limit=500",
        &app.admin(),
    )
    .await
    .expect(200)["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn of_period<'a>(items: &'a [Value], period: &str) -> &'a Value {
    items
        .iter()
        .find(|m| m["period"] == period)
        .unwrap_or_else(|| panic!("no measurement for {period} in {items:?}"))
}

async fn the_fixture_becomes_measurements(app: TestApp) {
    let i = setup(&app).await;
    // A figure entered by hand for 2010, which Kolada has since withdrawn.
    let by_hand = app
        .create(
            "/api/v1/measurements",
            json!({"indicator_id": i.employed, "period": "2010", "value": 80.5}),
        )
        .await;

    let report = import(&app, &app.admin(), "", FIXTURE).await.expect(200);
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["rows"], 17);
    assert_eq!(
        (
            &report["created"],
            &report["updated"],
            &report["unchanged"],
            &report["deleted"]
        ),
        (&json!(14), &json!(0), &json!(0), &json!(1))
    );
    let skipped = report["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    for row in skipped {
        assert_eq!(row["kpi"], "N01951");
        assert_eq!(row["municipality"], "0683");
        assert!(
            row["reason"]
                .as_str()
                .is_some_and(|r| r.contains("no indicator")),
            "{row}"
        );
    }
    assert_eq!(report["measurements"].as_array().map(Vec::len), Some(15));

    // Goal 7: the emissions, 1990 to 2013, with where each figure came from.
    let ghg = measurements(&app, &i.ghg).await;
    let periods: Vec<&str> = ghg.iter().filter_map(|m| m["period"].as_str()).collect();
    assert_eq!(periods, ["1990", "2005", "2010", "2011", "2012", "2013"]);
    let baseline = of_period(&ghg, "1990");
    assert_eq!(baseline["value"], 8.2);
    assert_eq!(baseline["missing"], false);
    assert_eq!(baseline["source"], "kolada");
    assert_eq!(baseline["recorded_by"], "test-user");
    assert_eq!(baseline["period_start"], "1990-01-01");
    assert!(baseline["imported_at"].is_string());
    let provenance = &baseline["provenance"];
    assert_eq!(provenance["kpi"], "N00401");
    assert_eq!(provenance["period"], 1990);
    assert_eq!(provenance["municipality"], "0683");
    assert_eq!(provenance["status"], json!({"T": ""}));
    assert_eq!(provenance["imported_at"], baseline["imported_at"]);

    // Goal 3: the year's result, 2010–2014.
    let result = measurements(&app, &i.result).await;
    assert_eq!(result.len(), 5);
    assert_eq!(of_period(&result, "2011")["value"], 1.2);

    // The indicator without a municipality code takes the organization's own (0683): the
    // gender breakdown, a year Kolada has no value for (missing, not zero), and the
    // withdrawn year archived with its figure kept.
    let employed = measurements(&app, &i.employed).await;
    let y2011 = of_period(&employed, "2011");
    assert_eq!(
        (&y2011["value"], &y2011["value_women"], &y2011["value_men"]),
        (&json!(82.4), &json!(79.8), &json!(84.9))
    );
    let y2013 = of_period(&employed, "2013");
    assert_eq!(y2013["missing"], true);
    assert_eq!(y2013["value"], Value::Null);
    assert_eq!(y2013["value_women"], Value::Null);
    assert_eq!(
        y2013["provenance"]["status"],
        json!({"T": "Missing", "K": "Missing", "M": "Missing"})
    );
    let y2010 = of_period(&employed, "2010");
    assert_eq!(y2010["id"], json!(by_hand));
    assert!(y2010["archived_at"].is_string(), "{y2010}");
    assert_eq!(y2010["value"], 80.5);
    let listed = app
        .get(
            &format!("/api/v1/measurements?indicator_id={}", i.employed),
            &app.admin(),
        )
        .await
        .expect(200);
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(3),
        "the withdrawn year leaves lists"
    );

    // Every write is in the audit trail, as the caller's, with the request id.
    let entries = measurement_entries(&app).await;
    let imported: Vec<&Value> = entries
        .iter()
        .filter(|e| e["request_id"] == "kolada-2014-06")
        .collect();
    assert_eq!(imported.len(), 15);
    assert_eq!(
        imported.iter().filter(|e| e["action"] == "create").count(),
        14
    );
    let archived = imported
        .iter()
        .find(|e| e["action"] == "archive")
        .expect("an archive entry");
    assert_eq!(archived["entity_id"], json!(by_hand));
    assert_eq!(archived["actor_subject"], "test-user");
    assert_eq!(archived["before"]["archived_at"], Value::Null);
    assert_eq!(
        archived["after"]["provenance"]["isdeleted"],
        json!(["T", "K", "M"])
    );
}

async fn a_second_import_changes_nothing_and_a_revised_figure_is_updated(app: TestApp) {
    let i = setup(&app).await;
    import(&app, &app.admin(), "", FIXTURE).await.expect(200);
    let entries = measurement_entries(&app).await.len();

    let again = import(&app, &app.admin(), "", FIXTURE).await.expect(200);
    assert_eq!(
        (
            &again["created"],
            &again["updated"],
            &again["unchanged"],
            &again["deleted"]
        ),
        (&json!(0), &json!(0), &json!(15), &json!(0))
    );
    assert!(again["measurements"]
        .as_array()
        .expect("measurements")
        .iter()
        .all(|m| m["action"] == "unchanged"));
    assert_eq!(measurement_entries(&app).await.len(), entries);
    let result = measurements(&app, &i.result).await;
    assert!(result.iter().all(|m| m["version"] == 1), "{result:?}");

    // Kolada revises 2014's result: that one measurement changes, and the trail says so.
    let revised = FIXTURE.replacen("\"value\": 1.8", "\"value\": 2.1", 1);
    assert_ne!(revised, FIXTURE);
    let report = import(&app, &app.admin(), "", &revised).await.expect(200);
    assert_eq!(
        (&report["updated"], &report["unchanged"]),
        (&json!(1), &json!(14))
    );
    let y2014 = of_period(&measurements(&app, &i.result).await, "2014").clone();
    assert_eq!(
        (&y2014["value"], &y2014["version"]),
        (&json!(2.1), &json!(2))
    );
    let trail = app
        .get(
            &format!(
                "/api/v1/audit?entity_id={}",
                y2014["id"].as_str().unwrap_or("")
            ),
            &app.admin(),
        )
        .await
        .expect(200);
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["create", "update"]);
    assert_eq!(trail["items"][1]["before"]["value"], 1.8);
    assert_eq!(trail["items"][1]["after"]["value"], 2.1);
}

async fn a_dry_run_reports_and_writes_nothing(app: TestApp) {
    let i = setup(&app).await;
    let report = import(&app, &app.admin(), "?dry_run=true", FIXTURE)
        .await
        .expect(200);
    assert_eq!(report["dry_run"], true);
    assert_eq!(
        (&report["created"], &report["deleted"]),
        (&json!(14), &json!(0))
    );
    assert!(report["measurements"]
        .as_array()
        .expect("measurements")
        .iter()
        .all(|m| m["measurement_id"].is_null()));
    assert_eq!(report["skipped"].as_array().map(Vec::len), Some(2));
    for indicator in [&i.result, &i.ghg, &i.employed] {
        assert!(measurements(&app, indicator).await.is_empty());
    }
    assert!(measurement_entries(&app).await.is_empty());
}

async fn refusals_change_nothing(app: TestApp) {
    let i = setup(&app).await;
    // A manager of the administration: the work team's indicator is in its scope, the
    // council's are not, so the whole import is refused, naming one of them.
    let manager = app.scoped_token(&["manager"], &[&i.administration]);
    let refused = import(&app, &manager, "", FIXTURE).await;
    let problem = refused.problem(403);
    let detail = problem["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains(&i.result) || detail.contains(&i.ghg),
        "names the indicator: {detail}"
    );
    assert!(detail.contains("outside"), "{detail}");
    for (token, status) in [
        (app.token(&["viewer"]), 403),
        (app.token(&["council"]), 403),
    ] {
        import(&app, &token, "", FIXTURE).await.problem(status);
    }
    let anonymous = app
        .send(
            Method::POST,
            IMPORT,
            None,
            Some(FIXTURE.as_bytes().to_vec()),
            &[],
        )
        .await;
    anonymous.problem(401);
    assert!(measurements(&app, &i.employed).await.is_empty());
    assert!(measurements(&app, &i.result).await.is_empty());
    assert!(measurement_entries(&app).await.is_empty());

    // The same manager imports the rows of its own indicator.
    let own: Value = {
        let mut doc: Value = serde_json::from_str(FIXTURE).expect("the fixture");
        doc["values"] = json!(doc["values"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["kpi"] == "N00914")
            .collect::<Vec<_>>());
        doc
    };
    let report = import(&app, &manager, "", &own.to_string())
        .await
        .expect(200);
    assert_eq!(report["created"], 3);
    assert_eq!(measurements(&app, &i.employed).await.len(), 3);
}

async fn input_that_is_not_a_kolada_response_is_refused(app: TestApp) {
    let i = setup(&app).await;
    let admin = app.admin();
    import(&app, &admin, "", "{\"values\": [")
        .await
        .problem(400);
    import(&app, &admin, "?dryrun=true", FIXTURE)
        .await
        .problem(400);
    for (body, field) in [
        (json!({"count": 0}), "values"),
        (
            json!({"values": [{"kpi": "N03101", "municipality": "0683", "period": "2011-Q1", "values": []}]}),
            "values[0].period",
        ),
        (
            json!({"values": [{"kpi": "N03101", "municipality": "0683", "period": 2011,
                               "values": [{"gender": "X", "value": 1.0}]}]}),
            "values[0].values[0].gender",
        ),
        (
            json!({"values": [{"kpi": "N03101", "municipality": "0683", "period": 2011,
                               "values": [{"gender": "T", "value": "1,2"}]}]}),
            "values[0].values[0].value",
        ),
        (
            json!({"values": [{"kpi": "N03101", "period": 2011, "values": []}]}),
            "values[0]",
        ),
        // PostgreSQL cannot look up a KPI with NUL; refused alike on SQLite.
        (
            json!({"values": [{"kpi": "N03\u{0}101", "municipality": "0683", "period": 2011, "values": []}]}),
            "values[0].kpi",
        ),
        // Nor any other text of a row.
        (
            json!({"values": [{"kpi": "N03101", "municipality": "06\u{0}83", "period": 2011, "values": []}]}),
            "values[0].municipality",
        ),
        (
            json!({"values": [{"kpi": "N03101", "ou": "V15\u{0}E", "period": 2011, "values": []}]}),
            "values[0].ou",
        ),
        (
            json!({"values": [{"kpi": "N03101", "municipality": "0683", "period": 2011,
                               "values": [{"gender": "T", "value": 1.0, "status": "\u{0}"}]}]}),
            "values[0].values[0].status",
        ),
    ] {
        let refused = import(&app, &admin, "", &body.to_string()).await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), [field], "{}", refused.text());
    }
    // JSON's 2011.0 is the number 2011: a year and a count written so are read.
    let whole = json!({"count": 1.0, "values": [{"kpi": "N03101", "municipality": "0683",
                                                 "period": 2011.0, "values": []}]});
    let report = import(&app, &admin, "?dry_run=true", &whole.to_string())
        .await
        .expect(200);
    assert_eq!(report["rows"], 1, "{report}");
    assert!(measurements(&app, &i.result).await.is_empty());
    assert!(measurement_entries(&app).await.is_empty());
}

async fn the_command_line_imports_into_the_municipality_the_file_names(app: TestApp) {
    let i = setup(&app).await;
    let bytes = FIXTURE.as_bytes();
    let dry = malstyrning::kolada::import_file(&app.store, bytes, Some(&app.org), true)
        .await
        .expect("a dry run");
    assert_eq!((dry.dry_run, dry.created), (true, 14));
    assert!(measurements(&app, &i.ghg).await.is_empty());

    // No --org: the file's rows name 0683, the organization's code.
    let report = malstyrning::kolada::import_file(&app.store, bytes, None, false)
        .await
        .expect("an import");
    assert_eq!(report.organization_id.to_string(), app.org);
    assert_eq!(
        (report.created, report.deleted, report.skipped.len()),
        (14, 0, 2)
    );
    assert!(report.to_string().contains("14 created"), "{report}");
    let ghg = measurements(&app, &i.ghg).await;
    assert_eq!(ghg.len(), 6);
    assert!(ghg.iter().all(|m| m["recorded_by"] == "kolada-import"));
    let entries = measurement_entries(&app).await;
    assert_eq!(entries.len(), 14);
    assert!(entries
        .iter()
        .all(|e| e["actor_subject"] == "kolada-import"));

    let again = malstyrning::kolada::import_file(&app.store, bytes, Some("0683"), false)
        .await
        .expect("an import");
    assert_eq!((again.changes(), again.unchanged), (0, 15));
    assert!(again.to_string().contains("Nothing changed."), "{again}");

    let elsewhere = FIXTURE.replace("\"0683\"", "\"0684\"");
    let error = malstyrning::kolada::import_file(&app.store, elsewhere.as_bytes(), None, false)
        .await
        .expect_err("no organization has 0684");
    assert!(error.contains("0684") && error.contains("--org"), "{error}");
    let error = malstyrning::kolada::import_file(&app.store, b"{\"values\": {}}", None, false)
        .await
        .expect_err("not a Kolada response");
    assert!(error.contains("values"), "{error}");
}

async fn an_organisational_unit_row_feeds_the_indicator_of_that_unit(app: TestApp) {
    let m = app.model().await;
    let school = app
        .create(
            "/api/v1/indicators",
            json!({"department_goal_id": m.department_goal, "owner_unit_id": m.team, "source": "kolada",
                   "kolada_kpi": "N15419", "kolada_ou": "V15E068300101",
                   "name": "Elever i åk 9 som är behöriga till yrkesprogram", "unit_of_measure": "%",
                   "direction": "higher_is_better"}),
        )
        .await;
    let page = json!({"count": 2, "next_url": "https://api.kolada.se/v3/data/kpi/N15419/ou/V15E068300101?page=2",
    "values": [
        {"kpi": "N15419", "ou": "V15E068300101", "period": 2012,
         "values": [{"gender": "T", "count": 1, "status": "", "value": 91.3, "isdeleted": false}]},
        {"kpi": "N15419", "ou": "V15E068300102", "period": 2012,
         "values": [{"gender": "T", "count": 1, "status": "", "value": 87.0, "isdeleted": false}]}
    ]});
    let report = import(&app, &app.admin(), "", &page.to_string())
        .await
        .expect(200);
    assert_eq!(report["created"], 1);
    assert_eq!(report["skipped"][0]["ou"], "V15E068300102");
    assert_eq!(report["next_url"], page["next_url"]);
    let stored = measurements(&app, &school).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["value"], 91.3);
    assert_eq!(stored[0]["provenance"]["ou"], "V15E068300101");
}

backend_tests!(
    the_fixture_becomes_measurements,
    a_second_import_changes_nothing_and_a_revised_figure_is_updated,
    a_dry_run_reports_and_writes_nothing,
    refusals_change_nothing,
    input_that_is_not_a_kolada_response_is_refused,
    the_command_line_imports_into_the_municipality_the_file_names,
    an_organisational_unit_row_feeds_the_indicator_of_that_unit,
);
