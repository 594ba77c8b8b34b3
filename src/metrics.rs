//! Prometheus metrics: requests and their latency per route template, method and status,
//! the database pool, the webhook backlog and the answer cache, rendered in the text
//! exposition format by `GET /metrics` (`src/api/metrics.rs`).
//!
//! Counting a request costs a hash lookup of its route template in a table built once
//! and a few relaxed atomic additions: no lock. The table holds the routes of the OpenAPI
//! document (and the docs page), so ids never become labels; anything else is counted
//! under `route="unmatched"`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web;
use sha2::{Digest, Sha256};
use utoipa::openapi::OpenApi as OpenApiDoc;

/// The route label of a request that matched none of the known routes.
pub const UNMATCHED: &str = "unmatched";

/// Upper bounds of the latency buckets, in microseconds (1 ms … 10 s).
const BUCKETS_MICROS: [u64; 12] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    10_000_000,
];

/// The statuses counted under their own code; any other is counted as `other`.
const STATUSES: [u16; 31] = [
    200, 201, 202, 204, 206, 301, 302, 304, 307, 308, 400, 401, 403, 404, 405, 406, 409, 410, 411,
    412, 413, 414, 415, 416, 422, 428, 429, 431, 500, 502, 503,
];

/// The methods a series is kept for; any other counts as `other`.
const METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other",
];

/// Routes served outside the OpenAPI document.
const UNDOCUMENTED_ROUTES: [&str; 3] = ["/api/v1/openapi.json", "/docs", "/docs/{_:.*}"];

/// Times the pool could not hand out a connection in time (the database away or
/// overloaded). Counted where the error is mapped to 503, for every pool of the process.
static POOL_TIMEOUTS: AtomicU64 = AtomicU64::new(0);

/// Notes that a request waited for a database connection in vain.
pub fn pool_timed_out() {
    POOL_TIMEOUTS.fetch_add(1, Ordering::Relaxed);
}

