//! HTTP: one file per resource with its request types and handlers. What every resource
//! shares (create, get, patch, archive, unarchive, delete, paging) is here, once.

pub mod activities;
pub mod activity_plan;
pub mod audit;
pub mod changes;
pub mod contacts;
pub mod department_goals;
pub mod extract;
pub mod follow_ups;
pub mod goal_tree;
pub mod goals;
pub mod health;
pub mod indicators;
pub mod kolada;
pub mod measurements;
pub mod metrics;
pub mod organizations;
pub mod perspectives;
pub mod plan_periods;
pub mod public;
pub mod public_results;
pub mod reporting_periods;
pub mod revisions;
pub mod status;
pub mod transfer;
pub mod units;
pub mod visions;
pub mod webhooks;

use actix_web::http::header;
use actix_web::HttpResponse;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::cache::Cached;
use crate::db::types::Id;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};

pub use crate::domain::write::{
    change_in, checked_new, create_in, delete_in, may_write, new_meta, Change, IfMatch, NewMeta,
    Resource, Writer,
};
use crate::store::idempotency::StoredResponse;
use crate::store::{PageRequest, Record, Store};
use extract::{etag, AcceptEncoding, NoCache};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// One page of a list. Pass `next_cursor` as `cursor` to read the next page; it is null on
/// the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Opaque; null when there are no more items.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// Makes a page from rows read with `limit + 1`, ordered by `id_of`.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, id_of: impl Fn(&T) -> &Id) -> Page<T> {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(id_of(r)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

fn encode_cursor(id: &Id) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.as_str())
}

fn decode_cursor(cursor: &str) -> AppResult<Id> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| AppError::bad_request("cursor", "is not a cursor this API returned"))
}

/// Builds the page request from the common list parameters.
pub fn page_request(
    limit: Option<i64>,
    cursor: Option<&str>,
    include_archived: Option<bool>,
) -> AppResult<PageRequest> {
    let limit = page_limit(limit)?;
    Ok(PageRequest {
        // An empty cursor is the first page, as no cursor is.
        after: cursor
            .filter(|c| !c.is_empty())
            .map(decode_cursor)
            .transpose()?,
        limit,
        include_archived: include_archived.unwrap_or(false),
    })
}

/// A page size: the default when not given, else 1 to `MAX_LIMIT` (400 otherwise).
pub fn page_limit(limit: Option<i64>) -> AppResult<i64> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::bad_request(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok(limit)
}

/// One list request: what it asks for, and how the answer is sent.
pub struct ListRequest {
    /// The page's path and every parameter that selects its rows: the answer cache's key.
    pub key: String,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub include_archived: Option<bool>,
    pub encoding: AcceptEncoding,
    pub no_cache: NoCache,
}

/// Serves one page of a list: checks that the caller may read, runs `query` for the
/// caller's organization off the async workers, and wraps the rows as a `Page`; the page is
/// kept in the answer cache under the request's key until the organization's next write.
pub async fn list_page<R, Q>(
    store: &Store,
    caller: &Caller,
    request: ListRequest,
    query: Q,
) -> AppResult<HttpResponse>
where
    R: Resource + ToSchema,
    Q: FnOnce(&mut DbConnection, &Id, &PageRequest) -> AppResult<Vec<R>> + Send + 'static,
{
    caller.require(R::READ)?;
    let page = page_request(
        request.limit,
        request.cursor.as_deref(),
        request.include_archived,
    )?;
    let org = caller.organization_id.clone();
    let limit = page.limit;
    let read_org = org.clone();
    let rows = async {
        let rows = store.run(move |conn| query(conn, &read_org, &page)).await?;
        Ok(Page::from_rows(rows, limit, R::id))
    };
    store
        .cache
        .serve_json(&org, &request.key, request.encoding, request.no_cache, rows)
        .await
}

/// A write's answer, made inside its transaction: `kept` stores it with the request's
/// `Idempotency-Key` there too, so that after a crash the write and its answer are both
/// there (a retry gets the answer again) or neither (a retry writes).
pub struct Answer {
    stored: StoredResponse,
    kept: bool,
}

impl Answer {
    /// JSON with this status.
    pub fn json(status: actix_web::http::StatusCode, body: &impl Serialize) -> AppResult<Answer> {
        let body = serde_json::to_vec(body)
            .map_err(|e| AppError::Internal(format!("an answer did not serialize: {e}")))?;
        Ok(Answer {
            stored: StoredResponse {
                status: status.as_u16(),
                headers: vec![(header::CONTENT_TYPE.to_string(), "application/json".into())],
                body,
            },
            kept: false,
        })
    }

