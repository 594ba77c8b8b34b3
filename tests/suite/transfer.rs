//! Bulk import and export: a whole organisation from a CSV file, all or nothing with every
//! bad row reported, upserts by external id, and an export that imports back into an empty
//! organisation as the same file.

use crate::common::{Resp, TestApp};
use actix_web::http::Method;
use serde_json::json;

/// A whole organisation as another system would write it: Swedish Excel's CSV (`;`, a
/// byte order mark, CRLF), units to contacts, references by external id.
fn organisation_csv() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/import/varnamo-organisation.csv"
    ))
    .expect("the fixture")
}

async fn import(app: &TestApp, token: &str, query: &str, content_type: &str, body: &str) -> Resp {
    app.send(
        Method::POST,
        &format!("/api/v1/import{query}"),
        Some(token),
        Some(body.as_bytes().to_vec()),
        &[("Content-Type", content_type)],
    )
    .await
}

async fn export(app: &TestApp, token: &str, query: &str) -> String {
    let response = app.get(&format!("/api/v1/export{query}"), token).await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.text()
}

async fn count(app: &TestApp, token: &str, collection: &str) -> usize {
    let page = app
        .get(
            &format!("/api/v1/{collection}?limit=500&include_archived=true"),
            token,
        )
        .await
        .expect(200);
    page["items"].as_array().map_or(0, Vec::len)
}

/// The rows of a file, per type.
fn rows_by_type(csv: &str) -> std::collections::BTreeMap<String, u64> {
    let mut counts = std::collections::BTreeMap::new();
    for line in csv.lines().skip(1) {
        let row_type = line.split(';').next().unwrap_or_default();
        *counts.entry(row_type.to_string()).or_default() += 1;
    }
    counts
}

