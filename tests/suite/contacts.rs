//! Contacts: the key persons of the administrations and the steering group with its lead
//! and a responsible per perspective. Internal: every role reads them, only admin writes.
//! All names here are invented.

use crate::common::{ids, Model, Resp, TestApp};
use actix_web::http::Method;
use serde_json::{json, Value};

const CONTACTS: &str = "/api/v1/contacts";

fn item(id: &str) -> String {
    format!("{CONTACTS}/{id}")
}

/// A key person of the model's administration.
fn key_person(m: &Model, name: &str) -> Value {
    json!({"role": "key_person", "name": name, "unit_id": m.administration})
}

/// The steering group's responsible for the model's perspective.
fn member(m: &Model, name: &str, title: &str) -> Value {
    json!({"role": "steering_group_member", "name": name, "title": title,
           "perspective_id": m.perspective})
}

async fn post_action(app: &TestApp, path: &str, token: &str) -> crate::common::Resp {
    app.send(Method::POST, path, Some(token), None, &[]).await
}

/// Asserts a 422 that names exactly these fields; returns the problem.
fn names_fields(response: &Resp, fields: &[&str]) -> Value {
    let problem = response.problem(422);
    assert_eq!(response.error_fields(), fields, "{problem}");
    problem
}

/// Creating this contact as admin is refused with a 422 naming exactly these fields.
async fn create_refused(app: &TestApp, body: Value, fields: &[&str]) -> Value {
    names_fields(&app.post(CONTACTS, &app.admin(), body).await, fields)
}

/// Changing the contact as admin is refused with a 422 naming exactly these fields.
async fn patch_refused(app: &TestApp, id: &str, body: Value, fields: &[&str]) -> Value {
    names_fields(&app.patch(&item(id), &app.admin(), body).await, fields)
}

/// The ids of the contacts a list shows, as admin.
async fn listed(app: &TestApp, query: &str) -> Vec<String> {
    ids(&app
        .get(&format!("{CONTACTS}{query}"), &app.admin())
        .await
        .expect(200))
}

async fn a_key_person_serves_an_administration(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let created = app
        .post(
            CONTACTS,
            &admin,
            json!({"role": "key_person", "name": "  Anna Exempelsson ", "title": "Utvecklingsledare",
                   "email": "anna.exempelsson@kommun.example", "phone": "070-174 06 05",
                   "unit_id": m.administration, "external_id": "HR-1001"}),
        )
        .await;
    let body = created.expect(201);
    let id = created.id();
    assert_eq!(created.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(created.header("location"), Some(item(&id)));
    assert_eq!(body["role"], "key_person");
    assert_eq!(body["name"], "Anna Exempelsson");
    assert_eq!(body["title"], "Utvecklingsledare");
    assert_eq!(body["email"], "anna.exempelsson@kommun.example");
    assert_eq!(body["phone"], "070-174 06 05");
    assert_eq!(body["unit_id"], json!(m.administration));
    assert_eq!(body["perspective_id"], Value::Null);
    assert_eq!(body["external_id"], "HR-1001");
    assert_eq!(body["organization_id"], json!(app.org));
    assert_eq!(app.get(&item(&id), &admin).await.expect(200), body);

    // A board or the council may have key persons too.
    for unit in [&m.board, &m.council] {
        app.post(
            CONTACTS,
            &admin,
            json!({"role": "key_person", "name": "Erik Prov", "unit_id": unit}),
        )
        .await
        .expect(201);
    }

    // Without a unit, or with a work team, nothing is stored.
    create_refused(
        &app,
        json!({"role": "key_person", "name": "Erik Prov"}),
        &["unit_id"],
    )
    .await;
    let problem = create_refused(
        &app,
        json!({"role": "key_person", "name": "Erik Prov", "unit_id": m.team}),
        &["unit_id"],
    )
    .await;
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("administration")),
        "{problem}"
    );

    // A unit of another organization is not one of this organization's units.
    let other = app.another_organization().await;
    let foreign_unit = app
        .post(
            "/api/v1/units",
            &app.token_for(&other, &["admin"]),
            json!({"kind": "administration", "name": "Socialförvaltningen"}),
        )
        .await
        .id();
    create_refused(
        &app,
        json!({"role": "key_person", "name": "Erik Prov", "unit_id": foreign_unit}),
        &["unit_id"],
    )
    .await;
    assert_eq!(listed(&app, "").await.len(), 3);

    // Taking the unit away, or moving the key person to a team, is refused the same way.
    for patch in [json!({"unit_id": null}), json!({"unit_id": m.team})] {
        patch_refused(&app, &id, patch, &["unit_id"]).await;
    }
    let unchanged = app.get(&item(&id), &admin).await.expect(200);
    assert_eq!(unchanged["unit_id"], json!(m.administration));
    assert_eq!(unchanged["version"], 1);
}

