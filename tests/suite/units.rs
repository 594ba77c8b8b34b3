//! Units: the tree, its integrity rules, paging and isolation.

use crate::common::ids;
use crate::common::TestApp;
use actix_web::http::Method;
use serde_json::{json, Value};

async fn create_get_and_list_units(app: TestApp) {
    let admin = app.admin();
    let board = app
        .post(
            "/api/v1/units",
            &admin,
            json!({"kind": "board", "name": "Omsorgsnämnden", "short_code": "ON"}),
        )
        .await;
    let body = board.expect(201);
    assert_eq!(body["kind"], "board");
    assert_eq!(board.header("etag").as_deref(), Some("\"1\""));
    let location = board.header("location").expect("a Location header");
    let got = app.get(&location, &admin).await.expect(200);
    assert_eq!(got["name"], "Omsorgsnämnden");
    let listed = app
        .get("/api/v1/units?kind=board", &admin)
        .await
        .expect(200);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

async fn created_unit_has_all_fields_and_is_listed(app: TestApp) {
    let admin = app.admin();
    let council = app
        .create(
            "/api/v1/units",
            json!({"kind": "council", "name": "Kommunfullmäktige", "short_code": "KF"}),
        )
        .await;
    let created = app
        .post(
            "/api/v1/units",
            &admin,
            json!({"kind": "board", "name": "  Kommunstyrelsen  ", "short_code": "KS",
                   "parent_id": council, "external_id": "ks-0683"}),
        )
        .await;
    let body = created.expect(201);
    let id = created.id();
    assert_eq!(
        created.header("location").as_deref(),
        Some(format!("/api/v1/units/{id}").as_str())
    );
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "id {id} is not a UUID");
    assert_eq!(body["name"], "Kommunstyrelsen", "the name is trimmed");
    assert_eq!(body["short_code"], "KS");
    assert_eq!(body["parent_id"], json!(council));
    assert_eq!(body["external_id"], "ks-0683");
    assert_eq!(body["organization_id"], json!(app.org));
    assert_eq!(body["version"], 1);
    assert_eq!(body["archived_at"], Value::Null);
    for field in ["created_at", "updated_at"] {
        let stamp = body[field].as_str().expect("a timestamp");
        let parsed = chrono::DateTime::parse_from_rfc3339(stamp)
            .unwrap_or_else(|e| panic!("{field} {stamp} is not RFC 3339: {e}"));
        assert_eq!(parsed.offset().local_minus_utc(), 0, "{field} is not UTC");
    }

    let fetched = app.get(&format!("/api/v1/units/{id}"), &admin).await;
    assert_eq!(fetched.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(fetched.expect(200), body);

    let listed = app.get("/api/v1/units", &admin).await.expect(200);
    assert_eq!(ids(&listed), vec![council, id]);
    assert_eq!(listed["next_cursor"], Value::Null);
}

async fn list_filters_by_parent_kind_and_subtree(app: TestApp) {
    let admin = app.admin();
    let board = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Barn- och utbildningsnämnden", "short_code": "BUN"}),
        )
        .await;
    let administration = app
        .create(
            "/api/v1/units",
            json!({"kind": "administration", "name": "Barn- och utbildningsförvaltningen", "parent_id": board}),
        )
        .await;
    let blue = app
        .create(
            "/api/v1/units",
            json!({"kind": "team", "name": "Arbetslag Blå", "parent_id": administration}),
        )
        .await;
    let red = app
        .create(
            "/api/v1/units",
            json!({"kind": "team", "name": "Arbetslag Röd", "parent_id": administration}),
        )
        .await;
    let other_board = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Miljö- och byggnadsnämnden", "short_code": "MBN"}),
        )
        .await;
    let other_team = app
        .create(
            "/api/v1/units",
            json!({"kind": "team", "name": "Miljöinspektörerna", "parent_id": other_board}),
        )
        .await;

    let children = app
        .get(&format!("/api/v1/units?parent_id={administration}"), &admin)
        .await
        .expect(200);
    assert_eq!(ids(&children), vec![blue.clone(), red.clone()]);
    let children = app
        .get(&format!("/api/v1/units?parent_id={board}"), &admin)
        .await
        .expect(200);
    assert_eq!(ids(&children), vec![administration.clone()]);

    let teams = app.get("/api/v1/units?kind=team", &admin).await.expect(200);
    assert_eq!(
        ids(&teams),
        vec![blue.clone(), red.clone(), other_team.clone()]
    );
    let boards = app
        .get("/api/v1/units?kind=board", &admin)
        .await
        .expect(200);
    assert_eq!(ids(&boards), vec![board.clone(), other_board.clone()]);

    let subtree = app
        .get(&format!("/api/v1/units?descendants_of={board}"), &admin)
        .await
        .expect(200);
    assert_eq!(
        ids(&subtree),
        vec![
            board.clone(),
            administration.clone(),
            blue.clone(),
            red.clone()
        ]
    );
    let subtree = app
        .get(
            &format!("/api/v1/units?descendants_of={administration}"),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(
        ids(&subtree),
        vec![administration.clone(), blue.clone(), red.clone()]
    );
    let teams_below_board = app
        .get(
            &format!("/api/v1/units?descendants_of={board}&kind=team"),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(ids(&teams_below_board), vec![blue, red]);

    let unknown = app.get("/api/v1/units?kind=department", &admin).await;
    unknown.problem(400);
    assert_eq!(unknown.error_fields(), vec!["kind"]);
    let bad_parent = app.get("/api/v1/units?parent_id=nej", &admin).await;
    bad_parent.problem(400);
    assert_eq!(bad_parent.error_fields(), vec!["parent_id"]);
}

async fn patch_bumps_the_etag_and_stale_if_match_changes_nothing(app: TestApp) {
    let admin = app.admin();
    let id = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Socialnämnden", "short_code": "SN"}),
        )
        .await;
    let path = format!("/api/v1/units/{id}");

    let renamed = app
        .patch(&path, &admin, json!({"name": "Omsorgsnämnden"}))
        .await;
    assert_eq!(renamed.header("etag").as_deref(), Some("\"2\""));
    let body = renamed.expect(200);
    assert_eq!(body["name"], "Omsorgsnämnden");
    assert_eq!(body["short_code"], "SN", "fields not given are kept");
    assert_eq!(body["version"], 2);

    let cleared = app
        .patch_if_match(&path, &admin, "\"2\"", json!({"short_code": null}))
        .await;
    assert_eq!(cleared.header("etag").as_deref(), Some("\"3\""));
    let body = cleared.expect(200);
    assert_eq!(body["short_code"], Value::Null);
    assert_eq!(body["name"], "Omsorgsnämnden");

    let stale = app
        .patch_if_match(
            &path,
            &admin,
            "\"2\"",
            json!({"name": "Vård- och omsorgsnämnden"}),
        )
        .await;
    stale.problem(412);

    let after = app.get(&path, &admin).await;
    assert_eq!(after.header("etag").as_deref(), Some("\"3\""));
    let after = after.expect(200);
    assert_eq!(after["name"], "Omsorgsnämnden");
    assert_eq!(after["version"], 3);
    assert_eq!(after["short_code"], Value::Null);
}

