//! Webhooks: subscriptions (admin), deliveries queued with the change they carry, signed
//! with HMAC-SHA256 over timestamp and body, retried with backoff when the receiver is down,
//! and logged. Receivers run on 127.0.0.1 only.

use std::collections::HashMap;
use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;

use crate::common::TestApp;
use hmac::{Hmac, Mac};
use malstyrning::outbound::ReceiverPolicy;
use serde_json::{json, Value};
use sha2::Sha256;

const SECRET: &str = "en-hemlighet-bara-for-tester";

/// A request the receiver got: its headers (lower-case names) and body.
struct Received {
    headers: HashMap<String, String>,
    body: String,
}

/// A receiver on 127.0.0.1 that answers the given statuses, one request each, then closes.
fn receiver(
    listener: TcpListener,
    answers: Vec<u16>,
) -> (thread::JoinHandle<()>, mpsc::Receiver<Received>) {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        for status in answers {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream.try_clone().expect("a stream"));
            let (headers, body) = crate::common::read_request(&mut reader).expect("a request");
            let answer =
                format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            stream.write_all(answer.as_bytes()).expect("an answer");
            let _ = tx.send(Received {
                headers,
                body: String::from_utf8_lossy(&body).to_string(),
            });
        }
    });
    (handle, rx)
}