async fn the_steering_group_has_a_lead_and_a_member_per_perspective(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let lead = app
        .post(
            CONTACTS,
            &admin,
            json!({"role": "steering_group_lead", "name": "Sara Demo",
                   "title": "Kvalitets- och utvecklingsansvarig"}),
        )
        .await
        .expect(201);
    assert_eq!(lead["unit_id"], Value::Null);
    assert_eq!(lead["perspective_id"], Value::Null);
    let economy = app
        .post(CONTACTS, &admin, member(&m, "Per Påhitt", "Ekonomichef"))
        .await
        .expect(201);
    assert_eq!(economy["perspective_id"], json!(m.perspective));
    assert_eq!(economy["title"], "Ekonomichef");

    create_refused(
        &app,
        json!({"role": "steering_group_member", "name": "Jonas Prov", "title": "Miljöstrateg"}),
        &["perspective_id"],
    )
    .await;

    let other = app.another_organization().await;
    let other_admin = app.token_for(&other, &["admin"]);
    let other_period = app
        .post(
            "/api/v1/plan-periods",
            &other_admin,
            json!({"name": "Mandatperioden 2011–2014", "start_date": "2011-01-01", "end_date": "2014-12-31"}),
        )
        .await
        .id();
    let other_perspective = app
        .post(
            "/api/v1/perspectives",
            &other_admin,
            json!({"plan_period_id": other_period, "name": "Miljö", "focus": "both", "position": 1}),
        )
        .await
        .id();
    create_refused(
        &app,
        json!({"role": "steering_group_member", "name": "Jonas Prov", "perspective_id": other_perspective}),
        &["perspective_id"],
    )
    .await;

    // Making the lead a member needs a perspective; with one, it goes through.
    let lead_id = lead["id"].as_str().expect("an id");
    patch_refused(
        &app,
        lead_id,
        json!({"role": "steering_group_member"}),
        &["perspective_id"],
    )
    .await;
    let moved = app
        .patch(
            &item(lead_id),
            &admin,
            json!({"role": "steering_group_member", "perspective_id": m.perspective}),
        )
        .await
        .expect(200);
    assert_eq!(moved["role"], "steering_group_member");
    assert_eq!(moved["version"], 2);

    // An unknown role is named.
    create_refused(
        &app,
        json!({"role": "chairman", "name": "Jonas Prov"}),
        &["role"],
    )
    .await;
    assert_eq!(listed(&app, "").await.len(), 2);
}

async fn e_mail_addresses_are_checked_loosely(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    for bad in [
        "anna",
        "anna@kommun",
        "anna@@kommun.example",
        "@kommun.example",
        "anna exempelsson@kommun.example",
    ] {
        let mut body = key_person(&m, "Anna Exempelsson");
        body["email"] = json!(bad);
        create_refused(&app, body, &["email"]).await;
    }
    assert!(listed(&app, "").await.is_empty());

    let mut body = key_person(&m, "Anna Exempelsson");
    body["email"] = json!(" anna.exempelsson@kommun.example ");
    let created = app.post(CONTACTS, &admin, body).await;
    let id = created.id();
    assert_eq!(created.json()["email"], "anna.exempelsson@kommun.example");

    patch_refused(
        &app,
        &id,
        json!({"email": "anna.kommun.example"}),
        &["email"],
    )
    .await;
    let cleared = app
        .patch(
            &item(&id),
            &admin,
            json!({"email": null, "phone": "0370-123 45"}),
        )
        .await
        .expect(200);
    assert_eq!(cleared["email"], Value::Null);
    assert_eq!(cleared["phone"], "0370-123 45");

    // Several bad fields are named at once.
    create_refused(
        &app,
        json!({"role": "key_person", "name": " ", "email": "nope"}),
        &["name", "email", "unit_id"],
    )
    .await;
}

