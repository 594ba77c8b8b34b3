//! The application: every route in one place, the OpenAPI document, the docs page, and
//! the fallbacks that keep every error problem+json. Shared by `serve` and the tests.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::{web, App, HttpRequest, HttpResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use actix_web::dev::Service;

use crate::api;
use crate::auth::Verifier;
use crate::error::AppError;
use crate::idempotency::{Idempotency, IDEMPOTENCY_KEY, IDEMPOTENCY_REPLAYED};
use crate::store::Store;

/// The log target of the access log, one line per request at level info.
const ACCESS_LOG: &str = "actix_web::middleware::logger";

const REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

/// Everything a running app needs.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub verifier: Verifier,
    pub body_limit: usize,
    /// Origins whose browsers may call the API (`*` for any); none by default.
    pub cors_origins: Vec<String>,
    /// How long an `Idempotency-Key` and its answer are kept.
    pub idempotency_key_ttl: chrono::Duration,
    /// The largest body of a bulk import.
    pub import_limit: usize,
    /// The request limit per caller, shared by every worker.
    pub rate_limit: crate::rate_limit::RateLimit,
    /// The security headers of every response.
    pub security_headers: crate::security::SecurityHeaders,
    /// Request counts and latencies, served by `/metrics` when `METRICS_TOKEN` is set.
    pub metrics: crate::metrics::Metrics,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "malstyrning",
        description = "Goal management (målstyrning) for Swedish municipalities: vision, perspectives, \
overarching goals, department goals and the work teams' activity plans.\n\n\
Every endpoint except health, docs, this document and the public view (`/api/v1/public/…`) \
needs `Authorization: Bearer <JWT>`. \
Errors are RFC 9457 `application/problem+json`. Single records carry an `ETag`; send it back in \
`If-Match` to make a write fail with 412 instead of overwriting someone else's change. \
Every POST takes an `Idempotency-Key`: a retry with the same key and body gets the first answer \
again and writes nothing.",
        license(name = "MIT", identifier = "MIT")
    ),
    servers((url = "/", description = "This server")),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "metrics", description = "Prometheus metrics for the operators (`METRICS_TOKEN`)"),
        (name = "organizations", description = "Municipalities (kommuner): the tenants"),
        (name = "units", description = "The unit tree: council, boards, administrations, units, work teams"),
        (name = "plan-periods", description = "Plan periods (mandatperioder)"),
        (name = "reporting-periods", description = "Reporting periods (tertial, delårsrapport, årsredovisning)"),
        (name = "visions", description = "Vision and purpose (syfte) per plan period"),
        (name = "perspectives", description = "Perspectives (huvudinriktningar) of the overarching goals"),
        (name = "goals", description = "Overarching goals (övergripande mål) and the goal tree"),
        (name = "department-goals", description = "Department goals (förvaltnings-/nämndmål)"),
        (name = "activities", description = "Activities and the work teams' activity plans"),
        (name = "follow-ups", description = "Follow-ups per reporting period: assessment, analysis, and the way from draft to published"),
        (name = "indicators", description = "Indicators with targets and thresholds, and their measured values"),
        (name = "contacts", description = "Key persons (nyckelpersoner) of the administrations and the steering group (styrgrupp); internal"),
        (name = "import and export", description = "Bulk import (JSON, NDJSON, CSV; all or nothing, upsert by external id) and export in the same shape"),
        (name = "changes", description = "The change feed: every write in commit order, for systems that keep a copy"),
        (name = "webhooks", description = "Webhook subscriptions (admin): signed pushes of the change feed, retried, with a delivery log"),
        (name = "audit", description = "The append-only audit trail of every write"),
        (name = "public", description = "The adopted goal model as anyone may read it, without a token"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A JWT with the claims `sub`, `org` (organization id), `roles` and `units`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The `METRICS_TOKEN` the service was started with."))
                    .build(),
            ),
        );
    }
}

/// Registers every endpoint. utoipa-actix-web collects each `service(...)` into the spec,
/// so nothing served can be missing from it.
fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::health::live)
        .service(api::health::ready)
        .service(api::metrics::get_metrics)
        .service(utoipa_actix_web::scope("/api/v1").configure(api_v1));
}