async fn unit_cannot_move_below_its_own_descendant(app: TestApp) {
    let admin = app.admin();
    let board = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Barn- och utbildningsnämnden"}),
        )
        .await;
    let administration = app
        .create(
            "/api/v1/units",
            json!({"kind": "administration", "name": "Barn- och utbildningsförvaltningen", "parent_id": board}),
        )
        .await;
    let team = app
        .create(
            "/api/v1/units",
            json!({"kind": "team", "name": "Arbetslag Blå", "parent_id": administration}),
        )
        .await;

    for below in [&team, &administration] {
        let refused = app
            .patch(
                &format!("/api/v1/units/{board}"),
                &admin,
                json!({"parent_id": below}),
            )
            .await;
        refused.problem(409);
        assert_eq!(refused.error_fields(), vec!["parent_id"]);
    }
    let unchanged = app
        .get(&format!("/api/v1/units/{board}"), &admin)
        .await
        .expect(200);
    assert_eq!(unchanged["parent_id"], Value::Null);
    assert_eq!(unchanged["version"], 1);

    // Moving the team up below the board is fine.
    let moved = app
        .patch(
            &format!("/api/v1/units/{team}"),
            &admin,
            json!({"parent_id": board}),
        )
        .await
        .expect(200);
    assert_eq!(moved["parent_id"], json!(board));
}

