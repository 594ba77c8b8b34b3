//! The answer cache: repeated reads of the goal tree, the cycle dashboard, activity plans,
//! the public view, records and pages of lists come from memory, and never outlive a write,
//! whether it came through this instance or another one over the same database.

use crate::common::{code_for, TestApp};
use serde_json::{json, Value};

backend_tests!(
    a_write_is_read_back_at_once_through_the_same_instance,
    a_write_through_another_instance_is_read_after_the_next_sync,
    a_record_and_a_page_read_before_a_write_are_read_as_written,
    a_record_changed_through_another_instance_is_read_after_the_next_sync,
    a_kept_record_is_refused_to_a_caller_whose_roles_do_not_read_it,
    no_cache_reads_a_write_through_another_instance_at_once,
);

fn goal_activities(tree: &Value) -> i64 {
    tree["perspectives"][0]["goals"][0]["activities_with_department_goals"]["total"]
        .as_i64()
        .unwrap_or_else(|| panic!("no activity count in {tree}"))
}

async fn add_activity(app: &TestApp, team: &str, goal: &str, title: &str) -> String {
    app.create(
        "/api/v1/activities",
        json!({"team_id": team, "goal_id": goal, "title": title}),
    )
    .await
}

async fn a_write_is_read_back_at_once_through_the_same_instance(app: TestApp) {
    let m = app.model().await;
    let reader = app.token(&["viewer"]);
    let tree = format!("/api/v1/plan-periods/{}/goal-tree", m.plan_period);
    let plan = format!("/api/v1/units/{}/activity-plan", m.team);
    assert_eq!(
        goal_activities(&app.get(&tree, &reader).await.expect(200)),
        0
    );
    app.get(&plan, &reader).await.expect(200);

    let activity = add_activity(&app, &m.team, &m.goal, "Trygghetsvandring").await;
    assert_eq!(
        goal_activities(&app.get(&tree, &reader).await.expect(200)),
        1
    );
    let lines = app.get(&plan, &reader).await.expect(200);
    assert_eq!(
        lines["sheets"][0]["activities"][0]["title"],
        "Trygghetsvandring"
    );

    app.patch(
        &format!("/api/v1/activities/{activity}"),
        &app.admin(),
        json!({"title": "Trygghetsvandring med vårdnadshavare"}),
    )
    .await
    .expect(200);
    let lines = app.get(&plan, &reader).await.expect(200);
    assert_eq!(
        lines["sheets"][0]["activities"][0]["title"],
        "Trygghetsvandring med vårdnadshavare"
    );

    // The public view is kept per municipality code, and a write drops it as well.
    let public = format!("/api/v1/public/{}", code_for(&app.org));
    for _ in 0..2 {
        let organization = app.get(&public, "").await.expect(200);
        assert_eq!(organization["name"], "Testkommun");
    }
    app.patch(
        &format!("/api/v1/organizations/{}", app.org),
        &app.admin(),
        json!({"external_id": "hypergene-org-1"}),
    )
    .await
    .expect(200);
    let organization = app.get(&public, "").await.expect(200);
    assert_eq!(organization["name"], "Testkommun");
    let new_name = "Testkommun med nytt namn".to_string();
    let id = app.org.parse().expect("a UUID");
    app.store
        .transaction(move |conn| {
            malstyrning::api::organizations::set_identity(conn, id, None, Some(new_name))
        })
        .await
        .expect("the operator renames it");
    let organization = app.get(&public, "").await.expect(200);
    assert_eq!(organization["name"], "Testkommun med nytt namn");
}

async fn a_write_through_another_instance_is_read_after_the_next_sync(app: TestApp) {
    let m = app.model().await;
    let other = app.second_instance().await;
    let reader = app.token(&["viewer"]);
    let tree = format!("/api/v1/plan-periods/{}/goal-tree", m.plan_period);
    assert_eq!(
        goal_activities(&app.get(&tree, &reader).await.expect(200)),
        0
    );
    app.sync_cache();
    assert_eq!(
        goal_activities(&app.get(&tree, &reader).await.expect(200)),
        0
    );

    add_activity(&other, &m.team, &m.goal, "Trygghetsvandring").await;
    // The other instance reads its own write at once; this one after its next sync.
    assert_eq!(
        goal_activities(&other.get(&tree, &reader).await.expect(200)),
        1
    );
    app.sync_cache();
    assert_eq!(
        goal_activities(&app.get(&tree, &reader).await.expect(200)),
        1
    );

    // A sync with nothing changed keeps the answers, and they stay right.
    app.sync_cache();
    assert_eq!(
        goal_activities(&app.get(&tree, &reader).await.expect(200)),
        1
    );
}

