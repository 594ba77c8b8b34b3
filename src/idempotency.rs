//! Safe retries: a POST under `/api/v1/` sent with `Idempotency-Key` is answered once; the
//! same key with the same request gets the stored answer again (with
//! `Idempotency-Replayed: true`) and writes nothing; with another request it is a 422. Done
//! once, as middleware around the API, so no handler knows about it.
//!
//! A key belongs to the caller (the token's organization and subject) and is kept
//! `IDEMPOTENCY_KEY_TTL_HOURS`. It is claimed (`in_progress`) before the handler runs; the
//! handler stores its answer in its write's transaction (`api::Answer::kept`, with the claim
//! the request carries), so that a crash leaves the write and its answer both, or neither.
//! An answer without a write (a refusal) is stored here afterwards; a 5xx gives the key up,
//! so the client may retry. Claiming, the handler and storing run in a task of their own,
//! so a client that hangs up does not leave a key claimed. A claim whose process was killed
//! answers 409 for `LEASE_SECONDS`, and then a retry takes it over and runs the request.

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::{header, Method};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage, HttpResponse};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Content, Header, OpenApi as OpenApiDoc, Ref, RefOr, Required, Response};

use crate::api::transfer::{spool, Spooled, IMPORT_PATH};
use crate::auth::Caller;
use crate::db::types::UtcTime;
use crate::error::AppError;
use crate::store::idempotency::{self as keys, Claimed, KeyClaim, StoredResponse};
use crate::store::Store;

pub const IDEMPOTENCY_KEY: header::HeaderName = header::HeaderName::from_static("idempotency-key");
pub const IDEMPOTENCY_REPLAYED: header::HeaderName =
    header::HeaderName::from_static("idempotency-replayed");
/// The longest key accepted.
const MAX_KEY_LENGTH: usize = 255;
/// The response headers a replay repeats.
const KEPT_HEADERS: [header::HeaderName; 3] =
    [header::CONTENT_TYPE, header::LOCATION, header::ETAG];
/// How long a claim without an answer holds its key against a retry (409); after it a retry
/// takes the claim over (its process was killed). Should the first request still be running,
/// only one of the two can store its answer, and the other's write is undone with it.
pub const LEASE_SECONDS: i64 = 30;

/// Marks a response whose answer the handler stored with the key in its write's
/// transaction: nothing is left to store.
pub struct AnswerKept;

/// The middleware: `App::wrap(Idempotency { … })`.
#[derive(Clone)]
pub struct Idempotency {
    pub store: Store,
    /// The largest body read (as the JSON extractor's limit: over it is 413).
    pub body_limit: usize,
    /// The largest import body (`IMPORT_LIMIT_BYTES`), spooled to a file as the import's
    /// handler would spool it, never held in memory.
    pub import_limit: usize,
    /// How long a key is kept.
    pub ttl: chrono::Duration,
}

impl<S, B> Transform<S, ServiceRequest> for Idempotency
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = IdempotencyMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(IdempotencyMiddleware {
            service: Rc::new(service),
            settings: Rc::new(self.clone()),
        }))
    }
}

pub struct IdempotencyMiddleware<S> {
    service: Rc<S>,
    settings: Rc<Idempotency>,
}

impl<S, B> Service<ServiceRequest> for IdempotencyMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, actix_web::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let settings = self.settings.clone();
        Box::pin(handle(req, service, settings))
    }
}

async fn handle<S, B>(
    mut req: ServiceRequest,
    service: Rc<S>,
    settings: Rc<Idempotency>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    if req.method() != Method::POST
        || !req.path().starts_with("/api/v1/")
        || !req.headers().contains_key(IDEMPOTENCY_KEY)
    {
        return pass(&service, req).await;
    }
    let key = match key_of(&req) {
        Ok(key) => key,
        Err(error) => return Ok(req.error_response(error)),
    };
    // Without a valid token the handler answers 401; there is no one to keep a key for.
    let Ok(caller) = req.extract::<Caller>().await else {
        return pass(&service, req).await;
    };
    let mut hasher = request_hasher(&req, &caller.roles, &caller.units);
    if req.path() == IMPORT_PATH {
        let mut payload = req.take_payload();
        let mut seen = |chunk: &[u8]| hasher.update(chunk);
        match spool(&mut payload, settings.import_limit, &mut seen).await {
            Ok(file) => req.extensions_mut().insert(Spooled(file)),
            Err(error) => return Ok(req.error_response(error)),
        };
    } else {
        let body = match read_body(&mut req, settings.body_limit).await {
            Ok(body) => body,
            Err(error) => return Ok(req.error_response(error)),
        };
        hasher.update(&body);
        req.set_payload(Payload::from(body));
    }
    let claim = KeyClaim {
        organization_id: caller.organization_id,
        subject: caller.subject,
        key,
        fingerprint: hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        attempt: uuid::Uuid::new_v4().to_string(),
    };

    // The rest in a task of its own: should the client hang up, the claim, the handler and
    // storing its answer still run to their end, so that no key is left claimed.
    let task = {
        let (settings, claim) = (settings.clone(), claim.clone());
        actix_web::rt::spawn(async move { with_key(&service, req, &settings, claim).await })
    };
    task.await.unwrap_or_else(|panicked| {
        // The write may have happened: the key stays claimed rather than let a retry write
        // twice.
        Err(AppError::Internal(format!(
            "a request with an idempotency key failed: {panicked}"
        ))
        .into())
    })
}