async fn lists_filter_by_role_unit_and_perspective(app: TestApp) {
    let m = app.model().await;
    let second_administration = app
        .create(
            "/api/v1/units",
            json!({"kind": "administration", "name": "Omsorgsförvaltningen"}),
        )
        .await;
    let anna = app
        .create(CONTACTS, key_person(&m, "Anna Exempelsson"))
        .await;
    let erik = app.create(CONTACTS, key_person(&m, "Erik Prov")).await;
    let karin = app
        .create(
            CONTACTS,
            json!({"role": "key_person", "name": "Karin Testberg", "unit_id": second_administration}),
        )
        .await;
    let lead = app
        .create(
            CONTACTS,
            json!({"role": "steering_group_lead", "name": "Sara Demo"}),
        )
        .await;
    let per = app
        .create(CONTACTS, member(&m, "Per Påhitt", "Ekonomichef"))
        .await;

    assert_eq!(
        listed(&app, "").await,
        vec![
            anna.clone(),
            erik.clone(),
            karin.clone(),
            lead.clone(),
            per.clone()
        ]
    );
    assert_eq!(
        listed(&app, "?role=key_person").await,
        vec![anna.clone(), erik.clone(), karin.clone()]
    );
    assert_eq!(
        listed(&app, "?role=steering_group_lead").await,
        vec![lead.clone()]
    );
    assert_eq!(
        listed(&app, &format!("?unit_id={}", m.administration)).await,
        vec![anna.clone(), erik.clone()]
    );
    assert_eq!(
        listed(&app, &format!("?perspective_id={}", m.perspective)).await,
        vec![per.clone()]
    );
    assert_eq!(
        listed(
            &app,
            &format!("?role=steering_group_member&unit_id={}", m.administration)
        )
        .await,
        Vec::<String>::new()
    );

    // Paging, as every list pages.
    let first = app
        .get(&format!("{CONTACTS}?limit=2"), &app.admin())
        .await
        .expect(200);
    assert_eq!(ids(&first), vec![anna, erik]);
    let cursor = first["next_cursor"].as_str().expect("a cursor");
    let second = app
        .get(&format!("{CONTACTS}?limit=2&cursor={cursor}"), &app.admin())
        .await
        .expect(200);
    assert_eq!(ids(&second), vec![karin, lead]);

    // A bad filter is a 400 naming it.
    let bad = app
        .get(&format!("{CONTACTS}?role=chairman"), &app.admin())
        .await;
    bad.problem(400);
    let bad = app
        .get(&format!("{CONTACTS}?unit_id=BUN"), &app.admin())
        .await;
    bad.problem(400);
}

async fn every_role_reads_but_only_admin_writes(app: TestApp) {
    let m = app.model().await;
    let id = app
        .create(CONTACTS, key_person(&m, "Anna Exempelsson"))
        .await;
    for role in ["viewer", "team_member", "manager", "board", "council"] {
        let token = app.scoped_token(&[role], &[&m.board]);
        let got = app.get(&item(&id), &token).await.expect(200);
        assert_eq!(got["name"], "Anna Exempelsson", "{role}");
        let page = app.get(CONTACTS, &token).await.expect(200);
        assert_eq!(ids(&page), vec![id.clone()], "{role}");

        app.post(CONTACTS, &token, key_person(&m, "Erik Prov"))
            .await
            .problem(403);
        app.patch(&item(&id), &token, json!({"name": "Erik Prov"}))
            .await
            .problem(403);
        post_action(&app, &format!("{}/archive", item(&id)), &token)
            .await
            .problem(403);
        app.delete(&item(&id), &token).await.problem(403);
    }
    let unchanged = app.get(&item(&id), &app.admin()).await.expect(200);
    assert_eq!(unchanged["name"], "Anna Exempelsson");
    assert_eq!(unchanged["version"], 1);
    assert_eq!(unchanged["archived_at"], Value::Null);
    assert_eq!(listed(&app, "").await, vec![id]);

    // Without a token, nothing: people's names are never public.
    let anonymous = app.send(Method::GET, CONTACTS, None, None, &[]).await;
    anonymous.problem(401);
}

async fn another_organization_sees_none_of_them(app: TestApp) {
    let m = app.model().await;
    let id = app
        .create(CONTACTS, key_person(&m, "Anna Exempelsson"))
        .await;
    let other = app.another_organization().await;
    let other_admin = app.token_for(&other, &["admin"]);
    app.get(&item(&id), &other_admin).await.problem(404);
    app.get(&item(&id), &app.token_for(&other, &["viewer"]))
        .await
        .problem(404);
    app.patch(&item(&id), &other_admin, json!({"name": "Erik Prov"}))
        .await
        .problem(404);
    post_action(&app, &format!("{}/archive", item(&id)), &other_admin)
        .await
        .problem(404);
    app.delete(&item(&id), &other_admin).await.problem(404);
    let page = app.get(CONTACTS, &other_admin).await.expect(200);
    assert_eq!(ids(&page), Vec::<String>::new());

    let still = app.get(&item(&id), &app.admin()).await.expect(200);
    assert_eq!(still["name"], "Anna Exempelsson");
    assert_eq!(still["version"], 1);
}