async fn a_record_and_a_page_read_before_a_write_are_read_as_written(app: TestApp) {
    let m = app.model().await;
    let reader = app.token(&["viewer"]);
    let activity = add_activity(&app, &m.team, &m.goal, "Trygghetsvandring").await;
    let one = format!("/api/v1/activities/{activity}");
    let list = format!("/api/v1/activities?team_id={}", m.team);
    for _ in 0..2 {
        let read = app.get(&one, &reader).await;
        assert_eq!(read.expect(200)["title"], "Trygghetsvandring");
        assert_eq!(read.header("etag").as_deref(), Some("\"1\""));
        let page = app.get(&list, &reader).await.expect(200);
        assert_eq!(page["items"][0]["title"], "Trygghetsvandring");
    }

    app.patch(
        &one,
        &app.admin(),
        json!({"title": "Trygghetsvandring i centrum"}),
    )
    .await
    .expect(200);
    let read = app.get(&one, &reader).await;
    assert_eq!(read.expect(200)["title"], "Trygghetsvandring i centrum");
    assert_eq!(read.header("etag").as_deref(), Some("\"2\""));
    let page = app.get(&list, &reader).await.expect(200);
    assert_eq!(page["items"][0]["title"], "Trygghetsvandring i centrum");
    // Other parameters are another page.
    let done = app.get(&format!("{list}&status=done"), &reader).await;
    assert_eq!(done.expect(200)["items"], json!([]));

    app.delete(&one, &app.admin()).await.expect(204);
    app.get(&one, &reader).await.problem(404);
    assert_eq!(
        app.get(&list, &reader).await.expect(200)["items"],
        json!([])
    );
}

async fn a_record_changed_through_another_instance_is_read_after_the_next_sync(app: TestApp) {
    let m = app.model().await;
    let other = app.second_instance().await;
    let reader = app.token(&["viewer"]);
    let activity = add_activity(&app, &m.team, &m.goal, "Trygghetsvandring").await;
    let one = format!("/api/v1/activities/{activity}");
    app.get(&one, &reader).await.expect(200);
    app.sync_cache();
    assert_eq!(app.get(&one, &reader).await.expect(200)["version"], 1);

    other
        .patch(&one, &app.admin(), json!({"status": "in_progress"}))
        .await
        .expect(200);
    assert_eq!(other.get(&one, &reader).await.expect(200)["version"], 2);
    app.sync_cache();
    let read = app.get(&one, &reader).await;
    assert_eq!(read.expect(200)["status"], "in_progress");
    assert_eq!(read.header("etag").as_deref(), Some("\"2\""));
}

async fn a_kept_record_is_refused_to_a_caller_whose_roles_do_not_read_it(app: TestApp) {
    let subscription = app
        .create(
            "/api/v1/webhook-subscriptions",
            json!({"url": "https://beslutsstod.example.se/hook", "event_types": ["*"],
                   "secret": "a secret of at least thirty-two characters"}),
        )
        .await;
    let one = format!("/api/v1/webhook-subscriptions/{subscription}");
    let list = "/api/v1/webhook-subscriptions";
    for _ in 0..2 {
        app.get(&one, &app.admin()).await.expect(200);
        app.get(list, &app.admin()).await.expect(200);
    }
    let viewer = app.token(&["viewer"]);
    app.get(&one, &viewer).await.problem(403);
    app.get(list, &viewer).await.problem(403);
}

async fn no_cache_reads_a_write_through_another_instance_at_once(app: TestApp) {
    let m = app.model().await;
    let other = app.second_instance().await;
    let reader = app.token(&["viewer"]);
    let activity = add_activity(&app, &m.team, &m.goal, "Trygghetsvandring").await;
    let one = format!("/api/v1/activities/{activity}");
    let tree = format!("/api/v1/plan-periods/{}/goal-tree", m.plan_period);
    app.get(&one, &reader).await.expect(200);
    assert_eq!(
        goal_activities(&app.get(&tree, &reader).await.expect(200)),
        1
    );

    other
        .patch(&one, &app.admin(), json!({"status": "in_progress"}))
        .await
        .expect(200);
    add_activity(&other, &m.team, &m.goal, "Föräldramöte").await;
    let read = app.get_afresh(&one, &reader).await;
    assert_eq!(read.expect(200)["status"], "in_progress");
    assert_eq!(read.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(
        goal_activities(&app.get_afresh(&tree, &reader).await.expect(200)),
        2
    );
}
