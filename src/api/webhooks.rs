//! `/api/v1/webhook-subscriptions`: where the organization's changes are pushed (admin only,
//! reads included: the URLs are integration settings), and each subscription's delivery log.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::QueryParams;
use crate::api::{double_option, new_meta, page_limit, Resource};
use crate::auth::Caller;
use crate::db::types::{Id, TextList, UtcTime};
use crate::error::{AppError, AppResult};
use crate::rules::permissions::{Kind, KINDS};
use crate::rules::validate::{Checks, MAX_NAME, MAX_TEXT, MIN_SECRET};
use crate::store::audit::AuditAction;
use crate::store::webhooks::{self, DeliveryState, WebhookDelivery, WebhookSubscription};
use crate::store::Tx;
use crate::store::{Record, Store};

/// The URLs a subscription may name, as `is_webhook_url` reads them: `http` or `https`, a
/// host of letters, digits, dots and hyphens, a port up to 65535, then a path and query of
/// URL characters (no fragment).
const URL_PATTERN: &str = "^https?://[A-Za-z0-9.-]+(:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?([?][A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$";

/// The characters of a URL's path (and, with `?`, of its query) that `URL_PATTERN` allows.
fn is_url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._~!$&'()*+,;=:@%/-".contains(c)
}

/// Whether `url` matches `URL_PATTERN`.
fn is_webhook_url(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return false;
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let port_ok = port.is_none_or(|p| {
        (1..=5).contains(&p.len())
            && p.chars().all(|c| c.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= 65535)
    });
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (tail, None),
    };
    let path_ok = path.chars().all(is_url_char);
    let query_ok = query.is_none_or(|q| q.chars().all(|c| c == '?' || is_url_char(c)));
    host_ok && port_ok && path_ok && query_ok
}

/// The spec of a change's `url`: null, as leaving it out, changes nothing.
fn optional_url_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{SchemaType, Type};
    let mut schema = url_schema();
    schema.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
    schema
}

/// The spec of a change's `event_types`: null, as leaving it out, changes nothing.
fn optional_event_types_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{SchemaType, Type};
    let mut schema = event_types_schema();
    schema.schema_type = SchemaType::from_iter([Type::Array, Type::Null]);
    schema
}

/// The spec of `url`.
fn url_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("An `http` or `https` URL."))
        .max_length(Some(MAX_NAME))
        .pattern(Some(URL_PATTERN))
        .examples(["https://beslutsstod.example.se/hooks/malstyrning"])
        .build()
}

/// The spec of `event_types`: at least one of the patterns `is_event_pattern` accepts.
fn event_types_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let any = std::iter::once("*");
    let mut patterns = vec!["*".to_string()];
    for entity in any.clone().chain(KINDS.iter().map(|k| k.as_str())) {
        for action in any
            .clone()
            .chain(AuditAction::ALL.iter().map(|a| a.as_str()))
        {
            patterns.push(format!("{entity}.{action}"));
        }
    }
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(patterns)),
        )
        .min_items(Some(1))
        .description(Some(
            "`{entity_type}.{action}` patterns, `*` for any part, e.g. `[\"goal.*\", \"*.delete\"]`.",
        ))
        .examples([serde_json::json!(["goal.*", "follow_up.update"])])
        .build()
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookSubscription {
    #[schema(schema_with = url_schema)]
    pub url: String,
    #[schema(schema_with = event_types_schema)]
    pub event_types: Vec<String>,
    /// The key deliveries are signed with (HMAC-SHA256), at least 16 characters. Write-only.
    #[schema(format = "text:secret", write_only)]
    pub secret: String,
    #[schema(format = "text:long")]
    pub description: Option<String>,
    /// Defaults to true.
    pub active: Option<bool>,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
}

/// Changes to a subscription: only the fields given change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookSubscription {
    #[schema(schema_with = optional_url_schema)]
    pub url: Option<String>,
    #[schema(schema_with = optional_event_types_schema)]
    pub event_types: Option<Vec<String>>,
    /// A new signing key.
    #[schema(format = "text:secret", write_only)]
    pub secret: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:long")]
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
}

impl Resource for WebhookSubscription {
    type Create = CreateWebhookSubscription;
    type Patch = UpdateWebhookSubscription;
    const PATH: &'static str = "/api/v1/webhook-subscriptions";

    fn build(
        organization_id: Id,
        input: CreateWebhookSubscription,
        now: UtcTime,
    ) -> AppResult<WebhookSubscription> {
        let meta = new_meta(now);
        let mut subscription = WebhookSubscription {
            id: meta.id,
            organization_id,
            url: input.url,
            event_types: TextList::new(input.event_types),
            secret: input.secret,
            description: input.description,
            active: input.active.unwrap_or(true),
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut subscription)?;
        Ok(subscription)
    }

    fn apply(&mut self, patch: UpdateWebhookSubscription) -> AppResult<()> {
        if let Some(url) = patch.url {
            self.url = url;
        }
        if let Some(events) = patch.event_types {
            self.event_types = TextList::new(events);
        }
        if let Some(secret) = patch.secret {
            self.secret = secret;
        }
        if let Some(description) = patch.description {
            self.description = description;
        }
        if let Some(active) = patch.active {
            self.active = active;
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = external_id;
        }
        validate(self)
    }