async fn every_write_is_in_the_audit_trail(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let id = app
        .create(CONTACTS, key_person(&m, "Anna Exempelsson"))
        .await;
    app.patch(&item(&id), &admin, json!({"title": "Utvecklingsledare"}))
        .await
        .expect(200);
    post_action(&app, &format!("{}/archive", item(&id)), &admin)
        .await
        .expect(200);
    post_action(&app, &format!("{}/unarchive", item(&id)), &admin)
        .await
        .expect(200);
    app.delete(&item(&id), &admin).await.expect(204);
    app.get(&item(&id), &admin).await.problem(404);

    let trail = app
        .get(&format!("/api/v1/audit?entity_id={id}"), &admin)
        .await
        .expect(200);
    let entries = trail["items"].as_array().expect("items");
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        actions,
        ["create", "update", "archive", "unarchive", "delete"]
    );
    assert!(entries.iter().all(|e| e["entity_type"] == "contact"));
    assert_eq!(entries[0]["after"]["name"], "Anna Exempelsson");
    assert_eq!(entries[1]["before"]["title"], Value::Null);
    assert_eq!(entries[1]["after"]["title"], "Utvecklingsledare");
    assert_eq!(entries[4]["after"], Value::Null);

    let by_type = app
        .get("/api/v1/audit?entity_type=contact", &admin)
        .await
        .expect(200);
    assert_eq!(by_type["items"].as_array().map(Vec::len), Some(5));
}

async fn archived_contacts_drop_out_of_lists(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let anna = app
        .create(CONTACTS, key_person(&m, "Anna Exempelsson"))
        .await;
    let erik = app.create(CONTACTS, key_person(&m, "Erik Prov")).await;
    let archived = post_action(&app, &format!("{}/archive", item(&anna)), &admin)
        .await
        .expect(200);
    assert!(archived["archived_at"].is_string());

    assert_eq!(listed(&app, "").await, vec![erik.clone()]);
    assert_eq!(
        listed(&app, &format!("?unit_id={}", m.administration)).await,
        vec![erik.clone()]
    );
    assert_eq!(
        listed(&app, "?include_archived=true").await,
        vec![anna.clone(), erik.clone()]
    );
    // Still readable by id, but not changeable until restored.
    let got = app.get(&item(&anna), &admin).await.expect(200);
    assert!(got["archived_at"].is_string());
    app.patch(&item(&anna), &admin, json!({"name": "Anna Prov"}))
        .await
        .problem(409);

    post_action(&app, &format!("{}/unarchive", item(&anna)), &admin)
        .await
        .expect(200);
    assert_eq!(listed(&app, "").await, vec![anna, erik]);
}

async fn a_unit_or_perspective_with_contacts_stays_what_it_is(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let klk = app
        .create(
            "/api/v1/units",
            json!({"kind": "administration", "name": "Kommunledningskontoret", "parent_id": m.council}),
        )
        .await;
    app.create(
        CONTACTS,
        json!({"role": "key_person", "name": "Anna Exempelsson", "unit_id": klk}),
    )
    .await;
    let environment = app
        .create(
            "/api/v1/perspectives",
            json!({"plan_period_id": m.plan_period, "name": "Miljö", "focus": "both", "position": 2}),
        )
        .await;
    app.create(
        CONTACTS,
        json!({"role": "steering_group_member", "name": "Jonas Prov", "title": "Miljöstrateg",
               "perspective_id": environment}),
    )
    .await;

    // The administration cannot become a team while a key person serves it; a board it may.
    let unit = format!("/api/v1/units/{klk}");
    let refused = app.patch(&unit, &admin, json!({"kind": "team"})).await;
    refused.problem(409);
    assert_eq!(refused.error_fields(), vec!["kind"]);
    assert_eq!(
        app.get(&unit, &admin).await.expect(200)["kind"],
        "administration"
    );
    let board = app
        .patch(&unit, &admin, json!({"kind": "board"}))
        .await
        .expect(200);
    assert_eq!(board["kind"], "board");

    // Nor are the unit and the perspective deleted from under their contacts.
    app.delete(&unit, &admin).await.problem(409);
    app.get(&unit, &admin).await.expect(200);
    let perspective = format!("/api/v1/perspectives/{environment}");
    app.delete(&perspective, &admin).await.problem(409);
    app.get(&perspective, &admin).await.expect(200);
    assert_eq!(listed(&app, "").await.len(), 2);

    // An archived administration gets no new key persons.
    let other = app
        .create(
            "/api/v1/units",
            json!({"kind": "administration", "name": "Kulturförvaltningen"}),
        )
        .await;
    post_action(&app, &format!("/api/v1/units/{other}/archive"), &admin)
        .await
        .expect(200);
    create_refused(
        &app,
        json!({"role": "key_person", "name": "Erik Prov", "unit_id": other}),
        &["unit_id"],
    )
    .await;
}

backend_tests!(
    a_key_person_serves_an_administration,
    the_steering_group_has_a_lead_and_a_member_per_perspective,
    e_mail_addresses_are_checked_loosely,
    lists_filter_by_role_unit_and_perspective,
    every_role_reads_but_only_admin_writes,
    another_organization_sees_none_of_them,
    every_write_is_in_the_audit_trail,
    archived_contacts_drop_out_of_lists,
    a_unit_or_perspective_with_contacts_stays_what_it_is,
);