async fn a_whole_organisation_imports_from_csv_and_exports_as_it_came(app: TestApp) {
    let admin = app.admin();
    let good = organisation_csv();
    let rows = good.lines().count() as u64 - 1;

    // Three deliberate errors: a goal number that is no number, an activity for a team the
    // organisation does not have, a measurement for a tertial that does not exist.
    let bad = good
        .replacen(";3;Årets resultat", ";tre;Årets resultat", 1)
        .replacen(
            ";vk-unit-fsk-bla;Förskollärarna;",
            ";vk-unit-saknas;Förskollärarna;",
            1,
        )
        .replacen(";2011-T1;0;", ";2011-T4;0;", 1);
    let refused = import(&app, &admin, "", "text/csv", &bad).await;
    let problem = refused.problem(422);
    let errors = problem["errors"].as_array().expect("errors");
    let found: Vec<(u64, &str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().expect("a line"),
                e["field"].as_str().expect("a field"),
                e["value"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let line_of = |needle: &str| {
        bad.lines()
            .position(|l| l.contains(needle))
            .expect("the line") as u64
            + 1
    };
    assert_eq!(
        found,
        vec![
            (line_of(";tre;Årets"), "number", "tre"),
            (line_of("rn-brander-2011-T1"), "period", "2011-T4"),
            (
                line_of(";vk-unit-saknas;"),
                "team_external_id",
                "vk-unit-saknas"
            ),
        ],
        "{problem}"
    );
    assert!(errors
        .iter()
        .all(|e| e["row"].as_u64() == Some(e["line"].as_u64().unwrap_or(0) - 1)));
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("3 of"));
    // Nothing was written: not even the rows before the first error.
    assert_eq!(count(&app, &admin, "units").await, 0);
    assert_eq!(count(&app, &admin, "goals").await, 0);

    // Fixed, the file imports whole.
    let report = import(&app, &admin, "", "text/csv", &good)
        .await
        .expect(200);
    assert_eq!(report["rows"], json!(rows));
    assert_eq!(report["created"], json!(rows), "{report}");
    assert_eq!(
        (report["updated"].clone(), report["unchanged"].clone()),
        (json!(0), json!(0))
    );
    for (row_type, n) in rows_by_type(&good) {
        assert_eq!(
            report["by_type"][&row_type]["created"],
            json!(n),
            "{row_type}"
        );
    }
    assert_eq!(
        count(&app, &admin, "units").await as u64,
        rows_by_type(&good)["unit"]
    );
    let goals = app.get("/api/v1/goals?limit=500", &admin).await.expect(200);
    let goal_3 = goals["items"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["number"] == 3))
        .expect("goal 3")
        .clone();
    assert_eq!(goal_3["state"], "adopted");
    assert!(goal_3["title"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Årets resultat"));
    let measurements = app
        .get("/api/v1/measurements?limit=500", &admin)
        .await
        .expect(200);
    let result_2011 = measurements["items"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["external_id"] == "kolada-N03101-2011"))
        .expect("the 2011 result")
        .clone();
    assert_eq!(result_2011["value"], json!(2.4), "a decimal comma is read");
    assert_eq!(result_2011["indicator_id"].as_str().map(str::len), Some(36));

    // Every row is in the audit trail and the change feed.
    let feed = app
        .get("/api/v1/changes?limit=500", &admin)
        .await
        .expect(200);
    let creates = feed["items"].as_array().map_or(0, |c| {
        c.iter()
            .filter(|c| c["action"] == "create" && c["entity_type"] != "organization")
            .count()
    });
    assert_eq!(creates as u64, rows);
    let audit = app
        .get("/api/v1/audit?entity_type=activity&limit=500", &admin)
        .await
        .expect(200);
    assert_eq!(
        audit["items"].as_array().map(Vec::len),
        Some(rows_by_type(&good)["activity"] as usize)
    );

    // The same file again changes nothing, and says so.
    let again = import(&app, &admin, "", "text/csv", &good)
        .await
        .expect(200);
    assert_eq!(
        (
            again["created"].clone(),
            again["updated"].clone(),
            again["unchanged"].clone()
        ),
        (json!(0), json!(0), json!(rows)),
        "{again}"
    );

    // One archived activity travels too.
    let activities = app
        .get("/api/v1/activities?limit=500", &admin)
        .await
        .expect(200);
    let first = activities["items"][0]["id"]
        .as_str()
        .expect("an activity")
        .to_string();
    app.post(
        &format!("/api/v1/activities/{first}/archive"),
        &admin,
        json!({}),
    )
    .await
    .expect(200);

    // Exported, imported into an empty organisation and exported again: the same files.
    let json_export = export(&app, &admin, "").await;
    let csv_export = export(&app, &admin, "?format=csv").await;
    let empty = app.another_organization().await;
    let other_admin = app.token_for(&empty, &["admin"]);
    let copied = import(&app, &other_admin, "", "application/json", &json_export)
        .await
        .expect(200);
    assert_eq!(copied["created"], json!(rows));
    assert_eq!(copied["archived_or_restored"], json!(1));
    assert_eq!(export(&app, &other_admin, "").await, json_export);
    assert_eq!(export(&app, &other_admin, "?format=csv").await, csv_export);
    let third = app
        .another_organization_named("Gnosjö kommun", "0617")
        .await;
    let third_admin = app.token_for(&third, &["admin"]);
    import(&app, &third_admin, "", "text/csv", &csv_export)
        .await
        .expect(200);
    assert_eq!(export(&app, &third_admin, "").await, json_export);
    // Each resource's CSV is the same rows as the whole export's.
    let goals_csv = export(&app, &admin, "?format=csv&type=goal").await;
    assert_eq!(
        goals_csv.lines().count() as u64,
        rows_by_type(&good)["goal"] + 1
    );
    assert!(goals_csv.starts_with("type,external_id,plan_period_external_id,"));
}

async fn rows_refer_by_external_id_or_id_and_update_what_they_change(app: TestApp) {
    let admin = app.admin();
    let plan = json!([
        {"type": "plan_period", "external_id": "mp-2015", "name": "Mandatperioden 2015–2018",
         "start_date": "2015-01-01", "end_date": "2018-12-31"},
        {"type": "unit", "external_id": "kf", "kind": "council", "name": "Kommunfullmäktige"},
    ]);
    let report = import(&app, &admin, "", "application/json", &plan.to_string())
        .await
        .expect(200);
    assert_eq!(report["created"], json!(2));
    let council = app.get("/api/v1/units", &admin).await.expect(200)["items"][0]["id"].clone();

    // NDJSON, one row per line; a reference by id works as one by external id.
    let ndjson = format!(
        "{}\n\n{}\n",
        json!({"type": "unit", "external_id": "bun", "kind": "board", "name": "Barn- och utbildningsnämnden", "parent_id": council}),
        json!({"type": "unit", "external_id": "buf", "kind": "administration", "name": "Barn- och utbildningsförvaltningen", "parent_external_id": "bun"}),
    );
    let report = import(&app, &admin, "", "application/x-ndjson", &ndjson)
        .await
        .expect(200);
    assert_eq!(report["by_type"]["unit"]["created"], json!(2));
    let buf = app.get("/api/v1/units?limit=10", &admin).await.expect(200)["items"][2].clone();
    assert_eq!(buf["external_id"], "buf");
    let bun = app.get("/api/v1/units?limit=10", &admin).await.expect(200)["items"][1].clone();
    assert_eq!(buf["parent_id"], bun["id"]);

    // A CSV of one resource needs no `type` column when the import names it; a changed
    // cell updates that record only, and a dry run says so without writing it.
    let csv = "external_id,kind,name,parent_external_id\nbun,board,Barn- och utbildningsnämnden,kf\nbuf,administration,Förvaltningen för barn och utbildning,bun\n";
    let dry = import(&app, &admin, "?type=unit&dry_run=true", "text/csv", csv)
        .await
        .expect(200);
    assert_eq!(dry["dry_run"], json!(true));
    // The board's row names the parent it has (by external id where it was set by id).
    assert_eq!(
        (dry["updated"].clone(), dry["unchanged"].clone()),
        (json!(1), json!(1)),
        "{dry}"
    );
    let unchanged = app
        .get(
            &format!("/api/v1/units/{}", buf["id"].as_str().unwrap_or_default()),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(unchanged["name"], "Barn- och utbildningsförvaltningen");
    assert_eq!(unchanged["version"], json!(1));
    let real = import(&app, &admin, "?type=unit", "text/csv", csv)
        .await
        .expect(200);
    assert_eq!(
        (real["updated"].clone(), real["created"].clone()),
        (json!(1), json!(0))
    );
    let changed = app
        .get(
            &format!("/api/v1/units/{}", buf["id"].as_str().unwrap_or_default()),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(changed["name"], "Förvaltningen för barn och utbildning");
    assert_eq!(changed["version"], json!(2));
    let history = app
        .get(
            &format!(
                "/api/v1/audit?entity_id={}",
                buf["id"].as_str().unwrap_or_default()
            ),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(history["items"][1]["action"], "update");
}

async fn every_row_needs_the_rights_of_its_write(app: TestApp) {
    let model = app.model().await;
    let manager = app.scoped_token(&["manager"], &[&model.team]);
    let rows = json!([
        {"type": "activity", "external_id": "a1", "team_id": model.team, "goal_id": model.goal,
         "title": "Trygghetsvandring i centrum"},
        {"type": "goal", "external_id": "g9", "plan_period_id": model.plan_period,
         "perspective_id": model.perspective, "owner_unit_id": model.council, "number": 9,
         "title": "Ett mål som en chef inte får skriva"},
    ]);
    let refused = import(&app, &manager, "", "application/json", &rows.to_string()).await;
    let problem = refused.problem(422);
    assert_eq!(
        problem["errors"].as_array().map(Vec::len),
        Some(1),
        "{problem}"
    );
    assert_eq!(problem["errors"][0]["row"], json!(2));
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("your roles do not allow"));
    assert_eq!(count(&app, &app.admin(), "activities").await, 0);

    let own = json!([rows[0].clone()]);
    import(&app, &manager, "", "application/json", &own.to_string())
        .await
        .expect(200);
    let viewer = app.token(&["viewer"]);
    let problem = import(&app, &viewer, "", "application/json", &own.to_string())
        .await
        .problem(422);
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("your roles do not allow"));
}

async fn a_file_that_cannot_be_read_is_refused_clearly(app: TestApp) {
    let admin = app.admin();
    import(&app, &admin, "", "text/plain", "type;name\n")
        .await
        .problem(415);
    import(
        &app,
        &admin,
        "",
        "application/json",
        "[{\"type\": \"unit\",",
    )
    .await
    .problem(400);
    import(&app, &admin, "", "application/json", "{\"type\": \"unit\"}")
        .await
        .problem(400);
    import(&app, &admin, "?type=planet", "text/csv", "name\nx\n")
        .await
        .problem(400);
    // A misspelt column is refused, even in a file with no rows yet.
    let misspelt = import(&app, &admin, "?type=unit", "text/csv", "kind;nmae\n").await;
    misspelt.problem(422);
    assert_eq!(misspelt.error_fields(), vec!["nmae".to_string()]);

    // Row by row problems are all reported, each where it is.
    let csv = "type;external_id;kind;name;parent_id;parent_external_id\n\
               unit;a;council;Kommunfullmäktige;;\n\
               planet;b;;Jorden;;\n\
               unit;c;board\n\
               unit;d;board;Nämnden;00000000-0000-7000-8000-000000000000;a\n\
               unit;e;board;;;\n\
               ;f;board;Nämnd utan typ;;\n";
    let problem = import(&app, &admin, "", "text/csv", csv).await.problem(422);
    let fields: Vec<(u64, String)> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap_or(0),
                e["field"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            (3, "type".into()),
            (4, "row".into()),
            (5, "parent_external_id".into()),
            (6, "name".into()),
            (7, "type".into()),
        ],
        "{problem}"
    );

    // External ids, a row's own and those it refers to, are texts as the spec states them:
    // without NUL (PostgreSQL could not look one up) and at most 500 characters.
    let rows = json!([
        {"type": "unit", "external_id": "a\u{0}", "kind": "council", "name": "Kommunfullmäktige"},
        {"type": "unit", "external_id": "b", "kind": "board", "name": "Nämnden",
         "parent_external_id": "a\u{0}"},
        {"type": "unit", "external_id": "c".repeat(501), "kind": "board", "name": "Nämnd C"},
    ]);
    let problem = import(&app, &admin, "", "application/json", &rows.to_string())
        .await
        .problem(422);
    let errors: Vec<(u64, &str, &str)> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            let text = |key: &str| e[key].as_str().unwrap_or_default();
            (
                e["row"].as_u64().unwrap_or(0),
                text("field"),
                text("message"),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (1, "external_id", "must not contain NUL characters"),
            (2, "parent_external_id", "must not contain NUL characters"),
            (3, "external_id", "must be at most 500 characters"),
        ],
        "{problem}"
    );
    assert_eq!(count(&app, &admin, "units").await, 0);
}

