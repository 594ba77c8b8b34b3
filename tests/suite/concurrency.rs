//! Writes at the same time, over HTTP: two instances of the service (each a real server with
//! worker threads of its own, over one database) take many requests in flight at once, and
//! what the clients see and what is stored must be what one request after another gives:
//! one winner per version under `If-Match` and no lost update, one record per external id,
//! one write per `Idempotency-Key`, never a 5xx.
//!
//! Each test prints `concurrency[backend] …` with its figures (RELIABILITY.md quotes them).

use std::collections::BTreeMap;

use crate::common::{http, Resp, Server, TestApp};
use actix_web::http::Method;
use futures_util::future::join_all;
use serde_json::{json, Value};

/// Requests in flight at once in each test.
const IN_FLIGHT: usize = 64;
/// Rounds of concurrent PATCHes, one version each.
const ROUNDS: usize = 5;

/// Two instances of the service over this app's database, each behind a server of its own.
async fn two_servers(app: &TestApp) -> (Server, Server) {
    let second = app.second_instance().await;
    (app.http_server(4), second.http_server(4))
}

/// The server of the i-th request: every other request goes to the other instance.
fn base(servers: &(Server, Server), i: usize) -> &str {
    if i.is_multiple_of(2) {
        &servers.0.base
    } else {
        &servers.1.base
    }
}

/// How many answers had each status.
fn tally(responses: &[Resp]) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for r in responses {
        *counts.entry(r.status).or_default() += 1;
    }
    counts
}

fn no_server_error(what: &str, responses: &[Resp]) {
    for r in responses {
        assert!(r.status < 500, "{what}: {} {}", r.status, r.text());
        if r.status >= 400 {
            assert_eq!(
                r.content_type(),
                "application/problem+json",
                "{what}: {}",
                r.text()
            );
        }
    }
}

/// The feed's changes of one record, oldest first.
async fn changes_of(app: &TestApp, id: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = String::new();
    loop {
        let page = app
            .get(&format!("/api/v1/changes?limit=500{after}"), &app.admin())
            .await
            .expect(200);
        let items = page["items"].as_array().cloned().expect("items");
        all.extend(items.into_iter().filter(|c| c["entity_id"] == id));
        match page["next_cursor"].as_str() {
            Some(cursor) if !page["items"].as_array().is_some_and(Vec::is_empty) => {
                after = format!("&after={cursor}")
            }
            _ => return all,
        }
    }
}

async fn concurrent_patches_with_one_if_match_have_one_winner(app: TestApp) {
    let m = app.model().await;
    let id = app
        .create(
            "/api/v1/activities",
            json!({"team_id": m.team, "department_goal_id": m.department_goal,
                   "title": "Trygghetsvandring"}),
        )
        .await;
    let path = format!("/api/v1/activities/{id}");
    let servers = two_servers(&app).await;
    let client = crate::common::client();
    let admin = app.admin();
    let mut lost = 0;
    // The writes go through the two servers, other instances than `app`: its reads ask for
    // the database's state rather than its answer cache's.
    for round in 0..ROUNDS {
        let current = app.get_afresh(&path, &admin).await;
        let before = current.json();
        let etag = current.header("etag").expect("an ETag");
        let bodies: Vec<Value> = (0..IN_FLIGHT)
            .map(|i| json!({"title": format!("Runda {round}, skrivare {i}"), "responsible": format!("Skrivare {i}")}))
            .collect();
        let responses = join_all(bodies.iter().enumerate().map(|(i, body)| {
            let url = format!("{}{path}", base(&servers, i));
            let (client, admin, etag) = (&client, &admin, &etag);
            async move {
                http(
                    client,
                    Method::PATCH,
                    &url,
                    admin,
                    &[("If-Match", etag)],
                    Some(body),
                )
                .await
            }
        }))
        .await;
        no_server_error("PATCH with If-Match", &responses);
        let counts = tally(&responses);
        assert_eq!(
            counts,
            BTreeMap::from([(200, 1), (412, IN_FLIGHT - 1)]),
            "round {round}: one write per version"
        );
        lost += counts[&412];
        let winner = responses
            .iter()
            .position(|r| r.status == 200)
            .expect("a winner");
        let after = app.get_afresh(&path, &admin).await.expect(200);
        // The stored record is the winner's write, one version on.
        assert_eq!(after["title"], bodies[winner]["title"]);
        assert_eq!(after["responsible"], bodies[winner]["responsible"]);
        assert_eq!(
            after["version"],
            before["version"].as_i64().expect("a version") + 1
        );
        assert_eq!(responses[winner].json(), after);
    }
    let changes = changes_of(&app, &id).await;
    let updates = changes.iter().filter(|c| c["action"] == "update").count();
    assert_eq!(updates, ROUNDS, "one change per winning write");
    let final_state = app.get_afresh(&path, &admin).await.expect(200);
    assert_eq!(final_state["version"], 1 + ROUNDS as i64);
    assert_eq!(changes.last().expect("a change")["state"], final_state);
    println!(
        "concurrency[{}] If-Match: {ROUNDS} rounds of {IN_FLIGHT} concurrent PATCHes over 2 instances: \
         {ROUNDS} won (1 per round), {lost} got 412, version 1 → {}, {updates} update changes",
        app.backend,
        1 + ROUNDS
    );
    servers.0.stop().await;
    servers.1.stop().await;
}

