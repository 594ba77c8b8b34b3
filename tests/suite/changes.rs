//! The change feed: every write in commit order, with the new state or a tombstone. A
//! consumer that replays it from the start into an empty store has the same data as the
//! service; it can resume from any cursor; past the retention it is told so (410).

use std::collections::BTreeMap;

use crate::common::TestApp;
use serde_json::{json, Value};

/// Each kind of record in the feed and its collection.
const COLLECTIONS: [(&str, &str); 13] = [
    ("organization", "/api/v1/organizations"),
    ("unit", "/api/v1/units"),
    ("plan_period", "/api/v1/plan-periods"),
    ("reporting_period", "/api/v1/reporting-periods"),
    ("vision", "/api/v1/visions"),
    ("perspective", "/api/v1/perspectives"),
    ("goal", "/api/v1/goals"),
    ("department_goal", "/api/v1/department-goals"),
    ("activity", "/api/v1/activities"),
    ("contact", "/api/v1/contacts"),
    ("indicator", "/api/v1/indicators"),
    ("measurement", "/api/v1/measurements"),
    ("follow_up", "/api/v1/follow-ups"),
];

type Copy = BTreeMap<(String, String), Value>;

/// Reads the feed from `after` to its end, page by page; returns the changes and the cursor
/// to resume from.
async fn read_feed(
    app: &TestApp,
    token: &str,
    after: Option<&str>,
    limit: usize,
) -> (Vec<Value>, Option<String>) {
    let mut cursor = after.map(str::to_string);
    let mut changes = Vec::new();
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/changes?limit={limit}&after={c}"),
            None => format!("/api/v1/changes?limit={limit}"),
        };
        let page = app.get(&path, token).await.expect(200);
        let items = page["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= limit);
        changes.extend(items);
        cursor = page["next_cursor"].as_str().map(str::to_string);
        if page["has_more"] != true {
            return (changes, cursor);
        }
    }
}

