//! `POST /api/v1/import` and `GET /api/v1/export`: bulk import and export of an
//! organization's records (see `crate::transfer`).

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{get, post, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::extract::QueryParams;
use crate::api::Writer;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::read_action;
use crate::store::Store;
use crate::transfer::export::{export, write};
use crate::transfer::import::{import_file, ImportOptions, ImportReport};
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
        (status = 401, description = "No valid bearer token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow writing any of the row types", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token's organization does not exist", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over `IMPORT_LIMIT_BYTES`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON, NDJSON or CSV", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Rows with errors; nothing was written. `errors` has one entry per error, with `row`, `line` (CSV and NDJSON), `field`, `value` and `message`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable; retry shortly", body = crate::error::Problem, content_type = "application/problem+json"),
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
    // The body goes to the import, which runs on a blocking thread, chunk by chunk.
    let (chunks, received) = tokio::sync::mpsc::channel::<Result<Bytes, String>>(8);
    let file = ChannelReader {
        chunks: received,
        current: Bytes::new(),
    };
    let imported = import_file(
        &store,
        Writer::of(&caller),
        Box::new(file),
        options,
        Box::new(|_| {}),
    );
    let limit = limit.0;
    let feed = async move {
        let mut total = 0;
        while let Some(chunk) = payload.next().await {
            let (item, failure) = match chunk {
                Ok(bytes) if total + bytes.len() > limit => {
                    let error = AppError::PayloadTooLarge(format!(
                        "the import is larger than the configured limit (IMPORT_LIMIT_BYTES, {limit} bytes)"
                    ));
                    (Err(error.to_string()), Some(error))
                }
                Ok(bytes) => {
                    total += bytes.len();
                    (Ok(bytes), None)
                }
                Err(error) => {
                    let error = AppError::BadRequest {
                        detail: format!("the request body could not be read: {error}"),
                        errors: vec![],
                    };
                    (Err(error.to_string()), Some(error))
                }
            };
            // The import stops reading when the file is broken; the rest is not needed.
            if chunks.send(item).await.is_err() {
                break;
            }
            if let Some(error) = failure {
                return Err(error);
            }
        }
        Ok(())
    };
    let (report, fed) = futures_util::future::join(imported, feed).await;
    fed?;
    Ok(HttpResponse::Ok().json(report?))
}

/// The body's chunks as a `Read` for the blocking import.
struct ChannelReader {
    chunks: tokio::sync::mpsc::Receiver<Result<Bytes, String>>,
    current: Bytes,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(Ok(bytes)) => self.current = bytes,
                Some(Err(error)) => return Err(std::io::Error::other(error)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// What to export.
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
        (status = 401, description = "No valid bearer token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow reading an exported type", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable; retry shortly", body = crate::error::Problem, content_type = "application/problem+json"),
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