async fn concurrent_creates_of_one_external_id_make_one_record(app: TestApp) {
    let m = app.model().await;
    let servers = two_servers(&app).await;
    let client = crate::common::client();
    let admin = app.admin();

    // Through the resource's POST: one is created, the others are told the id is taken.
    let body = json!({"team_id": m.team, "department_goal_id": m.department_goal,
                      "title": "Läxhjälp", "external_id": "ext-laxhjalp"});
    let responses = join_all((0..IN_FLIGHT).map(|i| {
        let url = format!("{}/api/v1/activities", base(&servers, i));
        let (client, admin, body) = (&client, &admin, &body);
        async move { http(client, Method::POST, &url, admin, &[], Some(body)).await }
    }))
    .await;
    no_server_error("POST with one external_id", &responses);
    let posts = tally(&responses);
    assert_eq!(posts, BTreeMap::from([(201, 1), (409, IN_FLIGHT - 1)]));
    for refused in responses.iter().filter(|r| r.status == 409) {
        assert_eq!(
            refused.error_fields(),
            ["external_id"],
            "{}",
            refused.text()
        );
    }

    // Through the import's upsert, each file with its own title: the first creates the
    // record, every other one finds it and updates it.
    let rows: Vec<Value> = (0..IN_FLIGHT)
        .map(|i| {
            json!([{"type": "activity", "external_id": "ext-trygghet", "team_id": m.team,
                    "department_goal_id": m.department_goal, "title": format!("Trygghet {i}")}])
        })
        .collect();
    let responses = join_all(rows.iter().enumerate().map(|(i, file)| {
        let url = format!("{}/api/v1/import", base(&servers, i));
        let (client, admin) = (&client, &admin);
        async move { http(client, Method::POST, &url, admin, &[], Some(file)).await }
    }))
    .await;
    no_server_error("import of one external_id", &responses);
    let imports = tally(&responses);
    // Imports of one organization take turns: one creates, each later one updates.
    assert_eq!(imports, BTreeMap::from([(200, IN_FLIGHT)]));
    let count = |field: &str| -> i64 {
        responses
            .iter()
            .map(|r| r.json()[field].as_i64().expect("a count"))
            .sum()
    };
    assert_eq!(
        (count("created"), count("updated")),
        (1, IN_FLIGHT as i64 - 1)
    );

    let activities = app.items("/api/v1/activities", &admin).await;
    for external_id in ["ext-laxhjalp", "ext-trygghet"] {
        let matching: Vec<&Value> = activities
            .iter()
            .filter(|a| a["external_id"] == external_id)
            .collect();
        assert_eq!(matching.len(), 1, "{external_id}");
    }
    // The stored title is one file's.
    let stored = activities
        .iter()
        .find(|a| a["external_id"] == "ext-trygghet")
        .expect("the imported activity");
    assert!(stored["title"]
        .as_str()
        .is_some_and(|t| t.starts_with("Trygghet ")));
    println!(
        "concurrency[{}] external_id: {IN_FLIGHT} concurrent POSTs of one external_id: {posts:?}, 1 row; \
         {IN_FLIGHT} concurrent imports upserting one external_id: {imports:?}, 1 created and {} updated, 1 row",
        app.backend,
        IN_FLIGHT - 1
    );
    servers.0.stop().await;
    servers.1.stop().await;
}