    /// A record as JSON, with its ETag.
    pub fn record<R: Record>(status: actix_web::http::StatusCode, record: &R) -> AppResult<Answer> {
        Ok(Answer::json(status, record)?.header(header::ETAG, etag(record.version())))
    }

    pub fn header(mut self, name: header::HeaderName, value: String) -> Answer {
        self.stored.headers.push((name.to_string(), value));
        self
    }

    /// Stores the answer with the caller's key (if it sent one) in the write's transaction.
    pub fn kept(mut self, conn: &mut DbConnection, caller: &Caller) -> AppResult<Answer> {
        if let Some(key) = &caller.idempotency {
            crate::store::idempotency::complete(conn, key, &self.stored)?;
            self.kept = true;
        }
        Ok(self)
    }

    pub fn response(self) -> HttpResponse {
        let mut response = crate::idempotency::answer_of(self.stored);
        if self.kept {
            response
                .extensions_mut()
                .insert(crate::idempotency::AnswerKept);
        }
        response
    }
}

/// A JSON response for one record, with its ETag.
pub fn record_response<R: Record>(
    mut builder: actix_web::HttpResponseBuilder,
    record: &R,
) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag(record.version())))
        .json(record)
}

/// The writer an API caller is: its organization, its roles and the units it is scoped to.
impl Writer {
    pub fn of(caller: &Caller) -> Writer {
        Writer {
            organization_id: caller.organization_id.clone(),
            actor: caller.actor(),
            roles: Some(caller.roles.clone()),
            scope: caller.units.clone(),
        }
    }
}

pub async fn create<R: Resource>(
    store: &Store,
    caller: &Caller,
    input: R::Create,
) -> AppResult<HttpResponse> {
    caller.write_reach(R::KIND)?;
    let writer = Writer::of(caller);
    let caller = caller.clone();
    let answer = store
        .transaction(move |conn| {
            let org = &writer.organization_id;
            if R::IN_ORGANIZATION && crate::store::organizations::find(conn, org)?.is_none() {
                return Err(AppError::NotFound(
                    "the token's organization is not registered here: the service's operator registers it (`malstyrning organizations register`)".into(),
                ));
            }
            let record = create_in::<R>(conn, &writer, input)?;
            Answer::record(actix_web::http::StatusCode::CREATED, &record)?
                .header(header::LOCATION, format!("{}/{}", R::PATH, record.id()))
                .kept(conn, &caller)
        })
        .await?;
    Ok(answer.response())
}

/// One record, as every reader of the organization sees it: from the answer cache, which
/// any write of the organization empties (a 404 is not kept).
pub async fn get<R: Resource>(
    store: &Store,
    caller: &Caller,
    id: Id,
    no_cache: NoCache,
) -> AppResult<HttpResponse> {
    caller.require(R::READ)?;
    let org = caller.organization_id.clone();
    let key = format!("{}/{id}", R::PATH);
    let read_org = org.clone();
    let read = async {
        let record = store
            .run(move |conn| {
                R::find(conn, &read_org, &id)?.ok_or_else(|| AppError::not_found(R::KIND.noun()))
            })
            .await?;
        Cached::record(&record)
    };
    let answer = store.cache.serve(&org, &key, no_cache, read).await?;
    Ok(answer.response(AcceptEncoding::default()))
}

async fn change<R: Resource>(
    store: &Store,
    caller: &Caller,
    id: Id,
    if_match: IfMatch,
    change: Change<R::Patch>,
) -> AppResult<HttpResponse> {
    caller.write_reach(R::KIND)?;
    let writer = Writer::of(caller);
    let caller = caller.clone();
    let answer = store
        .transaction(move |conn| {
            let (record, _) = change_in::<R>(conn, &writer, &id, &if_match, change)?;
            Answer::record(actix_web::http::StatusCode::OK, &record)?.kept(conn, &caller)
        })
        .await?;
    Ok(answer.response())
}

pub async fn update<R: Resource>(
    store: &Store,
    caller: &Caller,
    id: Id,
    if_match: IfMatch,
    patch: R::Patch,
) -> AppResult<HttpResponse> {
    change::<R>(store, caller, id, if_match, Change::Patch(patch)).await
}

pub async fn archive<R: Resource>(
    store: &Store,
    caller: &Caller,
    id: Id,
    if_match: IfMatch,
    archived: bool,
) -> AppResult<HttpResponse> {
    change::<R>(store, caller, id, if_match, Change::Archive(archived)).await
}

