//! Safe retries: a POST sent with `Idempotency-Key` is answered once. A retry with the same
//! key and body gets the same answer without a second write; another body with that key is
//! refused (422); keys are the caller's own and expire.

use crate::common::{Resp, TestApp};
use actix_web::http::Method;
use diesel::prelude::*;
use malstyrning::auth::{Claims, TokenKeys};
use malstyrning::db::schema::idempotency_keys::dsl as keys;
use malstyrning::db::types::UtcTime;
use serde_json::{json, Value};

const PLAN_PERIODS: &str = "/api/v1/plan-periods";

fn period(name: &str) -> Value {
    json!({"name": name, "start_date": "2015-01-01", "end_date": "2018-12-31"})
}

async fn post_with_key(app: &TestApp, path: &str, token: &str, key: &str, body: &Value) -> Resp {
    app.send(
        Method::POST,
        path,
        Some(token),
        Some(body.to_string().into_bytes()),
        &[("Idempotency-Key", key)],
    )
    .await
}

/// How many plan periods the organization of `token` has.
async fn plan_periods(app: &TestApp, token: &str) -> usize {
    let page = app
        .get(&format!("{PLAN_PERIODS}?limit=500"), token)
        .await
        .expect(200);
    crate::common::ids(&page).len()
}

/// How many writes of plan periods the audit trail holds.
async fn audited_plan_period_writes(app: &TestApp) -> usize {
    let page = app
        .get(
            "/api/v1/audit?entity_type=plan_period&limit=500",
            &app.admin(),
        )
        .await
        .expect(200);
    page["items"].as_array().map(Vec::len).unwrap_or_default()
}

/// A token for the test organization's admins with another subject.
fn token_of(app: &TestApp, subject: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: subject.into(),
        org: app.org.clone(),
        roles: vec!["admin".into()],
        units: vec![],
        exp: now + 600,
        iat: Some(now),
        name: None,
    };
    TokenKeys::hs256(crate::common::SECRET)
        .issue(&claims)
        .expect("a token")
}

