//! The spec's `maxLength` is the length the service takes. Read from the generated document
//! (not written down here): a text of exactly that many characters is accepted, one more is
//! refused with 422 naming the field, and surrounding white space counts, as a client or a
//! contract fuzzer that trusts the document counts it.

use crate::common::{Model, TestApp};
use regex::Regex;
use serde_json::{json, Value};

fn spec() -> Value {
    serde_json::from_str(&malstyrning::app::openapi_json()).expect("the spec is JSON")
}

/// A request-body schema by name.
fn schema<'a>(spec: &'a Value, name: &str) -> &'a Value {
    let schema = &spec["components"]["schemas"][name];
    assert!(schema.is_object(), "no schema {name}");
    schema
}

/// The schema of a collection's create request, as the spec names it.
fn create_schema<'a>(spec: &'a Value, path: &str) -> &'a Value {
    let body = &spec["paths"][path]["post"]["requestBody"]["content"]["application/json"];
    let reference = body["schema"]["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("POST {path} names no request schema"));
    schema(spec, reference.trim_start_matches("#/components/schemas/"))
}

/// A text property of a schema that states a `maxLength`: the property itself, or the items
/// of a list of texts (then sent as a list of one, and named `field[0]`).
struct Limited {
    field: String,
    text: Value,
    pattern: Option<Regex>,
    in_list: bool,
    max: usize,
}

impl Limited {
    fn all(schema: &Value) -> Vec<Limited> {
        let properties = schema["properties"].as_object().expect("properties");
        properties
            .iter()
            .filter_map(|(name, property)| {
                let in_list = property["items"].is_object();
                let text = if in_list {
                    &property["items"]
                } else {
                    property
                };
                let max = text["maxLength"].as_u64()? as usize;
                let pattern = text["pattern"]
                    .as_str()
                    .map(|p| Regex::new(p).expect("the pattern compiles"));
                Some(Limited {
                    field: name.clone(),
                    text: text.clone(),
                    pattern,
                    in_list,
                    max,
                })
            })
            .collect()
    }

    /// The field as an error names it.
    fn error_field(&self) -> String {
        if self.in_list {
            format!("{}[0]", self.field)
        } else {
            self.field.clone()
        }
    }

    fn matches(&self, value: &str) -> bool {
        self.pattern.as_ref().is_none_or(|p| p.is_match(value))
    }

    /// A text of `n` characters the property's pattern takes: its example (if any) filled
    /// up with `x`, or with spaces where the pattern allows no more than the example.
    fn text_of(&self, n: usize) -> String {
        let example = self.text["example"]
            .as_str()
            .or(self.text["examples"][0].as_str())
            .unwrap_or("");
        let candidates = ['x', ' '].map(|fill| {
            let missing = n.saturating_sub(example.chars().count());
            format!("{example}{}", fill.to_string().repeat(missing))
        });
        candidates
            .into_iter()
            .find(|value| self.matches(value))
            .unwrap_or_else(|| panic!("no text of {n} characters for {}", self.field))
    }

    /// The body with the field set to `value`.
    fn body(&self, base: &Value, value: &str) -> Value {
        let mut body = base.clone();
        body[&self.field] = if self.in_list {
            json!([value])
        } else {
            json!(value)
        };
        body
    }
}

/// A valid create request for each collection, against the model.
async fn create_bodies(app: &TestApp, m: &Model) -> Vec<(&'static str, Value)> {
    let reporting_period = app
        .create(
            "/api/v1/reporting-periods",
            json!({"plan_period_id": m.plan_period, "kind": "annual_report", "name": "Årsredovisning 2011",
                   "start_date": "2011-01-01", "end_date": "2011-12-31"}),
        )
        .await;
    let indicator = app
        .create(
            "/api/v1/indicators",
            json!({"department_goal_id": m.department_goal, "name": "Andel trygga elever",
                   "unit_of_measure": "%", "direction": "higher_is_better"}),
        )
        .await;
    vec![
        (
            "/api/v1/units",
            json!({"kind": "team", "name": "Arbetslag Röd", "parent_id": m.administration}),
        ),
        (
            "/api/v1/plan-periods",
            json!({"name": "Mandatperioden 2015–2018", "start_date": "2015-01-01", "end_date": "2018-12-31"}),
        ),
        (
            "/api/v1/reporting-periods",
            json!({"plan_period_id": m.plan_period, "kind": "tertial", "name": "Tertial 1 2012",
                   "start_date": "2012-01-01", "end_date": "2012-04-30"}),
        ),
        (
            "/api/v1/visions",
            json!({"plan_period_id": m.plan_period, "vision": "Den mänskliga tillväxtkommunen.",
                   "purpose": "Service kostnadseffektivt och med god kvalitet."}),
        ),
        (
            "/api/v1/perspectives",
            json!({"plan_period_id": m.plan_period, "name": "Miljö", "focus": "both", "position": 2}),
        ),
        (
            "/api/v1/goals",
            json!({"plan_period_id": m.plan_period, "perspective_id": m.perspective,
                   "owner_unit_id": m.council, "number": 2, "title": "En attraktiv kommun."}),
        ),
        (
            "/api/v1/department-goals",
            json!({"goal_id": m.goal, "owner_unit_id": m.board, "number": 2,
                   "title": "Alla barn ska känna sig trygga i förskolan."}),
        ),
        (
            "/api/v1/activities",
            json!({"team_id": m.team, "goal_id": m.goal, "title": "Trygghetsvandring"}),
        ),
        (
            "/api/v1/indicators",
            json!({"department_goal_id": m.department_goal, "name": "Andel nöjda elever",
                   "unit_of_measure": "%", "direction": "higher_is_better"}),
        ),
        (
            "/api/v1/measurements",
            json!({"indicator_id": indicator, "period": "2011", "value": 82.5}),
        ),
        (
            "/api/v1/follow-ups",
            json!({"reporting_period_id": reporting_period, "department_goal_id": m.department_goal,
                   "reporting_unit_id": m.board}),
        ),
        (
            "/api/v1/contacts",
            json!({"role": "key_person", "name": "Anna Exempelsson", "unit_id": m.administration}),
        ),
        (
            "/api/v1/webhook-subscriptions",
            json!({"url": "https://beslutsstod.example.se/hook", "event_types": ["*"],
                   "secret": "a-webhook-secret-of-enough-length"}),
        ),
    ]
}