/// Claims the key, then replays, refuses or runs the request.
async fn with_key<S, B>(
    service: &S,
    req: ServiceRequest,
    settings: &Idempotency,
    claim: KeyClaim,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let ttl = settings.ttl;
    let claimed = {
        let claim = claim.clone();
        settings
            .store
            .write(move |conn| {
                let lease = chrono::Duration::seconds(LEASE_SECONDS);
                keys::claim(conn, &claim, UtcTime::now(), ttl, lease)
            })
            .await
    };
    match claimed {
        Ok(Claimed::New) => {
            // For the handler, which stores its answer in its write's transaction.
            req.extensions_mut().insert(claim.clone());
            respond(service, req, &settings.store, claim).await
        }
        Ok(Claimed::Done(stored)) => Ok(req.into_response(replay(stored))),
        Ok(Claimed::OtherRequest) => Ok(req.error_response(AppError::invalid(
            "Idempotency-Key",
            "this key was used for another request (another path or body); use a new key",
        ))),
        Ok(Claimed::InProgress { since }) => Ok(req.error_response(in_progress(since))),
        Err(error) => Ok(req.error_response(error)),
    }
}

async fn pass<S, B>(
    service: &S,
    req: ServiceRequest,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    Ok(service.call(req).await?.map_into_boxed_body())
}

/// Runs the request of a claimed key and stores its answer (or gives the key up on a 5xx).
async fn respond<S, B>(
    service: &S,
    req: ServiceRequest,
    store: &Store,
    claim: KeyClaim,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let response = match service.call(req).await {
        Ok(response) => response,
        Err(error) => {
            release(store, claim).await;
            return Err(error);
        }
    };
    if response.status().is_server_error() {
        release(store, claim).await;
        return Ok(response.map_into_boxed_body());
    }
    if response
        .response()
        .extensions()
        .get::<AnswerKept>()
        .is_some()
    {
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let body = match to_bytes(body).await {
        Ok(body) => body,
        Err(_) => {
            release(store, claim).await;
            let error = AppError::Internal("a response body could not be read".into());
            return Ok(ServiceResponse::new(
                request,
                actix_web::ResponseError::error_response(&error),
            ));
        }
    };
    let stored = StoredResponse {
        status: head.status().as_u16(),
        headers: KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = head.headers().get(name)?.to_str().ok()?;
                Some((name.as_str().to_string(), value.to_string()))
            })
            .collect(),
        body: body.to_vec(),
    };
    let saved = store
        .write(move |conn| keys::complete(conn, &claim, &stored))
        .await;
    if let Err(error) = saved {
        // The write is done; the key stays claimed (409 to a retry) rather than let a retry
        // write twice.
        log::warn!("the answer of an idempotency key could not be stored: {error}");
    }
    Ok(ServiceResponse::new(
        request,
        head.set_body(BoxBody::new(body)),
    ))
}

async fn release(store: &Store, claim: KeyClaim) {
    if let Err(error) = store.write(move |conn| keys::release(conn, &claim)).await {
        log::warn!("an idempotency key could not be released: {error}");
    }
}

/// The key of a request: 1–255 printable ASCII characters, given once.
fn key_of(req: &ServiceRequest) -> Result<String, AppError> {
    let mut values = req.headers().get_all(IDEMPOTENCY_KEY);
    let bad = |message: &str| AppError::bad_request("Idempotency-Key", message);
    let value = values.next().ok_or_else(|| bad("is missing"))?;
    if values.next().is_some() {
        return Err(bad("must be given once"));
    }
    let key = value
        .to_str()
        .ok()
        .filter(|k| k.bytes().all(|b| (0x20..=0x7e).contains(&b)))
        .ok_or_else(|| bad("must be printable ASCII characters"))?;
    if key.is_empty() || key.len() > MAX_KEY_LENGTH {
        return Err(bad(&format!(
            "must be 1 to {MAX_KEY_LENGTH} characters long"
        )));
    }
    Ok(key.to_string())
}