async fn parent_in_another_organization_is_refused(app: TestApp) {
    let admin = app.admin();
    let other = app.another_organization().await;
    let foreign = app
        .post(
            "/api/v1/units",
            &app.token_for(&other, &["admin"]),
            json!({"kind": "board", "name": "Kommunstyrelsen i Gislaved"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .expect("an id")
        .to_string();

    let refused = app
        .post(
            "/api/v1/units",
            &admin,
            json!({"kind": "administration", "name": "Kommunledningsförvaltningen", "parent_id": foreign}),
        )
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["parent_id"]);

    let own = app
        .create(
            "/api/v1/units",
            json!({"kind": "administration", "name": "Kommunledningsförvaltningen"}),
        )
        .await;
    let moved = app
        .patch(
            &format!("/api/v1/units/{own}"),
            &admin,
            json!({"parent_id": foreign}),
        )
        .await;
    moved.problem(422);
    assert_eq!(moved.error_fields(), vec!["parent_id"]);

    let listed = app.get("/api/v1/units", &admin).await.expect(200);
    assert_eq!(ids(&listed), vec![own.clone()]);
    let got = app
        .get(&format!("/api/v1/units/{own}"), &admin)
        .await
        .expect(200);
    assert_eq!(got["parent_id"], Value::Null);
}

async fn archive_hides_a_unit_and_blocks_new_children(app: TestApp) {
    let admin = app.admin();
    let board = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Kultur- och fritidsnämnden", "short_code": "KFN"}),
        )
        .await;
    let other = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Tekniska nämnden"}),
        )
        .await;

    let archived = app
        .send(
            Method::POST,
            &format!("/api/v1/units/{board}/archive"),
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(archived.header("etag").as_deref(), Some("\"2\""));
    let archived = archived.expect(200);
    assert!(archived["archived_at"].is_string(), "{archived}");

    let listed = app.get("/api/v1/units", &admin).await.expect(200);
    assert_eq!(ids(&listed), vec![other.clone()]);
    let all = app
        .get("/api/v1/units?include_archived=true", &admin)
        .await
        .expect(200);
    assert_eq!(ids(&all), vec![board.clone(), other.clone()]);
    let still_readable = app
        .get(&format!("/api/v1/units/{board}"), &admin)
        .await
        .expect(200);
    assert!(still_readable["archived_at"].is_string());

    let child = json!({"kind": "administration", "name": "Kultur- och fritidsförvaltningen", "parent_id": board});
    let refused = app.post("/api/v1/units", &admin, child.clone()).await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), vec!["parent_id"]);
    let all = app
        .get("/api/v1/units?include_archived=true", &admin)
        .await
        .expect(200);
    assert_eq!(ids(&all).len(), 2, "nothing was created: {all}");

    let patched = app
        .patch(
            &format!("/api/v1/units/{board}"),
            &admin,
            json!({"name": "Kulturnämnden"}),
        )
        .await;
    patched.problem(409);

    let restored = app
        .send(
            Method::POST,
            &format!("/api/v1/units/{board}/unarchive"),
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(restored.header("etag").as_deref(), Some("\"3\""));
    let restored = restored.expect(200);
    assert_eq!(restored["archived_at"], Value::Null);
    assert_eq!(restored["name"], "Kultur- och fritidsnämnden");
    let listed = app.get("/api/v1/units", &admin).await.expect(200);
    assert_eq!(ids(&listed), vec![board.clone(), other]);

    let created = app.post("/api/v1/units", &admin, child).await.expect(201);
    assert_eq!(created["parent_id"], json!(board));
}

