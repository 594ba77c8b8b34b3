//! `GET /metrics`: served only with `METRICS_TOKEN`, in the Prometheus text format, with
//! requests counted per route template (never per id), the pool, the webhook backlog and
//! the answer cache.

use std::collections::HashMap;

use crate::common::TestApp;
use actix_web::http::Method;
use serde_json::json;

backend_tests!(
    metrics_are_served_to_no_one_without_a_token,
    metrics_need_the_metrics_token,
    requests_are_counted_per_route_template_and_status,
    the_pool_the_webhook_backlog_and_the_cache_are_shown,
);

const TOKEN: &str = "metrics-token-for-tests-0123456789";

async fn scrape(app: &TestApp, token: Option<&str>) -> crate::common::Resp {
    app.send(Method::GET, "/metrics", token, None, &[]).await
}

/// The samples of a scrape, by `name{labels}` as written; asserts that every line is a
/// comment or `name{labels} value` with a number, that each sample's family was declared
/// with `# TYPE` before it, and that histogram buckets add up.
fn parse(text: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    let mut declared: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().expect("a name").to_string();
            let kind = parts.next().expect("a type");
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            declared.push(name);
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("not `name value`: {line}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        let name = series.split('{').next().unwrap_or_default();
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "not a metric name: {line}"
        );
        if let Some(labels) = series.strip_prefix(name) {
            if !labels.is_empty() {
                assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
                for pair in labels[1..labels.len() - 1].split("\",") {
                    let (key, quoted) = pair.split_once("=\"").unwrap_or_else(|| panic!("{line}"));
                    assert!(
                        key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                        "{line}"
                    );
                    assert!(!quoted.trim_end_matches('"').contains('"'), "{line}");
                }
            }
        }
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .filter(|f| declared.iter().any(|d| d == f))
            .unwrap_or(name);
        assert!(
            declared.iter().any(|d| d == family),
            "no # TYPE before {line}"
        );
        assert!(
            samples.insert(series.to_string(), value).is_none(),
            "{series} twice"
        );
    }
    // Each histogram's +Inf bucket is its count, and its requests_total the same.
    for (series, value) in &samples {
        if let Some(labels) = series.strip_prefix("malstyrning_http_request_duration_seconds_count")
        {
            let inf = format!(
                "malstyrning_http_request_duration_seconds_bucket{},le=\"+Inf\"}}",
                labels.trim_end_matches('}')
            );
            assert_eq!(samples.get(&inf), Some(value), "{inf}");
            let total = format!("malstyrning_http_requests_total{labels}");
            assert_eq!(samples.get(&total), Some(value), "{total}");
        }
    }
    samples
}

fn count(samples: &HashMap<String, f64>, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}

async fn metrics_are_served_to_no_one_without_a_token(app: TestApp) {
    // The default: no METRICS_TOKEN, so not even an admin of an organization reads them.
    scrape(&app, None).await.problem(404);
    scrape(&app, Some(&app.admin())).await.problem(404);
    scrape(&app, Some(TOKEN)).await.problem(404);
}

