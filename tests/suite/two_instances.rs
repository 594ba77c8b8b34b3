//! Two processes of `malstyrning serve` over one PostgreSQL database, started at the same
//! moment (their migrations take turns): a client that moves from one to the other sees one
//! service. An `Idempotency-Key` used on one is replayed by the other; the change feed read
//! through either is the same, numbered without gaps in commit order, and a consumer that
//! follows it through one while writes go to both misses nothing; a webhook event is
//! delivered once although both instances send deliveries; a cached public answer on one
//! follows a write through the other within `CACHE_SYNC_MS`.
//! (PostgreSQL only; ignored without `TEST_DATABASE_URL`.)

use std::collections::BTreeMap;
use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use actix_web::http::Method;
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::common::{client, http, issue_token, Resp};

/// Writes sent at once, alternating between the instances.
const WRITES: usize = 40;
const CACHE_SYNC_MS: u64 = 100;
const KEY: &[(&str, &str)] = &[("Idempotency-Key", "skapa-bun")];

/// A service process, stopped when dropped.
struct Instance {
    child: Child,
    base: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    listener.local_addr().expect("an address").port()
}

fn start(database_url: &str, log: &std::path::Path) -> Instance {
    let port = free_port();
    let log = std::fs::File::create(log).expect("a log file");
    let child = Command::new(env!("CARGO_BIN_EXE_malstyrning"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("JWT_SECRET", crate::common::SECRET)
        .env("WORKERS", "2")
        .env("DB_POOL_SIZE", "8")
        .env("CACHE_SYNC_MS", CACHE_SYNC_MS.to_string())
        .env("RATE_LIMIT_PER_MINUTE", "0")
        // The webhook receiver listens on loopback.
        .env("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the service starts");
    Instance {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

async fn ready(client: &awc::Client, instance: &mut Instance) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = instance.child.try_wait() {
            panic!("{} stopped at start: {status}", instance.base);
        }
        let answered = client
            .get(format!("{}/health/ready", instance.base))
            .send()
            .await;
        if answered.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        assert!(Instant::now() < deadline, "{} is not ready", instance.base);
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A webhook receiver on 127.0.0.1 that answers 200 to everything and reports each
/// delivery's id.
fn receiver() -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().expect("a stream"));
            let Ok((headers, _)) = crate::common::read_request(&mut reader) else {
                continue;
            };
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let delivery = headers
                .get("malstyrning-delivery")
                .cloned()
                .unwrap_or_default();
            if tx.send(delivery).is_err() {
                return;
            }
        }
    });
    (port, rx)
}

/// The whole change feed, read through one instance.
async fn feed(client: &awc::Client, base: &str, token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = String::new();
    loop {
        let page = http(
            client,
            Method::GET,
            &format!("{base}/api/v1/changes?limit=500{after}"),
            token,
            &[],
            None,
        )
        .await
        .expect(200);
        let items = page["items"].as_array().cloned().expect("items");
        if items.is_empty() {
            return all;
        }
        all.extend(items);
        let cursor = page["next_cursor"].as_str().expect("a cursor");
        after = format!("&after={cursor}");
    }
}

fn seq(change: &Value) -> i64 {
    change["cursor"]
        .as_str()
        .and_then(|c| c.parse().ok())
        .expect("a numeric cursor")
}

#[actix_rt::test]
#[cfg_attr(not(postgres_tests), ignore = "set TEST_DATABASE_URL to run it")]
async fn two_processes_over_one_database_behave_as_one() {
    let (url, database) =
        crate::common::postgres_database("two_instances").expect("TEST_DATABASE_URL is set");
    let name = url
        .rsplit('/')
        .next()
        .unwrap_or("two_instances")
        .to_string();
    let logs = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&logs).expect("a log directory");

    // Both at the same moment on an empty database: each runs the migrations at start.
    let mut a = start(&url, &logs.join("a.log"));
    let mut b = start(&url, &logs.join("b.log"));
    let client = client();
    ready(&client, &mut a).await;
    ready(&client, &mut b).await;
    let outcome = behave_as_one(&client, &url, &a.base, &b.base).await;
    drop((a, b, database));
    let _ = std::fs::remove_dir_all(&logs);
    println!("{outcome}");
}