/// Asserts a 422 that names `field` as too long.
fn refused(response: &crate::common::Resp, field: &str, max: usize, what: &str) {
    let problem = response.problem(422);
    let named = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .any(|e| {
            e["field"] == field
                && e["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains(&max.to_string())
        });
    assert!(named, "{what}: {field} is not named as too long: {problem}");
}

/// Creates the record and deletes it again, so that the next one may take its place.
async fn accepted(app: &TestApp, path: &str, body: Value, limited: &Limited, value: &str) {
    let admin = app.admin();
    let response = app.post(path, &admin, body).await;
    let what = format!(
        "{path} {} of {} characters",
        limited.field,
        value.chars().count()
    );
    assert_eq!(response.status, 201, "{what}: {}", response.text());
    let stored = &response.json()[&limited.field];
    let stored = if limited.in_list { &stored[0] } else { stored };
    if let Some(stored) = stored.as_str() {
        // Kept whole (trimmed, for the texts that are).
        assert_eq!(stored.trim(), value.trim(), "{what}");
    }
    let id = response.id();
    app.delete(&format!("{path}/{id}"), &admin)
        .await
        .expect(204);
}

async fn create_requests_take_what_the_spec_states(app: TestApp) {
    let spec = spec();
    let m = app.model().await;
    let admin = app.admin();
    let mut checked = 0;
    for (path, base) in create_bodies(&app, &m).await {
        let limits = Limited::all(create_schema(&spec, path));
        assert!(!limits.is_empty(), "{path} states no maxLength");
        for limited in limits {
            let max = limited.max;
            let field = limited.error_field();

            let at_limit = limited.text_of(max);
            accepted(
                &app,
                path,
                limited.body(&base, &at_limit),
                &limited,
                &at_limit,
            )
            .await;

            let over = limited.text_of(max + 1);
            let response = app.post(path, &admin, limited.body(&base, &over)).await;
            refused(&response, &field, max, &format!("{path} {field}"));

            // White space around the text counts, though it is not stored.
            let padded = format!(" {} ", limited.text_of(max - 1));
            let response = app.post(path, &admin, limited.body(&base, &padded)).await;
            refused(&response, &field, max, &format!("{path} {field} padded"));
            let padded = format!(" {} ", limited.text_of(max - 2));
            if limited.matches(&padded) {
                accepted(&app, path, limited.body(&base, &padded), &limited, &padded).await;
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} fields checked");
}

/// Texts inside a request's objects too: a goal's revision note, a Kolada document's rows.
async fn nested_texts_take_what_the_spec_states(app: TestApp) {
    let spec = spec();
    let m = app.model().await;
    let admin = app.admin();
    let goal = format!("/api/v1/goals/{}", m.goal);
    let mut title_number = 0;
    for limited in Limited::all(schema(&spec, "RevisionNote")) {
        let change = |value: &str, title_number: i32| {
            let mut note = crate::common::revision(&m.council, "2012-06-14");
            note[&limited.field] = json!(value);
            json!({"title": format!("Invånarna ska känna sig trygga ({title_number})."), "revision": note})
        };
        let max = limited.max;
        let field = format!("revision.{}", limited.field);
        title_number += 1;
        let response = app
            .patch(&goal, &admin, change(&limited.text_of(max), title_number))
            .await;
        assert_eq!(response.status, 200, "{field}: {}", response.text());
        title_number += 1;
        let padded = format!(" {} ", limited.text_of(max - 1));
        for value in [limited.text_of(max + 1), padded] {
            let response = app.patch(&goal, &admin, change(&value, title_number)).await;
            refused(&response, &field, max, &field);
        }
    }

    let kolada = |row: Value| json!({"values": [row]});
    let row = json!({"kpi": "N03101", "municipality": "0683", "period": 2011,
                     "values": [{"gender": "T", "value": 2.4, "status": ""}]});
    let dry_run = "/api/v1/kolada/import?dry_run=true";
    for limited in Limited::all(schema(&spec, "KoladaRow")) {
        let max = limited.max;
        let with = |value: String| {
            let mut row = row.clone();
            if limited.field == "ou" {
                // A row is for a municipality or a unit, not both.
                row.as_object_mut().map(|r| r.remove("municipality"));
            }
            row[&limited.field] = json!(value);
            kolada(row)
        };
        let response = app.post(dry_run, &admin, with(limited.text_of(max))).await;
        assert_eq!(
            response.status,
            200,
            "{}: {}",
            limited.field,
            response.text()
        );
        let over = with(format!(" {} ", limited.text_of(max - 1)));
        let response = app.post(dry_run, &admin, over).await;
        let field = format!("values[0].{}", limited.field);
        refused(&response, &field, max, &field);
    }
}

backend_tests!(
    create_requests_take_what_the_spec_states,
    nested_texts_take_what_the_spec_states,
);