async fn delete_unreferenced_unit_but_not_one_with_children(app: TestApp) {
    let admin = app.admin();
    let board = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Miljö- och byggnadsnämnden"}),
        )
        .await;
    let administration = app
        .create(
            "/api/v1/units",
            json!({"kind": "administration", "name": "Miljö- och byggförvaltningen", "parent_id": board}),
        )
        .await;
    let lone = app
        .create(
            "/api/v1/units",
            json!({"kind": "unit", "name": "Turistbyrån"}),
        )
        .await;

    let deleted = app.delete(&format!("/api/v1/units/{lone}"), &admin).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    assert!(deleted.body.is_empty());
    app.get(&format!("/api/v1/units/{lone}"), &admin)
        .await
        .problem(404);
    app.delete(&format!("/api/v1/units/{lone}"), &admin)
        .await
        .problem(404);

    let refused = app.delete(&format!("/api/v1/units/{board}"), &admin).await;
    refused.problem(409);
    let still = app
        .get(&format!("/api/v1/units/{board}"), &admin)
        .await
        .expect(200);
    assert_eq!(still["name"], "Miljö- och byggnadsnämnden");
    let listed = app.get("/api/v1/units", &admin).await.expect(200);
    assert_eq!(ids(&listed), vec![board, administration]);
}

async fn duplicate_external_id_conflicts(app: TestApp) {
    let admin = app.admin();
    let first = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Socialnämnden", "external_id": "HR-1001"}),
        )
        .await;
    let duplicate = app
        .post(
            "/api/v1/units",
            &admin,
            json!({"kind": "board", "name": "Omsorgsnämnden", "external_id": "HR-1001"}),
        )
        .await;
    duplicate.problem(409);
    assert_eq!(duplicate.error_fields(), vec!["external_id"]);

    let second = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Omsorgsnämnden", "external_id": "HR-1002"}),
        )
        .await;
    let taken = app
        .patch(
            &format!("/api/v1/units/{second}"),
            &admin,
            json!({"external_id": "HR-1001"}),
        )
        .await;
    taken.problem(409);
    assert_eq!(taken.error_fields(), vec!["external_id"]);
    let unchanged = app
        .get(&format!("/api/v1/units/{second}"), &admin)
        .await
        .expect(200);
    assert_eq!(unchanged["external_id"], "HR-1002");

    let listed = app.get("/api/v1/units", &admin).await.expect(200);
    assert_eq!(ids(&listed), vec![first, second]);

    // The same external id in another organization is fine.
    let other = app.another_organization().await;
    app.post(
        "/api/v1/units",
        &app.token_for(&other, &["admin"]),
        json!({"kind": "board", "name": "Socialnämnden", "external_id": "HR-1001"}),
    )
    .await
    .expect(201);
}

async fn pagination_walks_every_unit_once(app: TestApp) {
    let admin = app.admin();
    let names = [
        "Kommunstyrelsen",
        "Barn- och utbildningsnämnden",
        "Omsorgsnämnden",
        "Socialnämnden",
        "Kultur- och fritidsnämnden",
        "Miljö- och byggnadsnämnden",
        "Tekniska nämnden",
    ];
    let mut created = Vec::new();
    for name in names {
        created.push(
            app.create("/api/v1/units", json!({"kind": "board", "name": name}))
                .await,
        );
    }

    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut path = "/api/v1/units?limit=3".to_string();
    loop {
        let page = app.get(&path, &admin).await.expect(200);
        let page_ids = ids(&page);
        sizes.push(page_ids.len());
        seen.extend(page_ids);
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                assert!(sizes.len() < 10, "paging does not end");
                path = format!("/api/v1/units?limit=3&cursor={cursor}");
            }
            None => {
                assert_eq!(page["next_cursor"], Value::Null);
                break;
            }
        }
    }
    assert_eq!(sizes, vec![3, 3, 1]);
    assert_eq!(seen, created, "every unit exactly once, in creation order");

    // Exactly one full page: no next page is promised.
    let whole = app.get("/api/v1/units?limit=7", &admin).await.expect(200);
    assert_eq!(ids(&whole), created);
    assert_eq!(whole["next_cursor"], Value::Null);
}