fn api_v1(cfg: &mut ServiceConfig) {
    use api::*;
    // `route`, not `service`: the document does not describe itself.
    cfg.route("/openapi.json", web::get().to(serve_spec));
    group(cfg, "organizations", |cfg| {
        cfg.service(organizations::list_organizations)
            .service(organizations::get_organization)
            .service(organizations::update_organization)
            .service(organizations::archive_organization)
            .service(organizations::unarchive_organization)
            .service(organizations::delete_organization);
    });
    group(cfg, "units", |cfg| {
        cfg.service(activity_plan::get_activity_plan)
            .service(units::list_units)
            .service(units::create_unit)
            .service(units::get_unit)
            .service(units::update_unit)
            .service(units::archive_unit)
            .service(units::unarchive_unit)
            .service(units::delete_unit);
    });
    group(cfg, "plan-periods", |cfg| {
        cfg.service(goal_tree::get_goal_tree)
            .service(plan_periods::list_plan_periods)
            .service(plan_periods::create_plan_period)
            .service(plan_periods::get_plan_period)
            .service(plan_periods::update_plan_period)
            .service(plan_periods::archive_plan_period)
            .service(plan_periods::unarchive_plan_period)
            .service(plan_periods::delete_plan_period)
            .service(plan_periods::roll_over_plan_period);
    });
    group(cfg, "reporting-periods", |cfg| {
        cfg.service(status::cycle_overview)
            .service(reporting_periods::list_reporting_periods)
            .service(reporting_periods::create_reporting_period)
            .service(reporting_periods::get_reporting_period)
            .service(reporting_periods::update_reporting_period)
            .service(reporting_periods::archive_reporting_period)
            .service(reporting_periods::unarchive_reporting_period)
            .service(reporting_periods::delete_reporting_period)
            // A period's follow-ups stepped at once.
            .service(follow_ups::approve_all_follow_ups)
            .service(follow_ups::publish_all_follow_ups);
    });
    group(cfg, "visions", |cfg| {
        cfg.service(visions::list_visions)
            .service(visions::create_vision)
            .service(visions::get_vision)
            .service(visions::list_vision_revisions)
            .service(visions::update_vision)
            .service(visions::archive_vision)
            .service(visions::unarchive_vision)
            .service(visions::delete_vision);
    });
    group(cfg, "perspectives", |cfg| {
        cfg.service(perspectives::list_perspectives)
            .service(perspectives::create_perspective)
            .service(perspectives::get_perspective)
            .service(perspectives::update_perspective)
            .service(perspectives::archive_perspective)
            .service(perspectives::unarchive_perspective)
            .service(perspectives::delete_perspective);
    });
    group(cfg, "goals", |cfg| {
        cfg.service(goals::list_goals)
            .service(goals::create_goal)
            .service(goals::get_goal)
            .service(goals::list_goal_revisions)
            .service(goals::update_goal)
            .service(goals::archive_goal)
            .service(goals::unarchive_goal)
            .service(goals::delete_goal)
            .service(status::goal_status);
    });
    group(cfg, "department-goals", |cfg| {
        cfg.service(department_goals::list_department_goals)
            .service(department_goals::create_department_goal)
            .service(department_goals::get_department_goal)
            .service(department_goals::list_department_goal_revisions)
            .service(department_goals::update_department_goal)
            .service(department_goals::archive_department_goal)
            .service(department_goals::unarchive_department_goal)
            .service(department_goals::delete_department_goal)
            .service(status::department_goal_status);
    });
    group(cfg, "activities", |cfg| {
        cfg.service(activities::list_activities)
            .service(activities::create_activity)
            .service(activities::get_activity)
            .service(activities::update_activity)
            .service(activities::archive_activity)
            .service(activities::unarchive_activity)
            .service(activities::delete_activity);
    });
    group(cfg, "indicators", |cfg| {
        cfg.service(indicators::list_indicators)
            .service(indicators::create_indicator)
            .service(indicators::get_indicator)
            .service(indicators::list_indicator_revisions)
            .service(indicators::update_indicator)
            .service(indicators::retire_indicator)
            .service(indicators::archive_indicator)
            .service(indicators::unarchive_indicator)
            .service(indicators::delete_indicator)
            .service(status::indicator_status)
            .service(status::indicator_series);
    });
    group(cfg, "measurements", |cfg| {
        cfg.service(measurements::list_measurements)
            .service(measurements::create_measurement)
            .service(measurements::get_measurement)
            .service(measurements::update_measurement)
            .service(measurements::archive_measurement)
            .service(measurements::unarchive_measurement)
            .service(measurements::delete_measurement);
    });
    group(cfg, "public", |cfg| {
        cfg.service(public::list_public_goals)
            .service(public::get_public_goal_tree)
            .service(public_results::list_public_indicators)
            .service(public_results::list_public_reporting_periods)
            .service(public_results::get_public_results)
            .service(public::get_public_organization)
            .service(public::get_public_goal);
    });
    group(cfg, "follow-ups", |cfg| {
        cfg.service(follow_ups::list_follow_ups)
            .service(follow_ups::create_follow_up)
            .service(follow_ups::get_follow_up)
            .service(follow_ups::update_follow_up)
            .service(follow_ups::archive_follow_up)
            .service(follow_ups::unarchive_follow_up)
            .service(follow_ups::delete_follow_up)
            .service(follow_ups::submit_follow_up)
            .service(follow_ups::approve_follow_up)
            .service(follow_ups::publish_follow_up)
            .service(follow_ups::return_follow_up)
            .service(follow_ups::withdraw_follow_up);
    });
    cfg.service(kolada::import_kolada);
    cfg.service(transfer::import_rows);
    cfg.service(transfer::export_rows);
    cfg.service(changes::list_changes);
    group(cfg, "webhook-subscriptions", |cfg| {
        cfg.service(webhooks::list_webhook_subscriptions)
            .service(webhooks::create_webhook_subscription)
            .service(webhooks::get_webhook_subscription)
            .service(webhooks::update_webhook_subscription)
            .service(webhooks::archive_webhook_subscription)
            .service(webhooks::unarchive_webhook_subscription)
            .service(webhooks::delete_webhook_subscription)
            .service(webhooks::list_webhook_deliveries);
    });
    group(cfg, "contacts", |cfg| {
        cfg.service(contacts::list_contacts)
            .service(contacts::create_contact)
            .service(contacts::get_contact)
            .service(contacts::update_contact)
            .service(contacts::archive_contact)
            .service(contacts::unarchive_contact)
            .service(contacts::delete_contact);
    });
    cfg.service(audit::list_audit_entries);
}