async fn concurrent_posts_with_one_idempotency_key_write_once(app: TestApp) {
    let m = app.model().await;
    let servers = two_servers(&app).await;
    let client = crate::common::client();
    let admin = app.admin();
    let body = json!({"team_id": m.team, "department_goal_id": m.department_goal,
                      "title": "Föräldramöte om trygghet"});
    let send_all = || {
        join_all((0..IN_FLIGHT).map(|i| {
            let url = format!("{}/api/v1/activities", base(&servers, i));
            let (client, admin, body) = (&client, &admin, &body);
            async move {
                http(
                    client,
                    Method::POST,
                    &url,
                    admin,
                    &[("Idempotency-Key", "nyckel-1")],
                    Some(body),
                )
                .await
            }
        }))
    };
    let responses = send_all().await;
    no_server_error("POST with one Idempotency-Key", &responses);
    let first = tally(&responses);
    // One ran; the others replayed its answer or were told it was still running.
    let created: Vec<&Resp> = responses.iter().filter(|r| r.status == 201).collect();
    assert!(first.keys().all(|s| [201, 409].contains(s)), "{first:?}");
    let ran: Vec<&&Resp> = created
        .iter()
        .filter(|r| r.header("idempotency-replayed").is_none())
        .collect();
    assert_eq!(ran.len(), 1, "{first:?}");
    let id = ran[0].id();
    for replay in &created {
        assert_eq!(replay.id(), id);
    }
    for busy in responses.iter().filter(|r| r.status == 409) {
        busy.problem(409);
    }
    // Once it has answered, every retry, on either instance, is the replay.
    let retries = send_all().await;
    let again = tally(&retries);
    assert_eq!(again, BTreeMap::from([(201, IN_FLIGHT)]));
    for retry in &retries {
        assert_eq!(
            retry.header("idempotency-replayed").as_deref(),
            Some("true")
        );
        assert_eq!(retry.id(), id);
    }
    let activities = app.items("/api/v1/activities", &admin).await;
    let matching = activities
        .iter()
        .filter(|a| a["title"] == "Föräldramöte om trygghet")
        .count();
    assert_eq!(matching, 1);
    assert_eq!(
        changes_of(&app, &id).await.len(),
        1,
        "one create in the feed"
    );
    println!(
        "concurrency[{}] Idempotency-Key: {IN_FLIGHT} concurrent POSTs with one key over 2 instances: \
         {first:?} (1 ran, {} replayed, {} told 409 in progress), then {IN_FLIGHT} retries: {again:?} all replayed; 1 row",
        app.backend,
        created.len() - 1,
        first.get(&409).copied().unwrap_or(0)
    );
    servers.0.stop().await;
    servers.1.stop().await;
}

