//! The answer cache: repeated reads of the goal tree, the cycle dashboard, activity plans and
//! the public view come from memory, and never outlive a write, whether it came through
//! this instance or another one over the same database.

mod common;

use common::{code_for, TestApp};
use serde_json::{json, Value};

backend_tests!(
    a_write_is_read_back_at_once_through_the_same_instance,
    a_write_through_another_instance_is_read_after_the_next_sync,
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
        json!({"name": "Testkommun med nytt namn"}),
    )
    .await
    .expect(200);
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