/// Registers `routes`, all under `/api/v1/{segment}`, as one group. actix-web tries a
/// scope's routes in turn, each dynamic one by a regular expression; grouping by the first
/// segment means a request is matched against its group's routes only (matching every route
/// in turn, which the metrics' route template does for every answer too, was 7 % of a cached
/// read's time and a quarter of a rate-limited answer's, BENCHMARKS.md). The group's scope
/// adds no path, so routes and the document are as without it. Within a group the routes
/// are tried in turn too, so the reads answered from the cache, the most frequent, come
/// first (the paths of a group are disjoint: order never changes which route answers).
fn group(cfg: &mut ServiceConfig, segment: &'static str, routes: impl FnOnce(&mut ServiceConfig)) {
    cfg.service(
        utoipa_actix_web::scope("")
            .guard(Under(segment))
            .configure(routes),
    );
}

/// Requests for `/api/v1/{segment}` or a path below it.
struct Under(&'static str);

impl actix_web::guard::Guard for Under {
    fn check(&self, ctx: &actix_web::guard::GuardContext<'_>) -> bool {
        let uri = &ctx.head().uri;
        let under = |path: &str| {
            path.strip_prefix("/api/v1/")
                .and_then(|rest| rest.strip_prefix(self.0))
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        // The router matches the path with unreserved characters decoded; so does this.
        if uri.path().contains('%') {
            under(actix_web::dev::Url::new(uri.clone()).path())
        } else {
            under(uri.path())
        }
    }
}

/// The OpenAPI document the code describes.
pub fn openapi() -> OpenApiDoc {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    finish_doc(doc)
}

/// What the document says of all routes at once, added after they are collected.
fn finish_doc(mut doc: OpenApiDoc) -> OpenApiDoc {
    crate::error::document(&mut doc);
    crate::idempotency::document(&mut doc);
    crate::rate_limit::document(&mut doc);
    state_text_kinds(doc)
}

/// Gives every schema that names a kind of text as its format (`rules::text`) the kind's
/// lengths and pattern in place of the name.
fn state_text_kinds(mut doc: OpenApiDoc) -> OpenApiDoc {
    use utoipa::openapi::schema::{ArrayItems, Schema, SchemaFormat};
    use utoipa::openapi::RefOr;
    fn state(schema: &mut RefOr<Schema>) {
        let RefOr::T(schema) = schema else { return };
        match schema {
            Schema::Object(object) => {
                let kind = crate::rules::text::KINDS.into_iter().find(|kind| {
                    matches!(&object.format, Some(SchemaFormat::Custom(f)) if f == kind.format)
                });
                if let Some(kind) = kind {
                    object.format = None;
                    object.min_length = kind.min_length;
                    object.max_length = kind.max_length;
                    object.pattern = Some(kind.pattern.to_string());
                }
                object.properties.values_mut().for_each(state);
            }
            Schema::Array(array) => {
                if let ArrayItems::RefOrSchema(items) = &mut array.items {
                    state(items);
                }
            }
            Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(state),
            Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(state),
            Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(state),
            _ => {}
        }
    }
    if let Some(components) = doc.components.as_mut() {
        components.schemas.values_mut().for_each(state);
    }
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            for parameter in operation.parameters.iter_mut().flatten() {
                parameter.schema.iter_mut().for_each(state);
            }
            for content in operation
                .request_body
                .iter_mut()
                .flat_map(|b| b.content.values_mut())
            {
                content.schema.iter_mut().for_each(state);
            }
        }
    }
    doc
}