/// A large import writes its audit entries and changes many to a statement: they still come
/// one a row, in the file's order, and a webhook subscriber is still told of each row.
async fn a_large_import_is_recorded_row_by_row_in_file_order(app: TestApp) {
    let admin = app.admin();
    let m = app.model().await;
    let rows = |from: usize, to: usize| {
        let mut csv = String::from("external_id;team_id;department_goal_id;title\n");
        for n in from..to {
            csv.push_str(&format!(
                "bulk-{n:04};{};{};Aktivitet {n}\n",
                m.team, m.department_goal
            ));
        }
        csv
    };
    // More rows than one multi-row statement takes.
    let report = import(&app, &admin, "?type=activity", "text/csv", &rows(0, 1203))
        .await
        .expect(200);
    assert_eq!(report["created"], json!(1203));
    let mut imported = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get(&format!("/api/v1/changes?limit=500{cursor}"), &admin)
            .await
            .expect(200);
        for change in page["items"].as_array().into_iter().flatten() {
            if change["entity_type"] == "activity" {
                imported.push(change["state"]["external_id"].as_str().map(str::to_string));
            }
        }
        match (page["has_more"].as_bool(), page["next_cursor"].as_str()) {
            (Some(true), Some(next)) => cursor = format!("&after={next}"),
            _ => break,
        }
    }
    let expected: Vec<Option<String>> = (0..1203).map(|n| Some(format!("bulk-{n:04}"))).collect();
    assert_eq!(imported, expected, "one change a row, in the file's order");
    let audit = app
        .get("/api/v1/audit?entity_type=activity&limit=500", &admin)
        .await
        .expect(200);
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(500));
    assert!(audit["next_cursor"].is_string());

    // With a subscriber, every imported row is queued for it.
    let subscription = app
        .post(
            "/api/v1/webhook-subscriptions",
            &admin,
            json!({"url": "http://127.0.0.1:9/hook", "event_types": ["activity.*"],
                   "secret": "a-secret-of-at-least-32-characters!!"}),
        )
        .await
        .expect(201);
    import(
        &app,
        &admin,
        "?type=activity",
        "text/csv",
        &rows(1203, 1206),
    )
    .await
    .expect(200);
    let deliveries = app
        .get(
            &format!(
                "/api/v1/webhook-subscriptions/{}/deliveries",
                subscription["id"].as_str().unwrap_or_default()
            ),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(deliveries["items"].as_array().map(Vec::len), Some(3));
}