pub async fn delete<R: Resource>(
    store: &Store,
    caller: &Caller,
    id: Id,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    caller.write_reach(R::KIND)?;
    let writer = Writer::of(caller);
    store
        .transaction(move |conn| delete_in::<R>(conn, &writer, &id, &if_match))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Generates the get, create, patch, archive, unarchive and delete handlers of a resource,
/// each documented in the OpenAPI spec. The list handler is written per resource, since its
/// filters are its own. The invoking module imports `get`, `post`, `patch` and `delete`
/// from actix_web.
#[macro_export]
macro_rules! crud_endpoints {
    (
        record: $record:ty,
        tag: $tag:literal,
        collection: $collection:literal,
        item: $item:literal,
        $(create: $create_fn:ident($create_ty:ty) $create_doc:literal,)?
        $(get: $get_fn:ident $get_doc:literal,)?
        update: $update_fn:ident($patch_ty:ty) $update_doc:literal,
        archive: $archive_fn:ident $archive_path:literal $archive_doc:literal,
        unarchive: $unarchive_fn:ident $unarchive_path:literal $unarchive_doc:literal,
        delete: $delete_fn:ident $delete_doc:literal $(,)?
    ) => {
        $(
        #[doc = $create_doc]
        #[utoipa::path(
            tag = $tag,
            request_body = $create_ty,
            responses(
                (status = 201, description = "Created", body = $record,
                    headers(("ETag" = String, description = "The record's version"), ("Location" = String, description = "The record's URL"))),
                (status = 400, description = "Malformed JSON", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The caller's roles do not allow this", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Conflicts with a stored record (e.g. a duplicate number or external id)", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields or references; `errors` names each field", body = $crate::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        #[post($collection)]
        pub async fn $create_fn(
            store: actix_web::web::Data<$crate::store::Store>,
            caller: $crate::auth::Caller,
            body: $crate::api::extract::JsonBody<$create_ty>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::api::create::<$record>(&store, &caller, body.into_inner()).await
        }
        )?

        $(
        #[doc = $get_doc]
        #[utoipa::path(
            tag = $tag,
            params(("id" = uuid::Uuid, Path, description = "The record's id"), $crate::api::extract::NoCache),
            responses(
                (status = 200, description = "The record", body = $record, headers(("ETag" = String, description = "The record's version"))),
                (status = 400, description = "The id is not a UUID", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The caller's roles do not allow this", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such record in the caller's organization", body = $crate::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        #[get($item)]
        pub async fn $get_fn(
            store: actix_web::web::Data<$crate::store::Store>,
            caller: $crate::auth::Caller,
            id: actix_web::web::Path<$crate::db::types::Id>,
            no_cache: $crate::api::extract::NoCache,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::api::get::<$record>(&store, &caller, id.into_inner(), no_cache).await
        }
        )?

        #[doc = $update_doc]
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = uuid::Uuid, Path, description = "The record's id"),
                ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one gets 412 and changes nothing"),
            ),
            request_body = $patch_ty,
            responses(
                (status = 200, description = "The changed record", body = $record, headers(("ETag" = String, description = "The record's new version"))),
                (status = 400, description = "Malformed JSON or a bad id", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The caller's roles do not allow this", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such record in the caller's organization", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Conflicts with a stored record, the record is archived, or another request changed it at the same moment (retry)", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match names an old version", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields or references; `errors` names each field", body = $crate::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        #[patch($item)]
        pub async fn $update_fn(
            store: actix_web::web::Data<$crate::store::Store>,
            caller: $crate::auth::Caller,
            id: actix_web::web::Path<$crate::db::types::Id>,
            if_match: $crate::api::extract::IfMatch,
            body: $crate::api::extract::JsonBody<$patch_ty>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::api::update::<$record>(&store, &caller, id.into_inner(), if_match, body.into_inner()).await
        }

        #[doc = $archive_doc]
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = uuid::Uuid, Path, description = "The record's id"),
                ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one gets 412 and changes nothing"),
            ),
            responses(
                (status = 200, description = "The archived record; lists hide it unless `include_archived=true`", body = $record, headers(("ETag" = String, description = "The record's new version"))),
                (status = 400, description = "The id is not a UUID", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The caller's roles do not allow this", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such record in the caller's organization", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Another request changed the record at the same moment; retry", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match names an old version", body = $crate::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        #[post($archive_path)]
        pub async fn $archive_fn(
            store: actix_web::web::Data<$crate::store::Store>,
            caller: $crate::auth::Caller,
            id: actix_web::web::Path<$crate::db::types::Id>,
            if_match: $crate::api::extract::IfMatch,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::api::archive::<$record>(&store, &caller, id.into_inner(), if_match, true).await
        }

        #[doc = $unarchive_doc]
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = uuid::Uuid, Path, description = "The record's id"),
                ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one gets 412 and changes nothing"),
            ),
            responses(
                (status = 200, description = "The restored record", body = $record, headers(("ETag" = String, description = "The record's new version"))),
                (status = 400, description = "The id is not a UUID", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The caller's roles do not allow this", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such record in the caller's organization", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Another request changed the record at the same moment; retry", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match names an old version", body = $crate::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        #[post($unarchive_path)]
        pub async fn $unarchive_fn(
            store: actix_web::web::Data<$crate::store::Store>,
            caller: $crate::auth::Caller,
            id: actix_web::web::Path<$crate::db::types::Id>,
            if_match: $crate::api::extract::IfMatch,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::api::archive::<$record>(&store, &caller, id.into_inner(), if_match, false).await
        }

        #[doc = $delete_doc]
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = uuid::Uuid, Path, description = "The record's id"),
                ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one gets 412 and changes nothing"),
            ),
            responses(
                (status = 204, description = "Deleted"),
                (status = 400, description = "The id is not a UUID", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The caller's roles do not allow this", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such record in the caller's organization", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Not a draft, or still referenced: archive it instead", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match names an old version", body = $crate::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        #[delete($item)]
        pub async fn $delete_fn(
            store: actix_web::web::Data<$crate::store::Store>,
            caller: $crate::auth::Caller,
            id: actix_web::web::Path<$crate::db::types::Id>,
            if_match: $crate::api::extract::IfMatch,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::api::delete::<$record>(&store, &caller, id.into_inner(), if_match).await
        }
    };
}

/// Generates a list handler, documented in the OpenAPI spec: it reads the list parameters,
/// turns them into a query over one page with the block given, and answers with a `Page`.
/// The invoking module imports `get` from actix_web.
#[macro_export]
macro_rules! list_endpoint {
    (
        $(#[doc = $doc:literal])*
        fn $name:ident($path:literal, tag = $tag:literal, $params:ident => $record:ident)
        |$p:ident| $query:expr
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            tag = $tag,
            params($params, $crate::api::extract::NoCache),
            responses(
                (status = 200, description = "One page, in creation order", body = $crate::api::Page<$record>),
                (status = 400, description = "A bad query parameter", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The caller's roles do not allow this", body = $crate::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        #[get($path)]
        pub async fn $name(
            store: actix_web::web::Data<$crate::store::Store>,
            caller: $crate::auth::Caller,
            params: $crate::api::extract::QueryParams<$params>,
            encoding: $crate::api::extract::AcceptEncoding,
            no_cache: $crate::api::extract::NoCache,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            let $p = params.0;
            let request = $crate::api::ListRequest {
                key: format!(concat!($path, "?{:?}"), $p),
                limit: $p.limit,
                cursor: $p.cursor.clone(),
                include_archived: $p.include_archived,
                encoding,
                no_cache,
            };
            $crate::api::list_page(&store, &caller, request, $query).await
        }
    };
}

/// Deserializes a 32-bit whole number, also when written as `7.0` (JSON Schema's `integer`
/// admits that; serde alone would not).
pub fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    let value = serde_json::Number::deserialize(deserializer)?;
    let whole = value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
            .map(|f| f as i64)
    });
    whole.and_then(|n| i32::try_from(n).ok()).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "{value} is not a whole number between -2147483648 and 2147483647"
        ))
    })
}

/// The spec of a list of footnotes: each a text that is not blank, without NUL characters.
pub fn footnotes_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let kind = &crate::rules::text::WORDING;
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(kind.min_length)
                .max_length(kind.max_length)
                .pattern(Some(kind.pattern)),
        )
        .build()
}

/// `footnotes_schema` for a change, where null (as leaving it out) changes nothing.
pub fn optional_footnotes_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{SchemaType, Type};
    let mut schema = footnotes_schema();
    schema.schema_type = SchemaType::from_iter([Type::Array, Type::Null]);
    schema
}

/// `whole_number` for an optional field.
pub fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i32>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_number")] i32);
    Ok(Option::<Whole>::deserialize(deserializer)?.map(|Whole(n)| n))
}

/// Deserializes a PATCH field that may be absent (no change), null (clear) or a value.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