/// One latency histogram (and so one count) of a route, method and status.
#[derive(Default)]
struct Histogram {
    /// Requests per bucket (not cumulative; summed when rendered); the last is over 10 s.
    buckets: [AtomicU64; BUCKETS_MICROS.len() + 1],
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let bucket = BUCKETS_MICROS
            .iter()
            .position(|&bound| micros <= bound)
            .unwrap_or(BUCKETS_MICROS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// The histograms of one route and method, one per status, made on first use.
#[derive(Default)]
struct Series {
    statuses: [OnceLock<Box<Histogram>>; STATUSES.len() + 1],
}

/// The series of one route, per method.
#[derive(Default)]
struct Route {
    methods: [Series; METHODS.len()],
}

/// The metrics of one service process, shared by its workers (cloning shares them).
#[derive(Clone, Default)]
pub struct Metrics {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// SHA-256 of `METRICS_TOKEN`; `None` keeps `/metrics` closed (404).
    token: Option<[u8; 32]>,
    /// Route template → its series; filled once, from the OpenAPI document.
    routes: OnceLock<HashMap<String, Route>>,
    unmatched: Route,
}

impl Metrics {
    /// Metrics served to callers that present `token` as a bearer token; `None` serves
    /// them to no one (they are still counted).
    pub fn new(token: Option<&str>) -> Metrics {
        Metrics {
            inner: Arc::new(Inner {
                token: token.map(|t| Sha256::digest(t.as_bytes()).into()),
                ..Inner::default()
            }),
        }
    }

    /// Whether `/metrics` is served at all.
    pub fn enabled(&self) -> bool {
        self.inner.token.is_some()
    }

    /// Whether `presented` is the configured token. Compares digests in constant time, so
    /// the answer's timing says nothing about how much of a guess was right.
    pub fn accepts(&self, presented: &str) -> bool {
        let Some(expected) = &self.inner.token else {
            return false;
        };
        let given: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        given
            .iter()
            .zip(expected)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
    }

    /// Makes the table of routes from the document the app serves; later calls (every
    /// worker builds its app) change nothing.
    pub fn register_routes(&self, doc: &OpenApiDoc) {
        self.inner.routes.get_or_init(|| {
            doc.paths
                .paths
                .keys()
                .map(String::as_str)
                .chain(UNDOCUMENTED_ROUTES)
                .map(|path| (path.to_string(), Route::default()))
                .collect()
        });
    }

    /// Counts one answered request.
    pub fn observe(
        &self,
        method: &Method,
        route: Option<&str>,
        status: StatusCode,
        took: Duration,
    ) {
        let route = route
            .and_then(|r| self.inner.routes.get().and_then(|routes| routes.get(r)))
            .unwrap_or(&self.inner.unmatched);
        let method = METHODS
            .iter()
            .position(|m| *m == method.as_str())
            .unwrap_or(METHODS.len() - 1);
        let status = STATUSES
            .iter()
            .position(|s| *s == status.as_u16())
            .unwrap_or(STATUSES.len());
        route.methods[method].statuses[status]
            .get_or_init(Box::default)
            .observe(took);
    }

    /// The request metrics in the text exposition format.
    fn render_requests(&self, out: &mut String) {
        let mut rows = Vec::new();
        let unmatched = UNMATCHED.to_string();
        let routes = self.inner.routes.get().into_iter().flatten();
        for (name, route) in routes.chain([(&unmatched, &self.inner.unmatched)]) {
            for (method, series) in METHODS.iter().zip(&route.methods) {
                for (i, slot) in series.statuses.iter().enumerate() {
                    if let Some(histogram) = slot.get() {
                        let status = STATUSES.get(i).map_or("other".to_string(), u16::to_string);
                        let labels = format!(
                            "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                            escape(name)
                        );
                        rows.push((labels, histogram));
                    }
                }
            }
        }
        // A stable order, so that two scrapes compare line by line.
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        header(
            out,
            "malstyrning_http_requests_total",
            "counter",
            "Requests answered, by method, route template and status.",
        );
        for (labels, histogram) in &rows {
            let count: u64 = histogram
                .buckets
                .iter()
                .map(|b| b.load(Ordering::Relaxed))
                .sum();
            let _ = writeln!(out, "malstyrning_http_requests_total{{{labels}}} {count}");
        }
        header(
            out,
            "malstyrning_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival to its answer's head, by method, route template and status.",
        );
        for (labels, histogram) in &rows {
            let mut cumulative = 0;
            for (i, bucket) in histogram.buckets.iter().enumerate() {
                cumulative += bucket.load(Ordering::Relaxed);
                let le = BUCKETS_MICROS
                    .get(i)
                    .map_or("+Inf".to_string(), |b| seconds(*b));
                let _ = writeln!(
                    out,
                    "malstyrning_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                );
            }
            let sum = seconds(histogram.sum_micros.load(Ordering::Relaxed));
            let _ = writeln!(
                out,
                "malstyrning_http_request_duration_seconds_sum{{{labels}}} {sum}\n\
                 malstyrning_http_request_duration_seconds_count{{{labels}}} {cumulative}"
            );
        }
    }

    /// Everything, with what was read at scrape time.
    pub fn render(&self, now: &Snapshot) -> String {
        let mut out = String::with_capacity(16 * 1024);
        self.render_requests(&mut out);
        gauge(
            &mut out,
            "malstyrning_db_pool_connections",
            "Database connections of this instance's pool, by state.",
            &[
                ("state=\"in_use\"", now.pool_in_use.to_string()),
                ("state=\"idle\"", now.pool_idle.to_string()),
            ],
        );
        gauge(
            &mut out,
            "malstyrning_db_pool_max_connections",
            "The most connections the pool opens (DB_POOL_SIZE).",
            &[("", now.pool_max.to_string())],
        );
        header(
            &mut out,
            "malstyrning_db_pool_timeouts_total",
            "counter",
            "Requests answered 503 because no database connection could be had in time.",
        );
        let _ = writeln!(
            out,
            "malstyrning_db_pool_timeouts_total {}",
            POOL_TIMEOUTS.load(Ordering::Relaxed)
        );
        gauge(
            &mut out,
            "malstyrning_database_up",
            "Whether the database answered this scrape's query (1) or not (0).",
            &[("", u8::from(now.backlog.is_some()).to_string())],
        );
        if let Some(backlog) = &now.backlog {
            gauge(
                &mut out,
                "malstyrning_webhook_deliveries_pending",
                "Webhook deliveries waiting for their first or next attempt, all organizations.",
                &[("", backlog.pending.to_string())],
            );
            gauge(
                &mut out,
                "malstyrning_webhook_oldest_pending_age_seconds",
                "How long the oldest pending webhook delivery has waited (0 when none waits).",
                &[("", backlog.oldest_pending_seconds.to_string())],
            );
        }
        let cache = &now.cache;
        for (name, help, value) in [
            (
                "malstyrning_cache_hits_total",
                "Reads answered from the answer cache.",
                cache.hits,
            ),
            (
                "malstyrning_cache_misses_total",
                "Cacheable reads computed from the database.",
                cache.misses,
            ),
        ] {
            header(&mut out, name, "counter", help);
            let _ = writeln!(out, "{name} {value}");
        }
        gauge(
            &mut out,
            "malstyrning_cache_bytes",
            "Bytes of answers kept in the answer cache.",
            &[("", cache.bytes.to_string())],
        );
        gauge(
            &mut out,
            "malstyrning_cache_max_bytes",
            "The answer cache's size (CACHE_MB; 0 when it is off).",
            &[("", cache.max_bytes.to_string())],
        );
        out
    }
}

/// What `/metrics` reads besides the request counts, at the moment of a scrape.
pub struct Snapshot {
    pub pool_in_use: u32,
    pub pool_idle: u32,
    pub pool_max: u32,
    /// `None` when the database did not answer.
    pub backlog: Option<crate::store::webhooks::Backlog>,
    pub cache: crate::cache::CacheStats,
}

/// Counts every request the app answers; `App::wrap(from_fn(track))`, outermost, so the
/// latency includes every middleware.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().clone();
    let result = next.call(req).await;
    if let Some(metrics) = metrics {
        match &result {
            Ok(response) => {
                let route = response.request().match_pattern();
                metrics.observe(
                    &method,
                    route.as_deref(),
                    response.status(),
                    started.elapsed(),
                );
            }
            Err(error) => metrics.observe(
                &method,
                None,
                error.as_response_error().status_code(),
                started.elapsed(),
            ),
        }
    }
    result
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, values: &[(&str, String)]) {
    header(out, name, "gauge", help);
    for (labels, value) in values {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

/// Microseconds as seconds, without trailing zeros (`0.0025`, `10`).
fn seconds(micros: u64) -> String {
    let text = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A label value as the exposition format quotes it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_bounds_read_as_seconds() {
        assert_eq!(seconds(1_000), "0.001");
        assert_eq!(seconds(2_500), "0.0025");
        assert_eq!(seconds(10_000_000), "10");
        assert_eq!(seconds(0), "0");
    }

    #[test]
    fn a_request_lands_in_its_bucket_and_the_buckets_add_up() {
        let metrics = Metrics::new(None);
        let route = Some("/x");
        for millis in [0, 3, 3, 20_000] {
            metrics.observe(
                &Method::GET,
                route,
                StatusCode::OK,
                Duration::from_millis(millis),
            );
        }
        let mut out = String::new();
        metrics.render_requests(&mut out);
        let labels = "method=\"GET\",route=\"unmatched\",status=\"200\"";
        for (le, count) in [
            ("0.001", 1),
            ("0.0025", 1),
            ("0.005", 3),
            ("10", 3),
            ("+Inf", 4),
        ] {
            let line = format!(
                "malstyrning_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {count}\n"
            );
            assert!(out.contains(&line), "{line} in\n{out}");
        }
        assert!(out.contains(&format!("malstyrning_http_requests_total{{{labels}}} 4\n")));
        assert!(out.contains(&format!(
            "malstyrning_http_request_duration_seconds_sum{{{labels}}} 20.006\n"
        )));
    }

    #[test]
    fn only_the_configured_token_is_accepted() {
        let metrics = Metrics::new(Some("a-long-metrics-token-0123456789"));
        assert!(metrics.accepts("a-long-metrics-token-0123456789"));
        assert!(!metrics.accepts("a-long-metrics-token-012345678"));
        assert!(!metrics.accepts(""));
        assert!(!Metrics::new(None).accepts(""));
    }
}
