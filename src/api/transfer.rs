//! `POST /api/v1/import` and `GET /api/v1/export`: bulk import and export of an
//! organization's records (see `crate::transfer`).

use actix_web::http::header;
use actix_web::web;
use actix_web::{get, post, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::extract::QueryParams;
use crate::api::{Answer, Writer};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::read_action;
use crate::store::Store;
use crate::transfer::export::{export, write};
use crate::transfer::import::{import, import_file, ImportOptions, ImportReport};
use crate::transfer::{Format, Row, RowType};

/// The largest import body (`IMPORT_LIMIT_BYTES`).
#[derive(Debug, Clone, Copy)]
pub struct ImportLimit(pub usize);

/// Options of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The type of rows that name none (a CSV of one resource without a `type` column).
    #[serde(rename = "type")]
    #[param(rename = "type", inline)]
    pub row_type: Option<RowType>,
    /// Check every row and report what the import would do, writing nothing.
    pub dry_run: Option<bool>,
}

/// Import records in bulk (each row needs the rights its `POST` or `PATCH` needs).
///
/// The body is a JSON array of rows (`application/json`), one JSON row per line
/// (`application/x-ndjson`), or CSV with a header row (`text/csv`; `;` or `,` separated,
/// UTF-8 with or without a byte order mark; an empty cell is null; lists such as
/// `footnotes` and `targets` are JSON in their cell). A row is a record's create request
/// with its `type`; a reference such as `goal_id` may name the record's `external_id`
/// instead (`goal_external_id`), so that a file from another system needs no lookups. Rows
/// are read in order, so a row may refer to one above it.
///
/// A row whose `external_id` (or id) names a stored record of its type updates it with the
/// fields the row gives (a second import of the same file creates 0 and updates 0);
/// otherwise it creates one. Every row goes through the rules, scope checks, history and
/// audit trail of its `POST` or `PATCH`, and appears in the change feed. All or nothing:
/// when any row has an error, nothing is written and the 422 lists every error with its
/// row, line, field, value and reason. `archived: true` archives a record once all rows
/// are in; `false` restores it. The body is read as it arrives, never held whole, up to
/// `IMPORT_LIMIT_BYTES`.
#[utoipa::path(
    tag = "import and export",
    params(ImportParams),
    request_body(
        description = "The rows, as a JSON array, NDJSON or CSV",
        content(
            (Vec<Row> = "application/json"),
            (String = "application/x-ndjson"),
            (String = "text/csv"),
        )
    ),
    responses(
        (status = 200, description = "What the import did (or, with `dry_run`, would do)", body = ImportReport),
        (status = 400, description = "The file cannot be read (malformed JSON, not an array, I/O), or a bad query parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow writing any of the row types", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token's organization does not exist", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 408, description = "The upload stalled: nothing arrived for 30 seconds; nothing was imported", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over `IMPORT_LIMIT_BYTES`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON, NDJSON or CSV", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Rows with errors; nothing was written. `errors` has one entry per error, with `row`, `line` (CSV and NDJSON), `field`, `value` and `message`", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/import")]
pub async fn import_rows(
    store: web::Data<Store>,
    limit: web::Data<ImportLimit>,
    caller: Caller,
    request: HttpRequest,
    params: QueryParams<ImportParams>,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    let format = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(Format::from_media_type)
        .ok_or_else(|| {
            AppError::UnsupportedMediaType(
                "the body must be application/json, application/x-ndjson or text/csv".into(),
            )
        })?;
    let options = ImportOptions {
        format,
        row_type: params.0.row_type,
        dry_run: params.0.dry_run.unwrap_or(false),
    };
    // The whole body first, then the import: its transaction, and the organization's lock,
    // never wait for a slow or stalled client. With an `Idempotency-Key` the middleware has
    // spooled it already, fingerprinting it as it arrived.
    let spooled = request.extensions_mut().remove::<Spooled>();
    let file = match spooled {
        Some(Spooled(file)) => file,
        None => spool(&mut payload, limit.0, &mut |_| {}).await?,
    };
    let file = std::io::BufReader::new(file);
    let writer = Writer::of(&caller);
    if options.dry_run {
        let report = import_file(&store, writer, Box::new(file), options, Box::new(|_| {})).await?;
        return Ok(HttpResponse::Ok().json(report));
    }
    let answer = store
        .transaction(move |conn| {
            let report = import(conn, &writer, file, &options, &mut |_| {})?;
            Answer::json(actix_web::http::StatusCode::OK, &report)?.kept(conn, &caller)
        })
        .await?;
    Ok(answer.response())
}

/// How long an upload may send nothing before it is given up (408).
pub const UPLOAD_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The path of the import, whose body is spooled (`spool`) rather than held in memory.
pub const IMPORT_PATH: &str = "/api/v1/import";

/// An import's body that the idempotency middleware spooled before the handler ran.
pub struct Spooled(pub std::fs::File);

/// The upload, written to a temporary file as it arrives (at most `limit` bytes, and never
/// more than `UPLOAD_IDLE_TIMEOUT` without a byte), and the file, read from its start.
/// `seen` is shown each chunk as it arrives.
pub async fn spool<S>(
    payload: &mut S,
    limit: usize,
    seen: &mut dyn FnMut(&[u8]),
) -> AppResult<std::fs::File>
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    use std::io::{Seek, Write};
    let cannot_keep = |e: std::io::Error| {
        AppError::Unavailable(format!(
            "the upload cannot be kept on this server ({e}); try again"
        ))
    };
    let path = std::env::temp_dir().join(format!(
        "malstyrning-import-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(cannot_keep)?;
    // Nameless from here on (on Unix): the file goes with its handle, whatever happens.
    let _ = std::fs::remove_file(&path);
    let mut total = 0;
    loop {
        let next = actix_web::rt::time::timeout(UPLOAD_IDLE_TIMEOUT, payload.next())
            .await
            .map_err(|_| {
                AppError::RequestTimeout(format!(
                    "nothing of the upload arrived for {} seconds; nothing was imported",
                    UPLOAD_IDLE_TIMEOUT.as_secs()
                ))
            })?;
        let Some(chunk) = next else { break };
        let bytes = chunk.map_err(|error| AppError::BadRequest {
            detail: format!("the request body could not be read: {error}"),
            errors: vec![],
        })?;
        total += bytes.len();
        if total > limit {
            return Err(AppError::PayloadTooLarge(format!(
                "the import is larger than the configured limit (IMPORT_LIMIT_BYTES, {limit} bytes)"
            )));
        }
        seen(&bytes);
        // Into the page cache: as quick as a copy in memory, without holding the upload there.
        file.write_all(&bytes).map_err(cannot_keep)?;
    }
    file.rewind().map_err(cannot_keep)?;
    Ok(file)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// Only records of this type; all types by default.
    #[serde(rename = "type")]
    #[param(rename = "type", inline)]
    pub row_type: Option<RowType>,
    /// `json` (default), `ndjson` or `csv`.
    #[param(inline)]
    pub format: Option<Format>,
}

/// Export the organization's records as rows the import reads back.
///
/// Units, plan periods, reporting periods, visions, perspectives, goals, department goals,
/// indicators, measurements, activities and contacts (archived ones with
/// `archived: true`), each after the records it refers to, references by external id; a
/// record without an external id is written with its id as one. Importing the file into
/// an empty organization and exporting that gives the same file. Follow-ups, revisions,
/// the audit trail and webhooks are not exported.
#[utoipa::path(
    tag = "import and export",
    params(ExportParams),
    responses(
        (status = 200, description = "The rows", content(
            (Vec<Row> = "application/json"),
            (String = "application/x-ndjson"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A bad query parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow reading an exported type", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/export")]
pub async fn export_rows(
    store: web::Data<Store>,
    caller: Caller,
    params: QueryParams<ExportParams>,
) -> AppResult<HttpResponse> {
    let only = params.0.row_type;
    for row_type in RowType::ALL {
        if only.is_none_or(|t| t == *row_type) {
            caller.require(read_action(row_type.kind()))?;
        }
    }
    let format = params.0.format.unwrap_or(Format::Json);
    let org = caller.organization_id.clone();
    let body = store
        .run(move |conn| {
            let rows = export(conn, &org, only)?;
            let mut body = Vec::new();
            write(&rows, format, &mut body)?;
            Ok(body)
        })
        .await?;
    let name = only.map_or("organization", |t| t.as_str());
    Ok(HttpResponse::Ok()
        .content_type(format.media_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.{format}\""),
        ))
        .body(body))
}