/// Applies changes to a copy keyed by (entity type, id): the state, or removal for a tombstone.
fn apply(copy: &mut Copy, changes: &[Value]) {
    for change in changes {
        let key = (
            change["entity_type"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            change["entity_id"].as_str().unwrap_or_default().to_string(),
        );
        match change["action"].as_str() {
            Some("delete") => {
                assert!(change["state"].is_null(), "a delete is a tombstone");
                copy.remove(&key);
            }
            _ => {
                copy.insert(key, change["state"].clone());
            }
        }
    }
}

/// What the service holds now, every kind, archived records included.
async fn current(app: &TestApp, token: &str) -> Copy {
    let mut all = Copy::new();
    for (kind, path) in COLLECTIONS {
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{path}?limit=500&include_archived=true");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page = app.get(&url, token).await.expect(200);
            for item in page["items"].as_array().cloned().unwrap_or_default() {
                let id = item["id"].as_str().unwrap_or_default().to_string();
                all.insert((kind.to_string(), id), item);
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
    }
    all
}

async fn replaying_the_feed_gives_the_same_data(app: TestApp) {
    // The demo, then writes of every kind: creates, updates, an archive, a delete, a
    // follow-up step.
    app.make_room_for_the_demo().await;
    app.load_demo();
    let org = app.demo_organization().id.to_string();
    let admin = app.token_for(&org, &["admin"]);
    let goals = app.get("/api/v1/goals?limit=500", &admin).await.expect(200);
    let goal = goals["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let units = app
        .get("/api/v1/units?kind=team&limit=1", &admin)
        .await
        .expect(200);
    let team = units["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let activity = app
        .post(
            "/api/v1/activities",
            &admin,
            json!({"team_id": team, "goal_id": goal, "title": "Trygghetsvandring"}),
        )
        .await
        .expect(201);
    let path = format!(
        "/api/v1/activities/{}",
        activity["id"].as_str().unwrap_or_default()
    );
    app.patch(&path, &admin, json!({"status": "done"}))
        .await
        .expect(200);
    let second = app
        .post(
            "/api/v1/activities",
            &admin,
            json!({"team_id": team, "goal_id": goal, "title": "Tas bort"}),
        )
        .await
        .expect(201);
    app.delete(
        &format!(
            "/api/v1/activities/{}",
            second["id"].as_str().unwrap_or_default()
        ),
        &admin,
    )
    .await
    .expect(204);
    let contacts = app
        .get("/api/v1/contacts?limit=1", &admin)
        .await
        .expect(200);
    let contact = contacts["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    app.post(
        &format!("/api/v1/contacts/{contact}/archive"),
        &admin,
        json!({}),
    )
    .await
    .expect(200);

    // A consumer with a viewer token replays everything from the start, in small pages.
    let viewer = app.token_for(&org, &["viewer"]);
    let (changes, cursor) = read_feed(&app, &viewer, None, 37).await;
    let mut copy = Copy::new();
    apply(&mut copy, &changes);
    let now = current(&app, &admin).await;
    assert_eq!(copy.len(), now.len());
    for (key, state) in &now {
        assert_eq!(copy.get(key), Some(state), "{key:?}");
    }
    // The feed never says who wrote: that is the audit trail's.
    let text = serde_json::to_string(&changes).unwrap_or_default();
    assert!(!text.contains("actor") && !text.contains("Demodata"));
    // Commit order: cursors only grow.
    let numbers: Vec<i64> = changes
        .iter()
        .filter_map(|c| c["cursor"].as_str()?.parse().ok())
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]));

    // Resuming from the cursor sees exactly what comes after it.
    let cursor = cursor.expect("a cursor");
    let (nothing, same) = read_feed(&app, &viewer, Some(&cursor), 50).await;
    assert!(nothing.is_empty());
    assert_eq!(same.as_deref(), Some(cursor.as_str()));
    app.patch(
        &path,
        &admin,
        json!({"title": "Trygghetsvandring med polisen"}),
    )
    .await
    .expect(200);
    let (next, _) = read_feed(&app, &viewer, Some(&cursor), 50).await;
    assert_eq!(next.len(), 1);
    assert_eq!(next[0]["action"], "update");
    assert_eq!(next[0]["state"]["title"], "Trygghetsvandring med polisen");
    // From a cursor in the middle, the rest.
    let middle = changes[changes.len() / 2]["cursor"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (rest, _) = read_feed(&app, &viewer, Some(&middle), 500).await;
    assert_eq!(
        rest.len(),
        changes.len() - changes.len() / 2,
        "the second half and the update"
    );
}

async fn each_organization_reads_its_own_feed(app: TestApp) {
    app.model().await;
    let other = app.another_organization().await;
    let (mine, _) = read_feed(&app, &app.admin(), None, 500).await;
    assert!(mine.len() >= 9, "the organization and the model");
    let theirs_token = app.token_for(&other, &["admin"]);
    let (theirs, _) = read_feed(&app, &theirs_token, None, 500).await;
    let ids: Vec<&Value> = theirs.iter().map(|c| &c["entity_id"]).collect();
    assert!(mine.iter().all(|c| !ids.contains(&&c["entity_id"])));
    app.send(
        actix_web::http::Method::GET,
        "/api/v1/changes",
        None,
        None,
        &[],
    )
    .await
    .problem(401);
    for bad in ["x", "-1", "1.5"] {
        app.get(&format!("/api/v1/changes?after={bad}"), &app.admin())
            .await
            .problem(400);
    }
    app.get("/api/v1/changes?limit=0", &app.admin())
        .await
        .problem(400);
}

async fn a_cursor_past_the_retention_is_gone(app: TestApp) {
    app.model().await;
    let admin = app.admin();
    let latest = app
        .get("/api/v1/changes?after=latest", &admin)
        .await
        .expect(200);
    assert_eq!(latest["items"], json!([]));
    let newest = latest["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (all, _) = read_feed(&app, &admin, None, 500).await;
    assert_eq!(
        all.last().and_then(|c| c["cursor"].as_str()),
        Some(newest.as_str())
    );
    // A year later, with 90 days' retention, everything so far is pruned.
    {
        let mut conn = app.store.pool.get().expect("a connection");
        let later = chrono::Utc::now().naive_utc() + chrono::Duration::days(365);
        let pruned = malstyrning::store::changes::prune(&mut conn, 90, later).expect("prune");
        assert!(pruned >= all.len(), "{pruned}");
    }
    let gone = app.get("/api/v1/changes", &admin).await;
    gone.problem(410);
    let first = all[0]["cursor"].as_str().unwrap_or_default();
    app.get(&format!("/api/v1/changes?after={first}"), &admin)
        .await
        .problem(410);
    // From the newest cursor the consumer goes on.
    let (rest, _) = read_feed(&app, &admin, Some(&newest), 50).await;
    assert!(rest.is_empty());
    let again = app
        .get("/api/v1/changes?after=latest", &admin)
        .await
        .expect(200);
    assert_eq!(again["next_cursor"], json!(newest));
}

backend_tests!(
    replaying_the_feed_gives_the_same_data,
    each_organization_reads_its_own_feed,
    a_cursor_past_the_retention_is_gone,
);