/// An import whose client stops sending half-way holds nothing: a change of the same
/// organization is answered at once, and the import completes when the rest arrives.
async fn a_stalled_upload_does_not_delay_another_write(app: TestApp) {
    use actix_web::web::Bytes;
    let admin = app.admin();
    let council = app
        .create(
            "/api/v1/units",
            json!({"kind": "council", "name": "Kommunfullmäktige"}),
        )
        .await;
    let (more, mut received) =
        tokio::sync::mpsc::unbounded_channel::<Result<Bytes, actix_http::error::PayloadError>>();
    let upload = futures_util::stream::poll_fn(move |cx| received.poll_recv(cx));
    let first = json!({"type": "unit", "external_id": "bun", "kind": "board",
                       "name": "Barn- och utbildningsnämnden", "parent_id": council});
    let second = json!({"type": "unit", "external_id": "on", "kind": "board",
                        "name": "Omsorgsnämnden", "parent_id": council});
    more.send(Ok(Bytes::from(format!("{first}\n"))))
        .expect("the upload is open");
    let request = actix_web::test::TestRequest::post()
        .uri("/api/v1/import")
        .insert_header(("Authorization", format!("Bearer {admin}")))
        .insert_header(("Content-Type", "application/x-ndjson"))
        .to_request();
    let upload: actix_http::BoxedPayloadStream = Box::pin(upload);
    let (request, _) = request.replace_payload(actix_http::Payload::Stream { payload: upload });
    let import = app.call(request);
    let meanwhile = async {
        // The import has read the first row and waits for more.
        actix_rt::time::sleep(std::time::Duration::from_millis(200)).await;
        // Held up, it would wait for the upload's end (PostgreSQL's lock) or fail busy
        // after SQLite's ten seconds.
        let renamed = actix_rt::time::timeout(
            std::time::Duration::from_secs(5),
            app.patch(
                &format!("/api/v1/units/{council}"),
                &admin,
                json!({"name": "Kommunfullmäktige i Värnamo"}),
            ),
        )
        .await
        .expect("the change is not held up by the upload");
        more.send(Ok(Bytes::from(format!("{second}\n"))))
            .expect("the upload is still open");
        drop(more);
        renamed
    };
    let (imported, renamed) = futures_util::future::join(import, meanwhile).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    let report = imported.expect(200);
    assert_eq!(report["created"], json!(2), "{report}");
    assert_eq!(count(&app, &admin, "units").await, 3);
}

