//! Liveness and readiness probes (no token needed).

use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppResult;
use crate::store::Store;

/// A probe's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// The process is up.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive", body = Health)), security(()))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// The process is up and its database answers.
#[utoipa::path(tag = "health", responses(
    (status = 200, description = "Ready", body = Health),
    (status = 503, description = "The database does not answer", body = crate::error::Problem, content_type = "application/problem+json"),
), security(()))]
#[get("/health/ready")]
pub async fn ready(store: web::Data<Store>) -> AppResult<HttpResponse> {
    store
        .run(|conn| {
            conn.batch_execute("SELECT 1").map_err(|e| {
                log::warn!("readiness check failed: {e}");
                crate::error::AppError::Unavailable("the database does not answer".into())
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
    }))
}