async fn bad_paging_parameters_are_400(app: TestApp) {
    let admin = app.admin();
    app.create(
        "/api/v1/units",
        json!({"kind": "board", "name": "Kommunstyrelsen"}),
    )
    .await;
    for cursor in ["inte-en-cursor", "bm9wZQ", "%25%25"] {
        let refused = app
            .get(&format!("/api/v1/units?cursor={cursor}"), &admin)
            .await;
        refused.problem(400);
        assert_eq!(refused.error_fields(), vec!["cursor"], "cursor {cursor}");
    }
    for limit in ["0", "501", "-1", "tre"] {
        let refused = app
            .get(&format!("/api/v1/units?limit={limit}"), &admin)
            .await;
        refused.problem(400);
        assert_eq!(refused.error_fields(), vec!["limit"], "limit {limit}");
    }
    for limit in ["1", "500"] {
        let page = app
            .get(&format!("/api/v1/units?limit={limit}"), &admin)
            .await
            .expect(200);
        assert_eq!(ids(&page).len(), 1);
    }
}

async fn another_organization_cannot_see_or_touch_a_unit(app: TestApp) {
    let admin = app.admin();
    let id = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Barn- och utbildningsnämnden"}),
        )
        .await;
    let path = format!("/api/v1/units/{id}");
    let other = app.another_organization().await;
    let stranger = app.token_for(&other, &["admin"]);

    app.get(&path, &stranger).await.problem(404);
    app.patch(&path, &stranger, json!({"name": "Kapad nämnd"}))
        .await
        .problem(404);
    app.send(
        Method::POST,
        &format!("{path}/archive"),
        Some(&stranger),
        None,
        &[],
    )
    .await
    .problem(404);
    app.delete(&path, &stranger).await.problem(404);
    let theirs = app.get("/api/v1/units", &stranger).await.expect(200);
    assert_eq!(ids(&theirs), Vec::<String>::new());

    let unchanged = app.get(&path, &admin).await;
    assert_eq!(unchanged.header("etag").as_deref(), Some("\"1\""));
    let unchanged = unchanged.expect(200);
    assert_eq!(unchanged["name"], "Barn- och utbildningsnämnden");
    assert_eq!(unchanged["archived_at"], Value::Null);
}

async fn viewer_may_read_but_not_write_units(app: TestApp) {
    let id = app
        .create(
            "/api/v1/units",
            json!({"kind": "council", "name": "Kommunfullmäktige"}),
        )
        .await;
    let viewer = app.token(&["viewer"]);
    let listed = app.get("/api/v1/units", &viewer).await.expect(200);
    assert_eq!(ids(&listed), vec![id.clone()]);
    app.get(&format!("/api/v1/units/{id}"), &viewer)
        .await
        .expect(200);

    app.post(
        "/api/v1/units",
        &viewer,
        json!({"kind": "board", "name": "Kommunstyrelsen"}),
    )
    .await
    .problem(403);
    app.patch(
        &format!("/api/v1/units/{id}"),
        &viewer,
        json!({"name": "Fullmäktige"}),
    )
    .await
    .problem(403);
    app.delete(&format!("/api/v1/units/{id}"), &viewer)
        .await
        .problem(403);
    // Council members adopt goals, they do not reorganize the municipality.
    app.post(
        "/api/v1/units",
        &app.token(&["council"]),
        json!({"kind": "board", "name": "Kommunstyrelsen"}),
    )
    .await
    .problem(403);

    let after = app.get("/api/v1/units", &app.admin()).await.expect(200);
    assert_eq!(ids(&after), vec![id.clone()]);
    assert_eq!(after["items"][0]["name"], "Kommunfullmäktige");
}