/// The body, up to the limit (413 over it, as the JSON extractor answers).
async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<Bytes, AppError> {
    let too_large = || {
        AppError::PayloadTooLarge(
            "the request body is larger than the configured limit (BODY_LIMIT_BYTES)".to_string(),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest {
            detail: format!("the request body could not be read: {e}"),
            errors: vec![],
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// What makes two requests the same: method, path with query, body, and the caller's roles
/// and units as a whole (a token with other rights gets no replay of what this one did). The
/// hasher of all but the body, which is added as it is read.
fn request_hasher(
    req: &ServiceRequest,
    roles: &[crate::rules::permissions::Role],
    units: &[crate::db::types::Id],
) -> Sha256 {
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or_else(|| req.path());
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(target.as_bytes());
    hasher.update(b"\n");
    let mut rights: Vec<String> = roles.iter().map(|r| format!("role {r}")).collect();
    rights.extend(units.iter().map(|u| format!("unit {u}")));
    rights.sort();
    hasher.update(rights.join(",").as_bytes());
    hasher.update(b"\n");
    hasher
}

fn replay(stored: StoredResponse) -> HttpResponse {
    let mut response = answer_of(stored);
    response.headers_mut().insert(
        IDEMPOTENCY_REPLAYED,
        header::HeaderValue::from_static("true"),
    );
    response
}

/// The response of a stored answer: what the first request got, and what a replay gets.
pub fn answer_of(stored: StoredResponse) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(stored.status)
        .unwrap_or(actix_web::http::StatusCode::OK);
    let mut response = HttpResponse::build(status);
    for (name, value) in &stored.headers {
        response.insert_header((name.as_str(), value.as_str()));
    }
    response.body(stored.body)
}

fn in_progress(since: UtcTime) -> AppError {
    let left = LEASE_SECONDS - (UtcTime::now().0 - since.0).num_seconds();
    AppError::conflict(
        "Idempotency-Key",
        format!(
            "a request with this key is still being processed; retry shortly (should it never \
             finish, a retry takes it over in {} s)",
            left.clamp(1, LEASE_SECONDS)
        ),
    )
}

/// Documents the header on every POST under `/api/v1/`, with the answers it adds.
pub fn document(doc: &mut OpenApiDoc) {
    let hours = crate::config::DEFAULT_IDEMPOTENCY_KEY_TTL_HOURS;
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        let Some(operation) = item.post.as_mut() else {
            continue;
        };
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .push(parameter(hours));
        let responses = &mut operation.responses.responses;
        for (status, response) in responses.iter_mut() {
            if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
                response.headers.insert(
                    "Idempotency-Replayed".to_string(),
                    Header::builder()
                        .schema(ObjectBuilder::new().schema_type(Type::String))
                        .description(Some(
                            "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`",
                        ))
                        .build(),
                );
            }
        }
        for (status, alone, appended) in [
            (
                "400",
                "A bad `Idempotency-Key` (empty, over 255 characters, not printable ASCII, or given twice)",
                "or a bad `Idempotency-Key` (empty, over 255 characters, not printable ASCII, or given twice)",
            ),
            (
                "409",
                "With `Idempotency-Key`: a request with this key is still being processed; retry shortly",
                "or, with `Idempotency-Key`, a request with this key is still being processed (retry shortly)",
            ),
            (
                "422",
                "With `Idempotency-Key`: the key was used for another request (another path or body)",
                "or, with `Idempotency-Key`, the key was used for another request (another path or body)",
            ),
        ] {
            match responses.get_mut(status) {
                Some(RefOr::T(response)) if !appended.is_empty() => {
                    response.description = format!("{}; {appended}", response.description);
                }
                Some(_) => {}
                None => {
                    let mut response = Response::new(alone);
                    response.content.insert(
                        crate::error::PROBLEM_JSON.to_string(),
                        Content::new(Some(Ref::from_schema_name("Problem"))),
                    );
                    responses.insert(status.to_string(), RefOr::T(response));
                }
            }
        }
    }
}

fn parameter(ttl_hours: i64) -> Parameter {
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(format!(
            "Makes a retry safe: 1–255 printable ASCII characters, unique per request (e.g. a UUID). \
A second request by the same caller (organization and token subject) with the same key and the same \
method, path and body gets the first one's answer again, with `Idempotency-Replayed: true`, and writes \
nothing; with another path or body it is 422. While the first is still running, 409. An answer with a \
5xx status is not kept, so that request may be retried with the same key. Keys are kept \
`IDEMPOTENCY_KEY_TTL_HOURS` (by default {ttl_hours}) hours."
        )))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(MAX_KEY_LENGTH))
                // Printable ASCII; HTTP drops white space around a header's value.
                .pattern(Some("^[!-~]([ -~]*[!-~])?$")),
        ))
        .build()
}