async fn behave_as_one(client: &awc::Client, database_url: &str, a: &str, b: &str) -> String {
    let org = uuid::Uuid::new_v4().to_string();
    // The operator registers the organization, as docs/api.md says.
    let registered = Command::new(env!("CARGO_BIN_EXE_malstyrning"))
        .args([
            "organizations",
            "register",
            "--code",
            "0683",
            "--name",
            "Testkommun",
        ])
        .args(["--id", &org])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the command runs");
    assert!(
        registered.status.success(),
        "{}",
        String::from_utf8_lossy(&registered.stderr)
    );
    let admin = issue_token(&org, &["admin"]);
    let send = |base: &str,
                method: Method,
                path: &str,
                headers: &'static [(&'static str, &'static str)],
                body: Option<Value>| {
        let url = format!("{base}{path}");
        let admin = admin.clone();
        async move { http(client, method, &url, &admin, headers, body.as_ref()).await }
    };
    let (port, delivered) = receiver();
    send(
        b,
        Method::POST,
        "/api/v1/webhook-subscriptions",
        &[],
        Some(json!({
            "url": format!("http://127.0.0.1:{port}/hook"), "event_types": ["unit.*"],
            "secret": "hemlig-nyckel-för-test", "description": "Mottagaren"
        })),
    )
    .await
    .expect(201);
    let start_feed = feed(client, a, &admin).await;
    let latest = start_feed
        .last()
        .map(seq)
        .expect("the organization's changes");

    // An Idempotency-Key used on A, retried on B: B replays A's answer.
    let unit = json!({"kind": "board", "name": "Barn- och utbildningsnämnden"});
    let first = send(a, Method::POST, "/api/v1/units", KEY, Some(unit.clone())).await;
    let first_body = first.expect(201);
    let retry = send(b, Method::POST, "/api/v1/units", KEY, Some(unit.clone())).await;
    assert_eq!(retry.expect(201), first_body);
    assert_eq!(
        retry.header("idempotency-replayed").as_deref(),
        Some("true")
    );
    let other = send(
        b,
        Method::POST,
        "/api/v1/units",
        KEY,
        Some(json!({"kind": "board", "name": "Annan"})),
    )
    .await;
    other.problem(422);

    // Writes to both at once, while a consumer follows the feed through B.
    let writes = join_all((0..WRITES).map(|i| {
        let base = if i % 2 == 0 { a } else { b };
        send(
            base,
            Method::POST,
            "/api/v1/units",
            &[],
            Some(json!({"kind": "team", "name": format!("Arbetslag {i}")})),
        )
    }));
    let follow = async {
        let mut seen: Vec<Value> = Vec::new();
        let mut cursor = latest.to_string();
        let deadline = Instant::now() + Duration::from_secs(60);
        while seen.len() < WRITES + 1 && Instant::now() < deadline {
            let page = http(
                client,
                Method::GET,
                &format!("{b}/api/v1/changes?after={cursor}&limit=7"),
                &admin,
                &[],
                None,
            )
            .await
            .expect(200);
            let items = page["items"].as_array().cloned().unwrap_or_default();
            if let Some(last) = items.last() {
                cursor = last["cursor"].as_str().expect("a cursor").to_string();
            } else {
                actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            }
            seen.extend(items);
        }
        seen
    };
    let (written, followed): (Vec<Resp>, Vec<Value>) = futures_util::join!(writes, follow);
    let statuses: BTreeMap<u16, usize> = written.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.status).or_default() += 1;
        m
    });
    assert_eq!(statuses, BTreeMap::from([(201, WRITES)]));

    // The feed through A and through B: the same, in order, without gaps, each write once.
    let through_a = feed(client, a, &admin).await;
    let through_b = feed(client, b, &admin).await;
    assert_eq!(through_a, through_b);
    let numbers: Vec<i64> = through_a.iter().map(seq).collect();
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "the numbers run without gaps: {numbers:?}"
    );
    let created: Vec<&Value> = through_a
        .iter()
        .filter(|c| c["entity_type"] == "unit" && c["action"] == "create")
        .collect();
    assert_eq!(
        created.len(),
        WRITES + 1,
        "the key's unit once, and every write"
    );
    for response in &written {
        let id = response.json()["id"].clone();
        assert_eq!(created.iter().filter(|c| c["entity_id"] == id).count(), 1);
    }
    // The consumer that followed during the writes saw exactly what is there now.
    let after_latest: Vec<&Value> = through_a.iter().filter(|c| seq(c) > latest).collect();
    assert_eq!(followed.iter().collect::<Vec<_>>(), after_latest);

    // Every unit event once at the receiver, though both instances send deliveries.
    let mut deliveries: BTreeMap<String, usize> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while deliveries.len() < WRITES + 1 && Instant::now() < deadline {
        match delivered.try_recv() {
            Ok(id) => *deliveries.entry(id).or_default() += 1,
            Err(_) => actix_web::rt::time::sleep(Duration::from_millis(50)).await,
        }
    }
    // Anything sent twice arrives shortly after the first.
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
    while let Ok(id) = delivered.try_recv() {
        *deliveries.entry(id).or_default() += 1;
    }
    assert_eq!(deliveries.len(), WRITES + 1, "one delivery per unit event");
    assert!(deliveries.values().all(|n| *n == 1), "{deliveries:?}");

    // A public answer cached by B follows a change made through A.
    let public = |base: &str| {
        let url = format!("{base}/api/v1/public/0683");
        async move {
            http(client, Method::GET, &url, "", &[], None)
                .await
                .expect(200)
        }
    };
    assert_eq!(public(b).await["name"], "Testkommun");
    // The operator renames the organization from a third process: a write made elsewhere.
    let renamed = Command::new(env!("CARGO_BIN_EXE_malstyrning"))
        .args([
            "organizations",
            "set",
            "--org",
            &org,
            "--name",
            "Värnamo kommun",
        ])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the command runs");
    assert!(
        renamed.status.success(),
        "{}",
        String::from_utf8_lossy(&renamed.stderr)
    );
    let changed = Instant::now();
    while public(b).await["name"] != "Värnamo kommun" {
        assert!(
            changed.elapsed() < Duration::from_secs(10),
            "B still answers the old name"
        );
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    let seen_after = changed.elapsed();

    format!(
        "two instances: both migrated and started together; an Idempotency-Key used on A was replayed by B; \
         {WRITES} concurrent creates over A and B: {statuses:?}; the feed through A and B identical, {} changes \
         numbered {}–{} without gaps; a consumer following through B during the writes saw all {} in order; \
         {} webhook deliveries, each once; B's cached public answer followed A's write after {} ms (CACHE_SYNC_MS={CACHE_SYNC_MS})",
        numbers.len(),
        numbers.first().copied().unwrap_or_default(),
        numbers.last().copied().unwrap_or_default(),
        followed.len(),
        deliveries.len(),
        seen_after.as_millis()
    )
}