async fn organizations_are_isolated_and_validated(app: TestApp) {
    let admin = app.admin();
    let other = app.another_organization().await;

    let mine = app.get("/api/v1/organizations", &admin).await.expect(200);
    assert_eq!(ids(&mine), vec![app.org.clone()]);
    assert_eq!(mine["items"][0]["name"], "Testkommun");
    assert_eq!(mine["next_cursor"], Value::Null);
    let theirs = app
        .get("/api/v1/organizations", &app.token_for(&other, &["viewer"]))
        .await
        .expect(200);
    assert_eq!(ids(&theirs), vec![other.clone()]);

    app.get(&format!("/api/v1/organizations/{other}"), &admin)
        .await
        .problem(404);
    app.patch(
        &format!("/api/v1/organizations/{other}"),
        &admin,
        json!({"name": "Värnamo kommun"}),
    )
    .await
    .problem(404);
    let own = app
        .get(&format!("/api/v1/organizations/{}", app.org), &admin)
        .await;
    assert_eq!(own.header("etag").as_deref(), Some("\"1\""));
    let own = own.expect(200);
    let code = own["municipality_code"].clone();

    // Who the organization is in public, its code and name, is the operator's: its admin
    // may not set them (else it could appear as another municipality).
    let path = format!("/api/v1/organizations/{}", app.org);
    for body in [
        json!({"municipality_code": "0683"}),
        json!({"name": "Värnamo kommun"}),
        json!({"name": "Värnamo kommun", "external_id": "x"}),
    ] {
        let refused = app.patch(&path, &admin, body).await;
        let problem = refused.problem(403);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("malstyrning organizations set"),
            "{problem}"
        );
    }
    app.post(
        "/api/v1/organizations",
        &admin,
        json!({"name": "Värnamo kommun", "municipality_code": "0683"}),
    )
    .await
    .problem(405);
    let unchanged = app.get(&path, &admin).await;
    assert_eq!(unchanged.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(unchanged.expect(200)["municipality_code"], code);

    // The operator's codes are Sweden's: four digits are not enough.
    for bad in ["683", "06831", "06a3", "", "0999", "0000", "3001"] {
        let id = app.org.parse().expect("a UUID");
        let bad_code = bad.to_string();
        let refused = app
            .store
            .transaction(move |conn| {
                malstyrning::api::organizations::set_identity(conn, id, Some(bad_code), None)
            })
            .await;
        match refused {
            Err(malstyrning::error::AppError::Unprocessable { errors, .. }) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, vec!["municipality_code"], "code {bad:?}");
            }
            other => panic!("code {bad:?}: {other:?}"),
        }
    }

    let changed = app
        .patch(&path, &admin, json!({"external_id": "hypergene-kommun-1"}))
        .await
        .expect(200);
    assert_eq!(changed["external_id"], "hypergene-kommun-1");
    assert_eq!(changed["version"], 2);
}

async fn a_unit_in_use_keeps_its_kind(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    app.post(
        "/api/v1/activities",
        &admin,
        json!({"team_id": m.team, "goal_id": m.goal, "title": "Trygghetsvandring på skolgården med elevrådet"}),
    )
    .await
    .expect(201);

    let team = app
        .patch(
            &format!("/api/v1/units/{}", m.team),
            &admin,
            json!({"kind": "unit"}),
        )
        .await;
    team.problem(409);
    assert_eq!(team.error_fields(), vec!["kind"]);
    let board = app
        .patch(
            &format!("/api/v1/units/{}", m.board),
            &admin,
            json!({"kind": "administration"}),
        )
        .await;
    board.problem(409);
    assert_eq!(board.error_fields(), vec!["kind"]);
    assert_eq!(
        app.get(&format!("/api/v1/units/{}", m.board), &admin)
            .await
            .expect(200)["kind"],
        "board"
    );

    // A team with no activities may become another kind of unit.
    let idle = app
        .create(
            "/api/v1/units",
            json!({"kind": "team", "name": "Arbetslag Gul", "parent_id": m.administration}),
        )
        .await;
    let changed = app
        .patch(
            &format!("/api/v1/units/{idle}"),
            &admin,
            json!({"kind": "unit"}),
        )
        .await
        .expect(200);
    assert_eq!(changed["kind"], "unit");
}