async fn a_retry_gets_the_first_answer_without_a_second_write(app: TestApp) {
    let admin = app.admin();
    let body = period("Mandatperioden 2015–2018");
    let first = post_with_key(&app, PLAN_PERIODS, &admin, "skapa-period-1", &body).await;
    let created = first.expect(201);
    assert_eq!(first.header("idempotency-replayed"), None);
    let location = first.header("location").expect("a Location");

    let retry = post_with_key(&app, PLAN_PERIODS, &admin, "skapa-period-1", &body).await;
    assert_eq!(
        retry.expect(201),
        created,
        "the same record, as first answered"
    );
    assert_eq!(
        retry.header("idempotency-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(retry.header("location"), Some(location));
    assert_eq!(retry.header("etag"), first.header("etag"));
    assert_eq!(retry.content_type(), first.content_type());

    assert_eq!(plan_periods(&app, &admin).await, 1);
    assert_eq!(audited_plan_period_writes(&app).await, 1);

    // An action without a body (archive) is answered once too.
    let archive = format!(
        "{PLAN_PERIODS}/{}/archive",
        created["id"].as_str().unwrap_or_default()
    );
    let archived = post_with_key(&app, &archive, &admin, "arkivera-1", &Value::Null).await;
    let archived_body = archived.expect(200);
    let again = post_with_key(&app, &archive, &admin, "arkivera-1", &Value::Null).await;
    assert_eq!(again.expect(200), archived_body);
    assert_eq!(
        again.header("idempotency-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(audited_plan_period_writes(&app).await, 2);
}

async fn the_same_key_for_another_request_is_refused(app: TestApp) {
    let admin = app.admin();
    post_with_key(
        &app,
        PLAN_PERIODS,
        &admin,
        "nyckel-a",
        &period("Mandatperioden 2015–2018"),
    )
    .await
    .expect(201);

    let other_body = post_with_key(
        &app,
        PLAN_PERIODS,
        &admin,
        "nyckel-a",
        &period("Mandatperioden 2019–2022"),
    )
    .await;
    other_body.problem(422);
    assert_eq!(other_body.error_fields(), vec!["Idempotency-Key"]);

    let other_path = post_with_key(
        &app,
        "/api/v1/units",
        &admin,
        "nyckel-a",
        &json!({"kind": "council", "name": "Kommunfullmäktige"}),
    )
    .await;
    other_path.problem(422);
    assert_eq!(other_path.error_fields(), vec!["Idempotency-Key"]);

    assert_eq!(plan_periods(&app, &admin).await, 1);
    assert_eq!(audited_plan_period_writes(&app).await, 1);
    let units = app.get("/api/v1/units", &admin).await.expect(200);
    assert!(crate::common::ids(&units).is_empty(), "no unit was written");
}

async fn keys_belong_to_their_caller(app: TestApp) {
    let body = period("Mandatperioden 2015–2018");
    let first = post_with_key(&app, PLAN_PERIODS, &app.admin(), "delad-nyckel", &body).await;
    let first_id = first.expect(201)["id"].clone();

    // Another subject of the same organization: a request of its own.
    let colleague = token_of(&app, "another-user");
    let theirs = post_with_key(&app, PLAN_PERIODS, &colleague, "delad-nyckel", &body).await;
    assert_ne!(theirs.expect(201)["id"], first_id);
    assert_eq!(theirs.header("idempotency-replayed"), None);
    assert_eq!(plan_periods(&app, &app.admin()).await, 2);

    // The same subject in another organization: its own too.
    let other_org = app.another_organization().await;
    let other_admin = app.token_for(&other_org, &["admin"]);
    let elsewhere = post_with_key(&app, PLAN_PERIODS, &other_admin, "delad-nyckel", &body).await;
    assert_ne!(elsewhere.expect(201)["id"], first_id);
    assert_eq!(elsewhere.header("idempotency-replayed"), None);
    assert_eq!(plan_periods(&app, &other_admin).await, 1);
    assert_eq!(plan_periods(&app, &app.admin()).await, 2);
}

/// The same subject with other roles is another caller: no replay of what the first token
/// did (the key is spent on another request, 422).
async fn a_replay_needs_the_same_roles(app: TestApp) {
    let body = period("Mandatperioden 2015–2018");
    let first = post_with_key(&app, PLAN_PERIODS, &app.admin(), "roll-nyckel", &body).await;
    first.expect(201);
    for roles in [&["viewer"][..], &["admin", "council"][..]] {
        let other =
            post_with_key(&app, PLAN_PERIODS, &app.token(roles), "roll-nyckel", &body).await;
        assert_eq!(other.header("idempotency-replayed"), None, "{roles:?}");
        other.problem(422);
        assert_eq!(other.error_fields(), vec!["Idempotency-Key"]);
    }
    assert_eq!(plan_periods(&app, &app.admin()).await, 1);
    let again = post_with_key(&app, PLAN_PERIODS, &app.admin(), "roll-nyckel", &body).await;
    again.expect(201);
    assert_eq!(
        again.header("idempotency-replayed").as_deref(),
        Some("true")
    );
}

async fn a_refusal_is_replayed_as_such(app: TestApp) {
    let admin = app.admin();
    let backwards =
        json!({"name": "Baklänges", "start_date": "2018-12-31", "end_date": "2015-01-01"});
    let refused = post_with_key(&app, PLAN_PERIODS, &admin, "fel-ordning", &backwards).await;
    let problem = refused.problem(422);
    assert_ne!(refused.error_fields(), vec!["Idempotency-Key"]);

    let retry = post_with_key(&app, PLAN_PERIODS, &admin, "fel-ordning", &backwards).await;
    assert_eq!(retry.problem(422), problem);
    assert_eq!(
        retry.header("idempotency-replayed").as_deref(),
        Some("true")
    );

    // The key is spent: the corrected request needs a new one.
    let corrected = period("Baklänges");
    post_with_key(&app, PLAN_PERIODS, &admin, "fel-ordning", &corrected)
        .await
        .problem(422);
    post_with_key(&app, PLAN_PERIODS, &admin, "ratt-ordning", &corrected)
        .await
        .expect(201);
    assert_eq!(plan_periods(&app, &admin).await, 1);
}

async fn without_a_key_every_request_writes(app: TestApp) {
    let admin = app.admin();
    for _ in 0..2 {
        let created = app
            .post(PLAN_PERIODS, &admin, period("Mandatperioden 2015–2018"))
            .await;
        created.expect(201);
        assert_eq!(created.header("idempotency-replayed"), None);
    }
    assert_eq!(plan_periods(&app, &admin).await, 2);
}

async fn a_bad_key_is_400_and_writes_nothing(app: TestApp) {
    let admin = app.admin();
    let body = period("Mandatperioden 2015–2018");
    let too_long = "k".repeat(256);
    for key in ["", too_long.as_str(), "med\ttabb", "nyckel-ä"] {
        let response = post_with_key(&app, PLAN_PERIODS, &admin, key, &body).await;
        response.problem(400);
        assert_eq!(
            response.error_fields(),
            vec!["Idempotency-Key"],
            "key {key:?}"
        );
    }
    assert_eq!(plan_periods(&app, &admin).await, 0);
    // 255 characters, spaces and punctuation are fine.
    let longest = "k".repeat(255);
    for key in [longest.as_str(), "order 42: create/plan-period"] {
        post_with_key(&app, PLAN_PERIODS, &admin, key, &period(key))
            .await
            .expect(201);
    }
    // Only POSTs take part: a read with a bad key is answered as ever.
    let read = app
        .send(
            Method::GET,
            PLAN_PERIODS,
            Some(&admin),
            None,
            &[("Idempotency-Key", "")],
        )
        .await;
    assert_eq!(read.status, 200);
}

async fn without_a_valid_token_a_key_changes_nothing(app: TestApp) {
    let body = period("Mandatperioden 2015–2018");
    let anonymous = app
        .send(
            Method::POST,
            PLAN_PERIODS,
            None,
            Some(body.to_string().into_bytes()),
            &[("Idempotency-Key", "anonym")],
        )
        .await;
    anonymous.problem(401);
    post_with_key(&app, PLAN_PERIODS, &app.admin(), "anonym", &body)
        .await
        .expect(201);
}

async fn a_body_over_the_limit_is_413_and_spends_no_key(app: TestApp) {
    let admin = app.admin();
    let huge = period(&"x".repeat(70 * 1024));
    let response = post_with_key(&app, PLAN_PERIODS, &admin, "stor", &huge).await;
    response.problem(413);
    assert_eq!(plan_periods(&app, &admin).await, 0);
    post_with_key(
        &app,
        PLAN_PERIODS,
        &admin,
        "stor",
        &period("Mandatperioden 2015–2018"),
    )
    .await
    .expect(201);
}

/// An import is the request most worth a key, and the largest: it is read up to
/// `IMPORT_LIMIT_BYTES` with a key as without one, not only up to `BODY_LIMIT_BYTES`.
async fn a_keyed_import_over_the_body_limit_is_imported_once(app: TestApp) {
    let admin = app.admin();
    let rows: Vec<String> = (0..1500)
        .map(|n| format!("enhet-{n},unit,Enheten med det långa namnet nummer {n}"))
        .collect();
    let csv = format!("external_id,kind,name\n{}\n", rows.join("\n"));
    assert!(csv.len() > 64 * 1024, "over the tests' BODY_LIMIT_BYTES");
    let send = |key: &'static str, body: String| {
        let (app, admin) = (&app, &admin);
        async move {
            app.send(
                Method::POST,
                "/api/v1/import?type=unit",
                Some(admin),
                Some(body.into_bytes()),
                &[("Idempotency-Key", key), ("Content-Type", "text/csv")],
            )
            .await
        }
    };
    let first = send("stor-import", csv.clone()).await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.json()["created"], json!(1500));
    let retry = send("stor-import", csv.clone()).await;
    assert_eq!(retry.status, 200);
    assert_eq!(
        retry.header("idempotency-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(retry.body, first.body);
    let other = send("stor-import", csv.replace("nummer 1\n", "nummer ett\n")).await;
    other.problem(422);
    // Written once: one create in the audit trail per row.
    let mut creates = 0;
    let mut cursor = String::new();
    loop {
        let page = app
            .get(
                &format!("/api/v1/audit?entity_type=unit&limit=500&cursor={cursor}"),
                &admin,
            )
            .await
            .expect(200);
        creates += page["items"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(creates, 1500);
}

/// A request killed in the middle leaves its claim and no write (the write and its answer
/// commit together): a retry is told to wait for the lease, then runs the request once.
async fn a_claim_whose_request_never_finished_is_taken_over_after_its_lease(app: TestApp) {
    let admin = app.admin();
    let body = period("Mandatperioden 2015–2018");
    let first = post_with_key(&app, PLAN_PERIODS, &admin, "avbruten", &body).await;
    let id = first.expect(201)["id"].as_str().expect("an id").to_string();
    // As a process killed before its commit leaves it: the claim, no plan period, no answer.
    let left_behind = |age: chrono::Duration| {
        let mut pooled = app.store.pool.get().expect("a connection");
        let conn: &mut malstyrning::db::DbConnection = &mut pooled;
        let claimed = UtcTime(chrono::Utc::now().naive_utc() - age);
        diesel::update(keys::idempotency_keys.filter(keys::key.eq("avbruten")))
            .set((
                keys::state.eq("in_progress"),
                keys::response_status.eq(None::<i32>),
                keys::response_headers.eq(None::<String>),
                keys::response_body.eq(None::<Vec<u8>>),
                keys::attempt.eq("killed"),
                keys::created_at.eq(claimed),
            ))
            .execute(conn)
            .expect("the claim is left behind");
    };
    {
        use malstyrning::db::schema::plan_periods::dsl as periods;
        let mut pooled = app.store.pool.get().expect("a connection");
        let conn: &mut malstyrning::db::DbConnection = &mut pooled;
        diesel::delete(periods::plan_periods.filter(periods::id.eq(&id)))
            .execute(conn)
            .expect("the write is undone");
    }
    left_behind(chrono::Duration::zero());
    let waiting = post_with_key(&app, PLAN_PERIODS, &admin, "avbruten", &body).await;
    let problem = waiting.problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("still being processed"),
        "{problem}"
    );
    assert_eq!(plan_periods(&app, &admin).await, 0);

    let lease = malstyrning::idempotency::LEASE_SECONDS;
    left_behind(chrono::Duration::seconds(lease + 1));
    let retried = post_with_key(&app, PLAN_PERIODS, &admin, "avbruten", &body).await;
    let created = retried.expect(201);
    assert_eq!(retried.header("idempotency-replayed"), None);
    assert_eq!(plan_periods(&app, &admin).await, 1);
    let replayed = post_with_key(&app, PLAN_PERIODS, &admin, "avbruten", &body).await;
    assert_eq!(
        replayed.header("idempotency-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(replayed.expect(201)["id"], created["id"]);
    assert_eq!(plan_periods(&app, &admin).await, 1);
}

async fn an_expired_key_is_new_again(app: TestApp) {
    let admin = app.admin();
    let body = period("Mandatperioden 2015–2018");
    post_with_key(&app, PLAN_PERIODS, &admin, "gammal", &body)
        .await
        .expect(201);

    // Past its expiry, though not yet pruned: the request is new.
    {
        let mut pooled = app.store.pool.get().expect("a connection");
        let conn: &mut malstyrning::db::DbConnection = &mut pooled;
        let past = UtcTime(chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1));
        let expired = diesel::update(keys::idempotency_keys.filter(keys::key.eq("gammal")))
            .set(keys::expires_at.eq(past))
            .execute(conn)
            .expect("an update");
        assert_eq!(expired, 1);
    }
    let again = post_with_key(&app, PLAN_PERIODS, &admin, "gammal", &body).await;
    again.expect(201);
    assert_eq!(again.header("idempotency-replayed"), None);
    assert_eq!(plan_periods(&app, &admin).await, 2);
    let replayed = post_with_key(&app, PLAN_PERIODS, &admin, "gammal", &body).await;
    assert_eq!(
        replayed.header("idempotency-replayed").as_deref(),
        Some("true")
    );

    // Pruned after the default expiry (24 hours): new as well.
    {
        let mut conn = app.store.pool.get().expect("a connection");
        let tomorrow = chrono::Utc::now().naive_utc() + chrono::Duration::hours(25);
        let pruned = malstyrning::store::idempotency::prune(&mut conn, tomorrow).expect("pruning");
        assert_eq!(pruned, 1);
        let early = chrono::Utc::now().naive_utc() + chrono::Duration::hours(23);
        assert_eq!(
            malstyrning::store::idempotency::prune(&mut conn, early).expect("pruning"),
            0
        );
    }
    post_with_key(&app, PLAN_PERIODS, &admin, "gammal", &body)
        .await
        .expect(201);
    assert_eq!(plan_periods(&app, &admin).await, 3);
}

async fn concurrent_retries_write_once(app: TestApp) {
    let admin = app.admin();
    let body = period("Mandatperioden 2015–2018");
    let (a, b) = futures_util::join!(
        post_with_key(&app, PLAN_PERIODS, &admin, "samtidig", &body),
        post_with_key(&app, PLAN_PERIODS, &admin, "samtidig", &body),
    );
    let mut answers = [&a, &b];
    answers.sort_by_key(|r| (r.status, r.header("idempotency-replayed").is_some()));
    let [first, second] = answers;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.header("idempotency-replayed"), None);
    match second.status {
        201 => {
            assert_eq!(
                second.header("idempotency-replayed").as_deref(),
                Some("true")
            );
            assert_eq!(second.json(), first.json());
        }
        409 => assert_eq!(second.error_fields(), vec!["Idempotency-Key"]),
        other => panic!(
            "expected 201 replayed or 409, got {other}: {}",
            second.text()
        ),
    }
    assert_eq!(plan_periods(&app, &admin).await, 1);
    assert_eq!(audited_plan_period_writes(&app).await, 1);
}

async fn a_client_that_hangs_up_does_not_leave_its_key_stuck(app: TestApp) {
    let admin = app.admin();
    // Hang up after ever longer waits, so that some requests are dropped while running.
    let waits = [0u64, 1, 2, 3, 5, 8, 13, 21, 34, 55];
    for (n, wait) in waits.iter().enumerate() {
        let key = format!("avbruten-{n}");
        let body = period(&format!("Period {n}"));
        let _ = actix_rt::time::timeout(
            std::time::Duration::from_millis(*wait),
            post_with_key(&app, PLAN_PERIODS, &admin, &key, &body),
        )
        .await;
        // The retry gets the answer (the first one's, or its own): never stuck in progress.
        let mut retry = post_with_key(&app, PLAN_PERIODS, &admin, &key, &body).await;
        for _ in 0..100 {
            if retry.status != 409 {
                break;
            }
            actix_rt::time::sleep(std::time::Duration::from_millis(20)).await;
            retry = post_with_key(&app, PLAN_PERIODS, &admin, &key, &body).await;
        }
        retry.expect(201);
    }
    assert_eq!(
        plan_periods(&app, &admin).await,
        waits.len(),
        "one write per key"
    );
}

backend_tests!(
    a_keyed_import_over_the_body_limit_is_imported_once,
    a_claim_whose_request_never_finished_is_taken_over_after_its_lease,
    a_client_that_hangs_up_does_not_leave_its_key_stuck,
    a_retry_gets_the_first_answer_without_a_second_write,
    the_same_key_for_another_request_is_refused,
    keys_belong_to_their_caller,
    a_replay_needs_the_same_roles,
    a_refusal_is_replayed_as_such,
    without_a_key_every_request_writes,
    a_bad_key_is_400_and_writes_nothing,
    without_a_valid_token_a_key_changes_nothing,
    a_body_over_the_limit_is_413_and_spends_no_key,
    an_expired_key_is_new_again,
    concurrent_retries_write_once,
);