/// The OpenAPI document as the committed `openapi/openapi.json` holds it.
pub fn openapi_json() -> String {
    let mut text = openapi().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, doc) = App::new()
        .app_data(web::Data::new(state.store.clone()))
        .app_data(web::Data::new(state.verifier.clone()))
        .app_data(web::Data::new(state.metrics.clone()))
        .app_data(web::PayloadConfig::new(state.body_limit))
        .app_data(web::Data::new(api::transfer::ImportLimit(
            state.import_limit,
        )))
        .app_data(web::PathConfig::default().error_handler(api::extract::path_error))
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    let doc = finish_doc(doc);
    state.metrics.register_routes(&doc);
    let methods = web::Data::new(RouteMethods::from_doc(&doc));
    // Kept as the JSON served, not as the document: the document's tree of schemas held
    // megabytes in each worker, and was written out anew for every request.
    let spec = web::Data::new(SpecJson(web::Bytes::from(
        doc.to_pretty_json().unwrap_or_default(),
    )));
    drop(doc);
    app.app_data(methods)
        .app_data(spec)
        .service(
            // The page loads the document this app serves; no outside validator badge.
            SwaggerUi::new("/docs/{_:.*}").config(
                utoipa_swagger_ui::Config::from("/api/v1/openapi.json").validator_url("none"),
            ),
        )
        // A newcomer who opens the bare address lands on the docs.
        .route("/", web::get().to(to_docs))
        .route("/docs", web::get().to(to_docs))
        .default_service(web::to(fallback))
        // HEAD is GET without its body (the server leaves the body out and keeps the
        // headers): answered by the GET route, with its checks, wherever there is one.
        .wrap_fn(|mut req, srv| {
            if req.method() == Method::HEAD {
                req.head_mut().method = Method::GET;
            }
            srv.call(req)
        })
        // Inside the request id (kept in the audit trail of a write) and CORS.
        .wrap(Idempotency {
            store: state.store.clone(),
            body_limit: state.body_limit,
            import_limit: state.import_limit,
            ttl: state.idempotency_key_ttl,
        })
        // Before a key is claimed or a handler runs; inside CORS, so that a browser can
        // read the 429.
        .wrap(state.rate_limit.clone())
        .wrap(cors(&state.cors_origins))
        // Outside CORS, so that preflight answers and CORS refusals get the headers too.
        .wrap(state.security_headers.clone())
        // Only when its lines are logged: the logger renders each request's fields before
        // it knows whether the line is wanted.
        .wrap(actix_web::middleware::Condition::new(
            log::log_enabled!(target: ACCESS_LOG, log::Level::Info),
            actix_web::middleware::Logger::new("%a \"%r\" %s %b %Dms request_id=%{x-request-id}i")
                .log_target(ACCESS_LOG),
        ))
        .wrap_fn(|mut req, srv| {
            // Every request gets an id (the caller's `X-Request-Id`, or a new one), logged
            // and echoed in the response so a problem report can be traced.
            let id = req
                .headers()
                .get(REQUEST_ID)
                .filter(|v| is_request_id(v.as_bytes()))
                .cloned()
                .unwrap_or_else(|| {
                    header::HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                        .unwrap_or(header::HeaderValue::from_static("-"))
                });
            req.headers_mut().insert(REQUEST_ID, id.clone());
            let response = srv.call(req);
            async move {
                let mut response = response.await?;
                response.headers_mut().insert(REQUEST_ID, id);
                Ok(response)
            }
        })
        // Outermost: the latency counted is the whole answer's.
        .wrap(actix_web::middleware::from_fn(crate::metrics::track))
}

