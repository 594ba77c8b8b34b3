//! The audit trail: every write leaves an entry with before and after, only admins read it,
//! and nobody can change or delete an entry, not even with SQL.

use crate::common::TestApp;
use serde_json::json;

async fn every_write_leaves_an_entry(app: TestApp) {
    let m = app.model().await;
    let team_member = app.scoped_token(&["team_member"], &[&m.team]);
    let created = app
        .send(
            actix_web::http::Method::POST,
            "/api/v1/activities",
            Some(&team_member),
            Some(json!({"team_id": m.team, "goal_id": m.goal, "title": "Trygghetsvandring på skolgården med elevrådet"}).to_string().into_bytes()),
            &[("X-Request-Id", "apt-2011-03-15")],
        )
        .await;
    let activity = created.id();
    app.patch(
        &format!("/api/v1/activities/{activity}"),
        &team_member,
        json!({"status": "done"}),
    )
    .await
    .expect(200);
    app.send(
        actix_web::http::Method::POST,
        &format!("/api/v1/activities/{activity}/archive"),
        Some(&team_member),
        None,
        &[],
    )
    .await
    .expect(200);
    app.delete(&format!("/api/v1/activities/{activity}"), &team_member)
        .await
        .expect(204);

    let trail = app
        .get(&format!("/api/v1/audit?entity_id={activity}"), &app.admin())
        .await
        .expect(200);
    let entries = trail["items"].as_array().expect("items");
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(actions, ["create", "update", "archive", "delete"]);
    for entry in entries {
        assert_eq!(entry["entity_type"], "activity");
        assert_eq!(entry["actor_subject"], "test-user");
        assert_eq!(entry["organization_id"], json!(app.org));
    }
    assert_eq!(entries[0]["request_id"], "apt-2011-03-15");
    assert_eq!(entries[0]["before"], json!(null));
    assert_eq!(entries[0]["after"]["status"], "planned");
    assert_eq!(entries[1]["before"]["status"], "planned");
    assert_eq!(entries[1]["after"]["status"], "done");
    assert!(entries[2]["after"]["archived_at"].is_string());
    assert_eq!(entries[3]["before"]["id"], json!(activity));
    assert_eq!(entries[3]["after"], json!(null));
}

async fn a_refused_write_leaves_no_entry(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let before = app.get("/api/v1/audit?limit=500", &admin).await.expect(200)["items"]
        .as_array()
        .map(Vec::len);
    // A duplicate goal number, a stale If-Match and a team that is not a team change nothing.
    app.post(
        "/api/v1/goals",
        &admin,
        json!({"plan_period_id": m.plan_period, "perspective_id": m.perspective, "owner_unit_id": m.council, "number": 1, "title": "Dubblett"}),
    )
    .await
    .problem(409);
    app.patch_if_match(
        &format!("/api/v1/goals/{}", m.goal),
        &admin,
        "\"7\"",
        json!({"title": "Ny titel"}),
    )
    .await
    .problem(412);
    app.post(
        "/api/v1/activities",
        &admin,
        json!({"team_id": m.board, "goal_id": m.goal, "title": "Fel enhet"}),
    )
    .await
    .problem(422);
    let after = app.get("/api/v1/audit?limit=500", &admin).await.expect(200)["items"]
        .as_array()
        .map(Vec::len);
    assert_eq!(before, after);
}

async fn the_trail_is_filtered_and_paged(app: TestApp) {
    let m = app.model().await;
    let admin = app.admin();
    let goals = app
        .get("/api/v1/audit?entity_type=goal", &admin)
        .await
        .expect(200);
    let goal_entries = goals["items"].as_array().expect("items");
    assert_eq!(goal_entries.len(), 1);
    assert_eq!(goal_entries[0]["entity_id"], json!(m.goal));

    // The model made 8 records, each with one entry; read them two at a time.
    let mut seen = Vec::new();
    let mut path = "/api/v1/audit?limit=2".to_string();
    loop {
        let page = app.get(&path, &admin).await.expect(200);
        seen.extend(crate::common::ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/audit?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    // 1 organization + 8 model records.
    assert_eq!(seen.len(), 9);

    let nobody = app
        .get("/api/v1/audit?actor=someone-else", &admin)
        .await
        .expect(200);
    assert_eq!(nobody["items"], json!([]));
    let future = app
        .get("/api/v1/audit?from=2100-01-01T00:00:00Z", &admin)
        .await
        .expect(200);
    assert_eq!(future["items"], json!([]));
    let past = app
        .get("/api/v1/audit?to=2000-01-01T00:00:00Z", &admin)
        .await
        .expect(200);
    assert_eq!(past["items"], json!([]));
    app.get("/api/v1/audit?from=yesterday", &admin)
        .await
        .problem(400);
}

async fn only_admins_read_the_trail(app: TestApp) {
    for role in ["council", "board", "manager", "team_member", "viewer"] {
        app.get("/api/v1/audit", &app.token(&[role]))
            .await
            .problem(403);
    }
    let other = app.another_organization().await;
    let theirs = app
        .get("/api/v1/audit", &app.token_for(&other, &["admin"]))
        .await
        .expect(200);
    let entries = theirs["items"].as_array().expect("items");
    assert_eq!(
        entries.len(),
        1,
        "the other organization sees only its own registration"
    );
    assert_eq!(entries[0]["entity_id"], json!(other));
}

async fn no_one_can_change_or_delete_an_entry(app: TestApp) {
    use diesel::connection::SimpleConnection;
    app.model().await;
    let count = || async {
        app.get("/api/v1/audit?limit=500", &app.admin())
            .await
            .expect(200)["items"]
            .as_array()
            .map(Vec::len)
    };
    let before = count().await;
    let mut conn = app.store.pool.get().expect("a connection");
    assert!(conn
        .batch_execute("UPDATE audit_entries SET actor_subject = 'someone-else'")
        .is_err());
    assert!(conn.batch_execute("DELETE FROM audit_entries").is_err());
    drop(conn);
    assert_eq!(count().await, before);
    let untouched = app
        .get("/api/v1/audit?actor=someone-else", &app.admin())
        .await
        .expect(200);
    assert_eq!(untouched["items"], json!([]));
}

backend_tests!(
    every_write_leaves_an_entry,
    a_refused_write_leaves_no_entry,
    the_trail_is_filtered_and_paged,
    only_admins_read_the_trail,
    no_one_can_change_or_delete_an_entry,
);