    fn check(&mut self, _conn: &mut Tx, _before: Option<&Self>) -> AppResult<()> {
        Ok(())
    }
}

fn validate(subscription: &mut WebhookSubscription) -> AppResult<()> {
    let mut checks = Checks::new();
    checks.text("url", &mut subscription.url, MAX_NAME);
    let url_ok = is_webhook_url(&subscription.url)
        && subscription
            .url
            .parse::<awc::http::Uri>()
            .ok()
            .is_some_and(|uri| {
                matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some()
            });
    if !url_ok {
        checks.fail("url", "must be an http or https URL");
    }
    let events = subscription.event_types.items();
    if events.is_empty() {
        checks.fail(
            "event_types",
            "name at least one event type, or `*` for all",
        );
    }
    for (i, pattern) in events.iter().enumerate() {
        if !is_event_pattern(pattern) {
            checks.fail(
                &format!("event_types[{i}]"),
                "must be `*` or `{entity_type}.{action}` (each part may be `*`), e.g. `goal.update`",
            );
        }
    }
    let secret = subscription.secret.chars().count();
    if !(MIN_SECRET..=MAX_NAME).contains(&secret) {
        checks.fail(
            "secret",
            format!("must be {MIN_SECRET} to {MAX_NAME} characters"),
        );
    } else if subscription.secret.contains('\0') {
        // PostgreSQL stores no NUL in text; refused alike on both backends.
        checks.fail("secret", "must not contain NUL characters");
    }
    checks.optional_text("description", &mut subscription.description, MAX_TEXT);
    checks.optional_text("external_id", &mut subscription.external_id, MAX_NAME);
    checks.finish()
}

/// `*`, or an entity type and an action, each of which may be `*`.
fn is_event_pattern(pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let Some((entity, action)) = pattern.split_once('.') else {
        return false;
    };
    let entity_ok = entity == "*" || Kind::named(entity).is_some();
    let action_ok = action == "*" || AuditAction::ALL.iter().any(|a| a.as_str() == action);
    entity_ok && action_ok
}

/// Paging for listing subscriptions.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WebhookListParams {
    /// Include archived subscriptions.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's webhook subscriptions (admin).
    fn list_webhook_subscriptions("/webhook-subscriptions", tag = "webhooks", WebhookListParams => WebhookSubscription)
    |_params| move |conn, org, page| Ok(webhooks::list(conn, org, page)?)
}

crate::crud_endpoints! {
    record: WebhookSubscription,
    tag: "webhooks",
    collection: "/webhook-subscriptions",
    item: "/webhook-subscriptions/{id}",
    create: create_webhook_subscription(CreateWebhookSubscription) "Subscribe a URL to event types (admin). Deliveries are signed with the secret.",
    get: get_webhook_subscription "Get one webhook subscription (admin).",
    update: update_webhook_subscription(UpdateWebhookSubscription) "Change a subscription: URL, event types, secret, active (admin).",
    archive: archive_webhook_subscription "/webhook-subscriptions/{id}/archive" "Archive a subscription: it queues nothing more.",
    unarchive: unarchive_webhook_subscription "/webhook-subscriptions/{id}/unarchive" "Restore an archived subscription.",
    delete: delete_webhook_subscription "Delete a subscription and its delivery log.",
}

/// Filters for the delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryListParams {
    pub state: Option<DeliveryState>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

/// One page of the delivery log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<WebhookDelivery>,
    /// Pass as `cursor` for older deliveries; null on the last page.
    pub next_cursor: Option<String>,
}

/// A subscription's delivery log, newest first (admin): state, attempts, the receiver's last
/// status or error, when it was delivered or is tried next.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "The subscription's id"), DeliveryListParams),
    responses(
        (status = 200, description = "One page of deliveries", body = DeliveryPage),
        (status = 400, description = "A bad id or query parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins read webhook settings", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/webhook-subscriptions/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    store: web::Data<Store>,
    caller: Caller,
    id: web::Path<Id>,
    params: QueryParams<DeliveryListParams>,
) -> AppResult<HttpResponse> {
    caller.require(WebhookSubscription::READ)?;
    let params = params.0;
    let limit = page_limit(params.limit)?;
    let before: Option<Id> =
        match &params.cursor {
            None => None,
            Some(c) => Some(c.parse().map_err(|_| {
                AppError::bad_request("cursor", "is not a cursor this API returned")
            })?),
        };
    let org = caller.organization_id.clone();
    let subscription = id.into_inner();
    let page = store
        .run(move |conn| {
            WebhookSubscription::find(conn, &org, &subscription)?
                .ok_or_else(|| AppError::not_found("webhook subscription"))?;
            let mut rows = webhooks::deliveries(
                conn,
                &org,
                &subscription,
                params.state,
                before.as_ref(),
                limit,
            )?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next_cursor = if more {
                rows.last().map(|d| d.id.to_string())
            } else {
                None
            };
            Ok(DeliveryPage {
                items: rows,
                next_cursor,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