async fn a_measurement_row_that_says_missing_reads_back_as_missing(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let indicator = app
        .create(
            "/api/v1/indicators",
            json!({"goal_id": m.goal, "owner_unit_id": m.administration, "name": "Andel trygga",
                   "unit_of_measure": "%", "direction": "higher_is_better"}),
        )
        .await;
    let measurement = app
        .create(
            "/api/v1/measurements",
            json!({"indicator_id": indicator, "period": "2011", "value": 70,
                   "external_id": "trygga-2011"}),
        )
        .await;
    // The system the export went to has learnt since that the value is missing.
    let exported = export(&app, &admin, "?type=measurement").await;
    let mut row: serde_json::Value =
        serde_json::from_str::<serde_json::Value>(&exported).expect("a JSON export")[0].clone();
    assert_eq!(row["missing"], json!(false), "{row}");
    row["missing"] = json!(true);
    row["value"] = serde_json::Value::Null;
    let report = import(
        &app,
        &admin,
        "",
        "application/json",
        &json!([row]).to_string(),
    )
    .await
    .expect(200);
    assert_eq!(report["updated"], json!(1), "{report}");
    let path = format!("/api/v1/measurements/{measurement}");
    let read = app.get(&path, &admin).await.expect(200);
    assert_eq!(
        (read["missing"].clone(), read["value"].clone()),
        (json!(true), json!(null))
    );

    // A change request says the same: `missing` with a value, or not missing without one,
    // is refused and changes nothing.
    for body in [
        json!({"missing": true, "value": 3}),
        json!({"missing": false}),
    ] {
        let refused = app.patch(&path, &admin, body).await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), vec!["value"]);
    }
    let read = app
        .patch(&path, &admin, json!({"missing": false, "value": 72}))
        .await
        .expect(200);
    assert_eq!(
        (read["missing"].clone(), read["value"].clone()),
        (json!(false), json!(72.0))
    );
}

backend_tests!(
    a_measurement_row_that_says_missing_reads_back_as_missing,
    a_stalled_upload_does_not_delay_another_write,
    a_large_import_is_recorded_row_by_row_in_file_order,
    a_whole_organisation_imports_from_csv_and_exports_as_it_came,
    rows_refer_by_external_id_or_id_and_update_what_they_change,
    every_row_needs_the_rights_of_its_write,
    a_file_that_cannot_be_read_is_refused_clearly,
);