fn expected_signature(timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("a key");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let bytes = mac.finalize().into_bytes();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What an operator sets to let receivers on loopback, where these tests run theirs, get
/// deliveries (`WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8`).
fn loopback_allowed() -> ReceiverPolicy {
    ReceiverPolicy::parse("127.0.0.0/8").expect("a network")
}

async fn deliver(app: &TestApp, at: chrono::NaiveDateTime) -> usize {
    deliver_to(app, &loopback_allowed(), at).await
}

async fn deliver_to(app: &TestApp, receivers: &ReceiverPolicy, at: chrono::NaiveDateTime) -> usize {
    malstyrning::webhooks::deliver_due(&app.store, receivers, at)
        .await
        .expect("delivering")
}

async fn log_of(app: &TestApp, subscription: &str) -> Vec<Value> {
    app.get(
        &format!("/api/v1/webhook-subscriptions/{subscription}/deliveries"),
        &app.admin(),
    )
    .await
    .expect(200)["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn deliveries_are_signed_retried_and_logged(app: TestApp) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let admin = app.admin();
    let subscription = app
        .post(
            "/api/v1/webhook-subscriptions",
            &admin,
            json!({"url": format!("http://127.0.0.1:{port}/hook"), "event_types": ["goal.*"],
                   "secret": SECRET, "description": "Beslutsstödet"}),
        )
        .await
        .expect(201);
    assert!(
        subscription.get("secret").is_none(),
        "the secret is write-only"
    );
    let subscription = subscription["id"].as_str().unwrap_or_default().to_string();
    let m = app.model().await;

    // One goal created: one delivery (units, periods and the rest are not subscribed to).
    let (handle, received) = receiver(listener, vec![200]);
    let now = chrono::Utc::now().naive_utc();
    assert_eq!(deliver(&app, now).await, 1);
    handle.join().expect("the receiver");
    let request = received.recv().expect("a delivery");
    let body: Value = serde_json::from_str(&request.body).expect("JSON");
    assert_eq!(body["event"], "goal.create");
    assert_eq!(body["entity_id"], json!(m.goal));
    assert_eq!(body["state"]["number"], 1);
    assert_eq!(request.headers["malstyrning-event"], "goal.create");
    assert_eq!(
        request.headers["malstyrning-delivery"],
        body["delivery_id"].as_str().unwrap_or_default()
    );
    let signature = &request.headers["malstyrning-signature"];
    let (t, v1) = signature
        .split_once(",v1=")
        .map(|(t, v)| (t.trim_start_matches("t="), v))
        .expect("t=…,v1=…");
    assert_eq!(v1, expected_signature(t, &request.body));
    let log = log_of(&app, &subscription).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "delivered");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status"], 200);
    assert!(log[0].get("payload").is_none());

    // The receiver is down: the attempt fails and is retried after the backoff.
    app.patch(
        &format!("/api/v1/goals/{}", m.goal),
        &admin,
        json!({"description": "Trygghet i hela kommunen.",
               "revision": {"decision_reference": "KF 2012-06-14 § 77", "decided_on": "2012-06-14",
                            "decided_by_unit_id": m.council}}),
    )
    .await
    .expect(200);
    let now = chrono::Utc::now().naive_utc();
    assert_eq!(deliver(&app, now).await, 1);
    let log = log_of(&app, &subscription).await;
    assert_eq!(log[0]["state"], "pending");
    assert_eq!(log[0]["attempts"], 1);
    assert!(log[0]["last_error"].is_string(), "{}", log[0]);
    // Not due again before the backoff (10 s) has passed.
    assert_eq!(deliver(&app, now + chrono::Duration::seconds(5)).await, 0);
    // The receiver is back; the retry succeeds.
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("the same port again");
    let (handle, received) = receiver(listener, vec![500, 200]);
    assert_eq!(deliver(&app, now + chrono::Duration::seconds(11)).await, 1);
    let log = log_of(&app, &subscription).await;
    assert_eq!(
        (log[0]["state"].as_str(), log[0]["attempts"].as_i64()),
        (Some("pending"), Some(2))
    );
    assert_eq!(log[0]["last_status"], 500);
    assert_eq!(
        deliver(&app, now + chrono::Duration::seconds(11 + 21)).await,
        1
    );
    handle.join().expect("the receiver");
    let last: Vec<Received> = received.try_iter().collect();
    assert_eq!(last.len(), 2);
    assert_eq!(
        last[0].headers["malstyrning-delivery"],
        last[1].headers["malstyrning-delivery"]
    );
    let body: Value = serde_json::from_str(&last[1].body).expect("JSON");
    assert_eq!(body["event"], "goal.update");
    assert_eq!(body["state"]["description"], "Trygghet i hela kommunen.");
    let log = log_of(&app, &subscription).await;
    assert_eq!(log[0]["state"], "delivered");
    assert_eq!(log[0]["attempts"], 3);
    assert!(log[0]["delivered_at"].is_string());

    // A paused subscription queues nothing.
    app.patch(
        &format!("/api/v1/webhook-subscriptions/{subscription}"),
        &admin,
        json!({"active": false}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/v1/goals/{}/archive", m.goal),
        &admin,
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(log_of(&app, &subscription).await.len(), 2);
    // The secret is in no answer and no audit entry.
    let audit = app
        .get("/api/v1/audit?entity_type=webhook_subscription", &admin)
        .await
        .expect(200);
    assert!(!audit.to_string().contains(SECRET));
    let read = app
        .get(
            &format!("/api/v1/webhook-subscriptions/{subscription}"),
            &admin,
        )
        .await
        .expect(200);
    assert!(!read.to_string().contains(SECRET));
}

/// An organization's admin chooses where deliveries go; by default the service sends
/// nothing to the network it runs in (loopback, private, link-local: SSRF), whether the
/// receiver is named by its address or by a name that resolves to one.
async fn internal_receivers_get_nothing_unless_the_operator_allows_their_network(app: TestApp) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let admin = app.admin();
    let mut subscriptions = Vec::new();
    for host in ["127.0.0.1", "localhost"] {
        let created = app
            .post(
                "/api/v1/webhook-subscriptions",
                &admin,
                json!({"url": format!("http://{host}:{port}/hook"), "event_types": ["goal.*"],
                       "secret": SECRET}),
            )
            .await
            .expect(201);
        subscriptions.push(created["id"].as_str().unwrap_or_default().to_string());
    }
    app.model().await;

    let now = chrono::Utc::now().naive_utc();
    assert_eq!(deliver_to(&app, &ReceiverPolicy::default(), now).await, 2);
    listener.set_nonblocking(true).expect("non-blocking");
    assert!(
        listener.accept().is_err(),
        "nothing may connect to an internal receiver"
    );
    for subscription in &subscriptions {
        let log = log_of(&app, subscription).await;
        assert_eq!(log[0]["state"], "pending", "{}", log[0]);
        let error = log[0]["last_error"].as_str().unwrap_or_default();
        assert!(
            error.contains("internal address") && error.contains("WEBHOOK_ALLOWED_NETWORKS"),
            "{error}"
        );
    }

    // The operator allows the network: the retries go through.
    listener.set_nonblocking(false).expect("blocking");
    let (handle, received) = receiver(listener, vec![200, 200]);
    let later = now + chrono::Duration::seconds(11);
    assert_eq!(deliver(&app, later).await, 2);
    handle.join().expect("the receiver");
    assert_eq!(received.try_iter().count(), 2);
    for subscription in &subscriptions {
        assert_eq!(log_of(&app, subscription).await[0]["state"], "delivered");
    }
}

/// Finding 1 of the outside attack: with only 127.0.0.2 allowed, a receiver there answered
/// `307 Location: http://127.0.0.1:P2/internal` and the service POSTed the signed delivery
/// to the refused 127.0.0.1:P2, logging `delivered, 200`. Redirects are not followed: a 3xx
/// is a failed attempt, logged with its status and `Location`.
async fn a_redirect_is_a_failed_attempt_never_followed(app: TestApp) {
    let internal = TcpListener::bind("127.0.0.1:0").expect("a port");
    internal.set_nonblocking(true).expect("non-blocking");
    let internal_port = internal.local_addr().expect("an address").port();
    let outside = TcpListener::bind("127.0.0.2:0").expect("a port on 127.0.0.2");
    let outside_port = outside.local_addr().expect("an address").port();
    let location = format!("http://127.0.0.1:{internal_port}/internal");
    let answering = location.clone();
    let redirector = thread::spawn(move || {
        let Ok((mut stream, _)) = outside.accept() else {
            return;
        };
        let mut reader = BufReader::new(stream.try_clone().expect("a stream"));
        let _ = crate::common::read_request(&mut reader);
        let answer = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: {answering}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(answer.as_bytes()).expect("an answer");
    });
    let subscription = app
        .post(
            "/api/v1/webhook-subscriptions",
            &app.admin(),
            json!({"url": format!("http://127.0.0.2:{outside_port}/hook"), "event_types": ["goal.*"],
                   "secret": SECRET}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    app.model().await;

    let only_outside = ReceiverPolicy::parse("127.0.0.2/32").expect("a network");
    let now = chrono::Utc::now().naive_utc();
    assert_eq!(deliver_to(&app, &only_outside, now).await, 1);
    redirector.join().expect("the receiver");
    assert!(
        internal.accept().is_err(),
        "the redirect's target got a connection"
    );
    let log = log_of(&app, &subscription).await;
    assert_eq!(log[0]["state"], "pending", "{}", log[0]);
    assert_eq!(log[0]["last_status"], 307);
    let error = log[0]["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains(&location) && error.contains("not followed"),
        "{error}"
    );
}

async fn subscriptions_are_checked_and_admin_only(app: TestApp) {
    let admin = app.admin();
    let good = json!({"url": "https://beslutsstod.example.se/hook", "event_types": ["*"], "secret": SECRET});
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    for (body, field) in [
        (with("url", json!("ftp://example.se/x")), "url"),
        (with("url", json!("not a url")), "url"),
        (with("event_types", json!([])), "event_types"),
        (with("event_types", json!(["goal"])), "event_types[0]"),
        (
            with("event_types", json!(["goal.renamed"])),
            "event_types[0]",
        ),
        (with("event_types", json!(["budget.*"])), "event_types[0]"),
        (with("secret", json!("kort")), "secret"),
    ] {
        let refused = app
            .post("/api/v1/webhook-subscriptions", &admin, body)
            .await;
        refused.problem(422);
        assert_eq!(refused.error_fields(), vec![field]);
    }
    let created = app
        .post(
            "/api/v1/webhook-subscriptions",
            &admin,
            with("event_types", json!(["*.delete", "follow_up.*"])),
        )
        .await
        .expect(201);
    let path = format!(
        "/api/v1/webhook-subscriptions/{}",
        created["id"].as_str().unwrap_or_default()
    );
    for role in ["council", "board", "manager", "team_member", "viewer"] {
        let token = app.token(&[role]);
        app.get("/api/v1/webhook-subscriptions", &token)
            .await
            .problem(403);
        app.get(&path, &token).await.problem(403);
        app.post("/api/v1/webhook-subscriptions", &token, good.clone())
            .await
            .problem(403);
    }
    let other = app.another_organization().await;
    app.get(&path, &app.token_for(&other, &["admin"]))
        .await
        .problem(404);
}

backend_tests!(
    deliveries_are_signed_retried_and_logged,
    internal_receivers_get_nothing_unless_the_operator_allows_their_network,
    a_redirect_is_a_failed_attempt_never_followed,
    subscriptions_are_checked_and_admin_only,
);
