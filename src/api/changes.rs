//! `/api/v1/changes`: the change feed. Every create, update, archive, unarchive and delete of
//! every resource of the caller's organization, in commit order, with the new state or a
//! tombstone; a consumer resumes from the cursor of the last change it applied.

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::QueryParams;
use crate::api::page_limit;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::{self, Action, Role};
use crate::store::changes::{self, Change};
use crate::store::Store;

/// Where to read from.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangeParams {
    /// The `cursor` of the last change applied (or a page's `next_cursor`); from the start when
    /// left out. `latest` answers no changes and the newest cursor: take it *before* reading
    /// the current state, then follow the feed from it.
    #[param(format = "text:query")]
    pub after: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// One page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    /// Oldest first.
    pub items: Vec<Change>,
    /// Pass as `after` next time: the last change's cursor, or the one given when nothing
    /// new has come (poll again later).
    pub next_cursor: Option<String>,
    /// More changes are waiting right now.
    pub has_more: bool,
}

/// Read the change feed, oldest first. A cursor older than the retention period answers 410:
/// the consumer must resynchronize from a full read (or an export) and continue from the
/// newest cursor.
#[utoipa::path(
    tag = "changes",
    params(ChangeParams),
    responses(
        (status = 200, description = "One page of changes, in commit order", body = ChangePage),
        (status = 400, description = "A bad cursor or limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow this", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "The cursor is older than the feed keeps (see `CHANGE_RETENTION_DAYS`)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/changes")]
pub async fn list_changes(
    store: web::Data<Store>,
    caller: Caller,
    params: QueryParams<ChangeParams>,
) -> AppResult<HttpResponse> {
    caller.require(Action::Read)?;
    let params = params.0;
    let limit = page_limit(params.limit)?;
    let org = caller.organization_id.clone();
    if params.after.as_deref() == Some("latest") {
        let page = store
            .run(move |conn| {
                Ok(ChangePage {
                    items: Vec::new(),
                    next_cursor: Some(changes::latest(conn, &org)?.to_string()),
                    has_more: false,
                })
            })
            .await?;
        return Ok(HttpResponse::Ok().json(page));
    }
    let after = match &params.after {
        None => 0,
        Some(cursor) => cursor
            .parse::<i64>()
            .ok()
            .filter(|seq| *seq >= 0)
            .ok_or_else(|| AppError::bad_request("after", "is not a cursor this feed returned"))?,
    };
    let roles = caller.roles.clone();
    let page = store
        .run(move |conn| {
            if after < changes::horizon(conn, &org)? {
                return Err(AppError::Gone(
                    "changes after this cursor have been pruned: read the current state again and continue from the newest cursor".into(),
                ));
            }
            let mut rows = changes::after(conn, &org, after, limit)?;
            let has_more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next_cursor = rows
                .last()
                .map(|r| r.seq.to_string())
                .or(params.after);
            // The cursor moves past what the caller may not read; the page only shows it less.
            rows.retain(|row| readable_kind(&roles, &row.entity_type));
            Ok(ChangePage {
                items: rows.into_iter().map(Change::from).collect(),
                next_cursor,
                has_more,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Whether the caller may read records of this kind through the API (`permissions::read_action`):
/// the feed shows a reader nothing its reads would not. A kind this build does not know is
/// shown to no one.
fn readable_kind(roles: &[Role], entity_type: &str) -> bool {
    permissions::Kind::named(entity_type)
        .is_some_and(|kind| permissions::allows(roles, permissions::read_action(kind)))
}
