//! `/api/v1/audit`: the append-only trail of every write (admin only).

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::extract::QueryParams;
use crate::api::{page_request, Page};
use crate::auth::Caller;
use crate::db::types::Id;
use crate::error::AppResult;
use crate::rules::permissions::Action;
use crate::store::audit::{self, AuditEntry, AuditFilter};
use crate::store::Store;

/// Filters for reading the audit trail.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditListParams {
    /// Only entries about this kind of record (`goal`, `activity`, …).
    #[param(format = "text:query")]
    pub entity_type: Option<String>,
    /// Only entries about this record.
    pub entity_id: Option<Id>,
    /// Only writes by this subject (the token's `sub`).
    #[param(format = "text:query")]
    pub actor: Option<String>,
    /// Only writes at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only writes before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

/// Read the audit trail, oldest first (admin).
#[utoipa::path(
    tag = "audit",
    params(AuditListParams),
    responses(
        (status = 200, description = "One page of entries, oldest first", body = Page<AuditEntry>),
        (status = 400, description = "A bad query parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins read the audit trail", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn list_audit_entries(
    store: web::Data<Store>,
    caller: Caller,
    params: QueryParams<AuditListParams>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ReadAudit)?;
    let params = params.0;
    let page = page_request(params.limit, params.cursor.as_deref(), None)?;
    let limit = page.limit;
    let org = caller.organization_id.clone();
    let filter = AuditFilter {
        entity_type: params.entity_type,
        entity_id: params.entity_id,
        actor: params.actor,
        from: params.from.map(|t| t.naive_utc()),
        to: params.to.map(|t| t.naive_utc()),
    };
    let rows = store
        .run(move |conn| Ok(audit::list(conn, &org, &filter, &page)?))
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, limit, |entry| &entry.id)))
}