/// The database refuses what the service refuses, for a writer that goes around the API.
async fn the_database_itself_refuses_broken_references(app: TestApp) {
    use malstyrning::db::types::{Id, TextList, UtcTime};
    use malstyrning::store::activities::{Activity, ActivityStatus};
    use malstyrning::store::department_goals::DepartmentGoal;
    use malstyrning::store::goals::GoalState;
    use malstyrning::store::units::{Unit, UnitKind};
    use malstyrning::store::{Record, Tx};

    let m = app.model().await;
    let other_org = app.another_organization().await;
    let id = |text: &str| text.parse::<Id>().expect("an id");
    let now = UtcTime::now();
    let mut conn = app.store.pool.get().expect("a connection");

    let activity = |team: &str| Activity {
        id: Id::new(),
        organization_id: id(&app.org),
        team_id: id(team),
        goal_id: Some(id(&m.goal)),
        department_goal_id: None,
        title: "Trygghetsvandring".into(),
        description: None,
        responsible: None,
        due_date: None,
        status: ActivityStatus::Planned,
        done_on: None,
        predecessor_id: None,
        external_id: None,
        archived_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    assert!(
        activity(&m.board).insert(&mut Tx::new(&mut conn)).is_err(),
        "an activity's team must be a team"
    );
    assert!(activity(&m.team).insert(&mut Tx::new(&mut conn)).is_ok());

    let department_goal = DepartmentGoal {
        id: Id::new(),
        organization_id: id(&app.org),
        plan_period_id: id(&m.plan_period),
        goal_id: id(&m.goal),
        owner_unit_id: id(&m.council),
        number: 9,
        title: "Ägs av fel sorts enhet".into(),
        description: None,
        footnotes: TextList::default(),
        decision_reference: None,
        decided_on: None,
        decided_by_unit_id: None,
        state: GoalState::Draft,
        predecessor_id: None,
        external_id: None,
        archived_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    assert!(
        department_goal.insert(&mut Tx::new(&mut conn)).is_err(),
        "a department goal's owner must be a board"
    );

    let foreign_child = Unit {
        id: Id::new(),
        organization_id: id(&other_org),
        parent_id: Some(id(&m.board)),
        kind: UnitKind::Unit,
        name: "Under en annan kommuns nämnd".into(),
        short_code: None,
        external_id: None,
        archived_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    assert!(
        foreign_child.insert(&mut Tx::new(&mut conn)).is_err(),
        "a parent must be of the same organization"
    );
}

backend_tests!(
    a_unit_in_use_keeps_its_kind,
    the_database_itself_refuses_broken_references,
    create_get_and_list_units,
    created_unit_has_all_fields_and_is_listed,
    list_filters_by_parent_kind_and_subtree,
    patch_bumps_the_etag_and_stale_if_match_changes_nothing,
    unit_cannot_move_below_its_own_descendant,
    parent_in_another_organization_is_refused,
    archive_hides_a_unit_and_blocks_new_children,
    delete_unreferenced_unit_but_not_one_with_children,
    duplicate_external_id_conflicts,
    pagination_walks_every_unit_once,
    bad_paging_parameters_are_400,
    another_organization_cannot_see_or_touch_a_unit,
    viewer_may_read_but_not_write_units,
    organizations_are_isolated_and_validated,
);
