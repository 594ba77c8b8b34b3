//! `GET /metrics`: the Prometheus metrics of this instance, for the operators' monitoring.
//! Served only when `METRICS_TOKEN` is set, to callers that present it as a bearer token:
//! the counts span every organization, so no organization's token reads them.

use std::time::Duration;

use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::error::{AppError, AppResult};
use crate::metrics::{Metrics, Snapshot};
use crate::store::Store;

/// The content type of the Prometheus text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How long a scrape waits for a database connection: a scrape while the database is away
/// answers at once, with `malstyrning_database_up 0`.
const DATABASE_WAIT: Duration = Duration::from_secs(1);

/// The metrics in the Prometheus text format: requests and their latency by method, route
/// template and status; the database pool; the webhook backlog; the answer cache.
#[utoipa::path(tag = "metrics", responses(
    (status = 200, description = "The metrics, one `name{labels} value` a line (Prometheus text exposition format 0.0.4)",
        body = String, content_type = "text/plain; version=0.0.4; charset=utf-8"),
    (status = 401, description = "No bearer token, or not the `METRICS_TOKEN`", body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 404, description = "`METRICS_TOKEN` is not set: the metrics are served to no one", body = crate::error::Problem, content_type = "application/problem+json"),
), security(("metrics_token" = [])))]
#[get("/metrics")]
pub async fn get_metrics(
    req: HttpRequest,
    metrics: web::Data<Metrics>,
    store: web::Data<Store>,
) -> AppResult<HttpResponse> {
    if !metrics.enabled() {
        // As if there were no such route.
        return Err(AppError::NotFound("no route GET /metrics".into()));
    }
    if !metrics.accepts(crate::auth::bearer_token(&req)?) {
        return Err(AppError::Unauthorized(
            "the metrics need the `METRICS_TOKEN` as bearer token".into(),
        ));
    }
    let pool = store.pool.clone();
    let state = pool.state();
    let backlog = web::block(move || {
        let mut conn = pool.get_timeout(DATABASE_WAIT).ok()?;
        crate::store::webhooks::backlog(&mut conn, chrono::Utc::now().naive_utc()).ok()
    })
    .await
    .ok()
    .flatten();
    let snapshot = Snapshot {
        pool_in_use: state.connections.saturating_sub(state.idle_connections),
        pool_idle: state.idle_connections,
        pool_max: store.pool.max_size(),
        backlog,
        cache: store.cache.stats(),
    };
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(metrics.render(&snapshot)))
}
