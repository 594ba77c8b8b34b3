//! `POST /api/v1/kolada/import`: a Kolada API v3 data response becomes measurements of the
//! indicators that name its KPIs (see `crate::kolada`).

use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::extract::{JsonBody, QueryParams};
use crate::api::{Answer, Writer};
use crate::auth::Caller;
use crate::error::AppResult;
use crate::kolada::{self, ImportReport, Importer, KoladaDocument};
use crate::rules::permissions::Kind;
use crate::store::Store;

/// Options of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KoladaImportParams {
    /// Check the document and report what the import would do, writing nothing.
    pub dry_run: Option<bool>,
}

/// Import Kolada values (admin; a manager for indicators its units own).
///
/// The body is one page of a Kolada API v3 data response as Kolada returns it (e.g.
/// `GET https://api.kolada.se/v3/data/kpi/N03101,N00401/municipality/0683`). Each row goes to
/// the organization's indicators (not archived, source `kolada`) with its KPI and its
/// municipality (`kolada_municipality`, by default the organization's own code) or unit
/// (`kolada_ou`): the measurement of the row's year gets T as `value`, K as `value_women`, M as
/// `value_men`. A null T value or status `Missing` makes it `missing` (no value, not zero). A T
/// entry with `isdeleted` archives the measurement (restored should Kolada publish the year
/// again). Measurements already as the row says are not rewritten, so a second import of
/// the same page changes nothing. `provenance` keeps the KPI, year, area, each gender's
/// status and the import time. Rows no indicator takes are reported in `skipped`. All in one
/// transaction, every write in the audit trail; a matched indicator outside a manager's
/// scope refuses the whole import (403, naming it).
#[utoipa::path(
    tag = "indicators",
    params(KoladaImportParams),
    request_body = KoladaDocument,
    responses(
        (status = 200, description = "What the import did (or, with `dry_run`, would do)", body = ImportReport),
        (status = 400, description = "Malformed JSON or a bad query parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not write measurements, or not those of a matched indicator (named)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token's organization does not exist", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A measurement changed while importing; run the import again", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a Kolada data response; `errors` names each path (e.g. `values[3].period`)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/kolada/import")]
pub async fn import_kolada(
    store: web::Data<Store>,
    caller: Caller,
    params: QueryParams<KoladaImportParams>,
    body: JsonBody<KoladaDocument>,
) -> AppResult<HttpResponse> {
    caller.write_reach(Kind::Measurement)?;
    let importer = Importer {
        writer: Writer::of(&caller),
        dry_run: params.0.dry_run.unwrap_or(false),
    };
    let document = body.into_inner();
    if importer.dry_run {
        let report = store
            .rolled_back(move |conn| kolada::import(conn, &importer, &document))
            .await?;
        return Ok(HttpResponse::Ok().json(report));
    }
    let answer = store
        .transaction(move |conn| {
            let report = kolada::import(conn, &importer, &document)?;
            Answer::json(actix_web::http::StatusCode::OK, &report)?.kept(conn, &caller)
        })
        .await?;
    Ok(answer.response())
}