async fn metrics_need_the_metrics_token(app: TestApp) {
    let app = app.with_metrics_token(TOKEN).await;
    for token in [None, Some(app.admin()), Some(format!("{TOKEN}x"))] {
        let refused = scrape(&app, token.as_deref()).await;
        refused.problem(401);
        assert!(refused.header("www-authenticate").is_some());
    }
    let served = scrape(&app, Some(TOKEN)).await;
    assert_eq!(served.status, 200, "{}", served.text());
    assert_eq!(
        served.content_type(),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(served.header("cache-control").as_deref(), Some("no-store"));
    parse(&served.text());
}

async fn requests_are_counted_per_route_template_and_status(app: TestApp) {
    let app = app.with_metrics_token(TOKEN).await;
    let m = app.model().await;
    let admin = app.admin();
    let mut ids = Vec::new();
    for title in ["Trygghetsvandring", "Föräldramöte"] {
        ids.push(
            app.create(
                "/api/v1/activities",
                json!({"team_id": m.team, "goal_id": m.goal, "title": title}),
            )
            .await,
        );
    }
    let one = "malstyrning_http_requests_total{method=\"GET\",route=\"/api/v1/activities/{id}\",status=\"200\"}";
    let missing = "malstyrning_http_requests_total{method=\"GET\",route=\"/api/v1/activities/{id}\",status=\"404\"}";
    let created = "malstyrning_http_requests_total{method=\"POST\",route=\"/api/v1/activities\",status=\"201\"}";
    let unmatched =
        "malstyrning_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}";
    let before = parse(&scrape(&app, Some(TOKEN)).await.text());
    assert_eq!(count(&before, created), 2.0);

    for id in &ids {
        app.get(&format!("/api/v1/activities/{id}"), &admin)
            .await
            .expect(200);
    }
    app.get(&format!("/api/v1/activities/{}", m.goal), &admin)
        .await
        .problem(404);
    app.get("/api/v1/no-such-thing/1234", &admin)
        .await
        .problem(404);
    let text = scrape(&app, Some(TOKEN)).await.text();
    let after = parse(&text);
    assert_eq!(count(&after, one) - count(&before, one), 2.0, "{text}");
    assert_eq!(count(&after, missing) - count(&before, missing), 1.0);
    assert_eq!(count(&after, unmatched) - count(&before, unmatched), 1.0);
    let scrapes =
        "malstyrning_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}";
    assert_eq!(count(&after, scrapes), 1.0, "the scrape before this one");
    // Ids and unknown paths never become labels.
    for id in ids.iter().chain([&m.goal]) {
        assert!(!text.contains(id.as_str()), "{id} in the metrics");
    }
    assert!(!text.contains("no-such-thing"));
    let latency = "malstyrning_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/activities/{id}\",status=\"200\",le=\"+Inf\"}";
    assert!(count(&after, latency) >= 2.0, "{text}");
}

async fn the_pool_the_webhook_backlog_and_the_cache_are_shown(app: TestApp) {
    let app = app.with_metrics_token(TOKEN).await;
    let before = parse(&scrape(&app, Some(TOKEN)).await.text());
    assert_eq!(count(&before, "malstyrning_db_pool_max_connections"), 4.0);
    let in_use = count(&before, "malstyrning_db_pool_connections{state=\"in_use\"}");
    let idle = count(&before, "malstyrning_db_pool_connections{state=\"idle\"}");
    assert!(
        in_use + idle >= 1.0 && in_use + idle <= 4.0,
        "{in_use} {idle}"
    );
    assert_eq!(count(&before, "malstyrning_database_up"), 1.0);
    assert_eq!(
        count(&before, "malstyrning_webhook_deliveries_pending"),
        0.0
    );

    // No worker runs in the tests, so every matching change waits as a delivery.
    app.post(
        "/api/v1/webhook-subscriptions",
        &app.admin(),
        json!({"url": "http://127.0.0.1:9/hook", "event_types": ["unit.*"],
               "secret": "a-webhook-secret-of-some-length"}),
    )
    .await
    .expect(201);
    for name in ["Barn- och utbildningsnämnden", "Socialnämnden"] {
        app.create("/api/v1/units", json!({"kind": "board", "name": name}))
            .await;
    }
    let period = app
        .create(
            "/api/v1/plan-periods",
            json!({"name": "Mandatperioden 2011–2014", "start_date": "2011-01-01", "end_date": "2014-12-31"}),
        )
        .await;
    let tree = format!("/api/v1/plan-periods/{period}/goal-tree");
    let before = parse(&scrape(&app, Some(TOKEN)).await.text());
    for _ in 0..3 {
        app.get(&tree, &app.admin()).await.expect(200);
    }
    let after = parse(&scrape(&app, Some(TOKEN)).await.text());
    assert_eq!(count(&after, "malstyrning_webhook_deliveries_pending"), 2.0);
    let hits = "malstyrning_cache_hits_total";
    let misses = "malstyrning_cache_misses_total";
    assert_eq!(count(&after, misses) - count(&before, misses), 1.0);
    assert_eq!(count(&after, hits) - count(&before, hits), 2.0);
    assert!(count(&after, "malstyrning_cache_bytes") > 0.0);
}