/// Whether a client's `X-Request-Id` is taken as it is: a short token of letters, digits
/// and `-_.:/+=@`, nothing that could forge a log line or an audit entry. Others are
/// replaced by a new id.
fn is_request_id(value: &[u8]) -> bool {
    (1..=128).contains(&value.len())
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(b))
}

/// Cross-origin access for browser front ends, by allow-list.
fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT,
            REQUEST_ID,
            IDEMPOTENCY_KEY,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            REQUEST_ID,
            IDEMPOTENCY_REPLAYED,
        ])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// The OpenAPI document this app serves, as JSON.
struct SpecJson(web::Bytes);

async fn serve_spec(spec: web::Data<SpecJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(spec.0.clone())
}

/// The path templates the API serves and their methods, read from the spec, so that a
/// wrong method on a known path is a 405 with `Allow` rather than a 404.
pub struct RouteMethods(Vec<(Vec<String>, Vec<String>)>);

impl RouteMethods {
    fn from_doc(doc: &OpenApiDoc) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(str::to_string)
                    .collect();
                let mut methods = Vec::new();
                for (name, op) in [
                    ("GET", &item.get),
                    ("POST", &item.post),
                    ("PATCH", &item.patch),
                    ("PUT", &item.put),
                    ("DELETE", &item.delete),
                ] {
                    if op.is_some() {
                        methods.push(name.to_string());
                    }
                    // HEAD is answered wherever GET is.
                    if op.is_some() && name == "GET" {
                        methods.push("HEAD".to_string());
                    }
                }
                (segments, methods)
            })
            .collect();
        RouteMethods(routes)
    }

    fn allowed(&self, path: &str) -> Vec<String> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut allowed = Vec::new();
        for (segments, methods) in &self.0 {
            let matches = segments.len() == parts.len()
                && segments
                    .iter()
                    .zip(&parts)
                    .all(|(s, p)| (s.starts_with('{') && !p.is_empty()) || s == p);
            if matches {
                allowed.extend(methods.iter().cloned());
            }
        }
        allowed
    }
}

async fn to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// Unknown routes are 404 and wrong methods 405, both problem+json.
async fn fallback(
    req: HttpRequest,
    methods: web::Data<RouteMethods>,
) -> Result<HttpResponse, AppError> {
    let allowed = methods.allowed(req.path());
    if allowed.is_empty() {
        return Err(AppError::NotFound(format!(
            "no route {} {}",
            req.method(),
            req.path()
        )));
    }
    let error = AppError::MethodNotAllowed(format!(
        "{} is not allowed here; allowed: {}",
        req.method(),
        allowed.join(", ")
    ));
    let mut response = actix_web::ResponseError::error_response(&error);
    if let Ok(value) = header::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    Ok(response)
}