/// Writes in flight at once each succeed or fail on their own. On SQLite the writes waiting
/// for the writer share its next transaction, each in a savepoint: a write refused, or a dry
/// run rolled back, must take none of the others with it, and none of its own must stay.
async fn writes_in_flight_together_succeed_or_fail_each_on_their_own(app: TestApp) {
    let m = app.model().await;
    let server = app.http_server(4);
    let client = crate::common::client();
    let admin = app.admin();
    let activities = format!("{}/api/v1/activities", server.base);
    let dry_run = format!("{}/api/v1/import?dry_run=true", server.base);
    let no_such_team = "019b0000-0000-7000-8000-000000000000";
    let responses = join_all((0..IN_FLIGHT).map(|i| {
        let (client, admin, activities, dry_run) = (&client, &admin, &activities, &dry_run);
        let (team, goal) = (&m.team, &m.department_goal);
        async move {
            let (url, body) = match i % 4 {
                1 => (
                    activities,
                    json!({"team_id": no_such_team, "department_goal_id": goal,
                           "title": format!("Utan arbetslag {i}")}),
                ),
                2 => (
                    dry_run,
                    json!([{"type": "activity", "team_id": team, "department_goal_id": goal,
                            "title": format!("Provkörning {i}")}]),
                ),
                _ => (
                    activities,
                    json!({"team_id": team, "department_goal_id": goal,
                           "title": format!("Studiebesök {i}")}),
                ),
            };
            http(client, Method::POST, url, admin, &[], Some(&body)).await
        }
    }))
    .await;
    no_server_error("writes in flight together", &responses);
    let counts = tally(&responses);
    assert_eq!(
        counts,
        BTreeMap::from([
            (200, IN_FLIGHT / 4),
            (201, IN_FLIGHT / 2),
            (422, IN_FLIGHT / 4)
        ])
    );
    let stored = app.items("/api/v1/activities", &admin).await;
    let titled = |prefix: &str| {
        stored
            .iter()
            .filter(|a| a["title"].as_str().is_some_and(|t| t.starts_with(prefix)))
            .count()
    };
    assert_eq!(
        titled("Studiebesök "),
        IN_FLIGHT / 2,
        "every accepted write kept"
    );
    assert_eq!(titled("Provkörning "), 0, "no dry run kept");
    assert_eq!(titled("Utan arbetslag "), 0, "no refused write kept");
    for created in responses.iter().filter(|r| r.status == 201) {
        let id = created.id();
        assert_eq!(changes_of(&app, &id).await.len(), 1, "one change a create");
    }
    println!(
        "concurrency[{}] {IN_FLIGHT} writes in flight together: {counts:?}; {} activities kept",
        app.backend,
        IN_FLIGHT / 2
    );
    server.stop().await;
}

backend_tests!(
    concurrent_patches_with_one_if_match_have_one_winner,
    writes_in_flight_together_succeed_or_fail_each_on_their_own,
    concurrent_creates_of_one_external_id_make_one_record,
    concurrent_posts_with_one_idempotency_key_write_once,
);

/// `DB_POOL_SIZE=1` on SQLite: the writes go through a connection of their own, beside the
/// pool, so the pool's one connection is the reads', and writes and reads in flight together
/// are all answered, none with 503 for want of a connection.
#[actix_rt::test]
async fn sqlite_with_a_pool_of_one_connection_serves_writes_and_reads_together() {
    let app = TestApp::sqlite_with_pool(1).await;
    let id = app
        .create(
            "/api/v1/units",
            json!({"kind": "board", "name": "Kommunstyrelsen"}),
        )
        .await;
    let path = format!("/api/v1/units/{id}");
    let server = app.http_server(4);
    let client = crate::common::client();
    let admin = app.admin();
    let (units, unit) = (
        format!("{}/api/v1/units", server.base),
        format!("{}{path}", server.base),
    );
    let responses = join_all((0..IN_FLIGHT).map(|i| {
        let (client, admin, units, unit) = (&client, &admin, &units, &unit);
        async move {
            if i.is_multiple_of(2) {
                let body = json!({"kind": "board", "name": format!("Nämnd {i}")});
                http(client, Method::POST, units, admin, &[], Some(&body)).await
            } else {
                let no_cache = [("Cache-Control", "no-cache")];
                http(client, Method::GET, unit, admin, &no_cache, None).await
            }
        }
    }))
    .await;
    assert_eq!(
        tally(&responses),
        BTreeMap::from([(200, IN_FLIGHT / 2), (201, IN_FLIGHT / 2)])
    );
    let listed = app.items("/api/v1/units", &admin).await;
    assert_eq!(listed.len(), 1 + IN_FLIGHT / 2);
    server.stop().await;
}
