//! `GET …/revisions` and `?as_of=DATE` of goals, department goals, visions and indicators;
//! the life cycle and the revisions themselves are the domain's (`crate::domain::revisions`).

use actix_web::http::header;
use actix_web::HttpResponse;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use crate::domain::revisions::*;

use crate::api::extract::NoCache;
use crate::auth::Caller;
use crate::db::types::Id;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Action;
use crate::store::revisions::{self, Revision};
use crate::store::Store;

/// `?as_of=` on a goal, department goal, vision or indicator read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AsOfParams {
    /// Answer with the version in force on this day (its adopted revision's snapshot);
    /// 404 when none was.
    pub as_of: Option<NaiveDate>,
}

/// The record now, or the snapshot of the revision in force on `as_of`, with
/// `Content-Location` naming the revision.
pub async fn get_as_of<R: Revised>(
    store: &Store,
    caller: &Caller,
    id: Id,
    as_of: Option<NaiveDate>,
    no_cache: NoCache,
) -> AppResult<HttpResponse> {
    let Some(day) = as_of else {
        return crate::api::get::<R>(store, caller, id, no_cache).await;
    };
    caller.require(Action::Read)?;
    let org = caller.organization_id.clone();
    let revision = store
        .run(move |conn| {
            R::find(conn, &org, &id)?.ok_or_else(|| AppError::not_found(R::KIND.noun()))?;
            revisions::in_force(conn, &org, R::ENTITY, &id, day)?.ok_or_else(|| {
                AppError::NotFound(format!("the {} was not in force on {day}", R::KIND.noun()))
            })
        })
        .await?;
    let mut body = revision.snapshot.value();
    if let Some(object) = body.as_object_mut() {
        object.insert("revision".into(), serde_json::json!(revision.number));
        object.insert("valid_from".into(), serde_json::json!(revision.valid_from));
        object.insert("valid_to".into(), serde_json::json!(revision.valid_to));
    }
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_LOCATION,
            format!(
                "{}/{}/revisions/{}",
                R::PATH,
                revision.entity_id,
                revision.number
            ),
        ))
        .json(body))
}

/// The revisions of one record, oldest first.
pub async fn list<R: Revised>(store: &Store, caller: &Caller, id: Id) -> AppResult<HttpResponse> {
    caller.require(Action::Read)?;
    let org = caller.organization_id.clone();
    let rows = store
        .run(move |conn| {
            R::find(conn, &org, &id)?.ok_or_else(|| AppError::not_found(R::KIND.noun()))?;
            Ok(revisions::of_entity(conn, &org, R::ENTITY, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RevisionList { items: rows }))
}

/// The revisions of a goal, department goal, vision or indicator, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    pub items: Vec<Revision>,
}

/// Generates the `GET /{id}` (with `?as_of=`) and `GET /{id}/revisions` handlers of a governed
/// resource, documented in the OpenAPI spec. The invoking module imports `get` from actix_web.
#[macro_export]
macro_rules! governed_endpoints {
    (
        record: $record:ty,
        tag: $tag:literal,
        item: $item:literal,
        revisions: $revisions:literal,
        get: $get_fn:ident $get_doc:literal,
        list: $list_fn:ident $list_doc:literal $(,)?
    ) => {
        #[doc = $get_doc]
        #[utoipa::path(
            tag = $tag,
            params(("id" = uuid::Uuid, Path, description = "The record's id"), $crate::api::revisions::AsOfParams, $crate::api::extract::NoCache),
            responses(
                (status = 200, description = "The record (with `as_of`: the snapshot in force that day, with `revision`, `valid_from` and `valid_to`)", body = $record,
                    headers(("ETag" = String, description = "The record's version (without `as_of`)"), ("Content-Location" = String, description = "With `as_of`: the revision answered"))),
                (status = 400, description = "The id is not a UUID, or a bad `as_of`", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The caller's roles do not allow this", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such record in the caller's organization, or none in force on `as_of`", body = $crate::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        #[get($item)]
        pub async fn $get_fn(
            store: actix_web::web::Data<$crate::store::Store>,
            caller: $crate::auth::Caller,
            id: actix_web::web::Path<$crate::db::types::Id>,
            params: $crate::api::extract::QueryParams<$crate::api::revisions::AsOfParams>,
            no_cache: $crate::api::extract::NoCache,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::api::revisions::get_as_of::<$record>(&store, &caller, id.into_inner(), params.0.as_of, no_cache).await
        }

        #[doc = $list_doc]
        #[utoipa::path(
            tag = $tag,
            params(("id" = uuid::Uuid, Path, description = "The record's id")),
            responses(
                (status = 200, description = "The revisions, oldest first (none for a draft)", body = $crate::api::revisions::RevisionList),
                (status = 400, description = "The id is not a UUID", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The caller's roles do not allow this", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such record in the caller's organization", body = $crate::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        #[get($revisions)]
        pub async fn $list_fn(
            store: actix_web::web::Data<$crate::store::Store>,
            caller: $crate::auth::Caller,
            id: actix_web::web::Path<$crate::db::types::Id>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::api::revisions::list::<$record>(&store, &caller, id.into_inner()).await
        }
    };
}
