//! Webhook subscriptions and their deliveries. A delivery is queued by `enqueue`, in the same
//! transaction as the change it carries, and sent by the worker in `crate::webhooks`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::{webhook_deliveries, webhook_subscriptions};
use crate::db::types::{Id, TextList, UtcTime};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::rules::permissions::Kind;
use crate::store::PageRequest;
use crate::{impl_record, paged, text_enum};

/// A URL that receives the organization's changes of some event types.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = webhook_subscriptions, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct WebhookSubscription {
    pub id: Id,
    pub organization_id: Id,
    /// Where deliveries are POSTed.
    #[schema(example = "https://beslutsstod.example.se/hooks/malstyrning")]
    pub url: String,
    /// `{entity_type}.{action}` patterns, `*` for any part: `goal.update`, `goal.*`,
    /// `*.delete`, `*`.
    #[schema(value_type = Vec<String>, example = json!(["goal.*", "follow_up.update"]))]
    pub event_types: TextList,
    /// The signing secret: write-only, never shown.
    #[serde(skip_serializing)]
    #[schema(ignore)]
    pub secret: String,
    pub description: Option<String>,
    /// Paused subscriptions queue nothing.
    pub active: bool,
    pub external_id: Option<String>,
    pub archived_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub version: i32,
}

impl_record!(
    WebhookSubscription,
    webhook_subscriptions,
    Kind::WebhookSubscription
);

impl WebhookSubscription {
    /// Whether the subscription wants this event.
    pub fn wants(&self, event: &str) -> bool {
        let Some((entity, action)) = event.split_once('.') else {
            return false;
        };
        self.event_types.items().iter().any(|pattern| {
            if pattern == "*" {
                return true;
            }
            match pattern.split_once('.') {
                Some((e, a)) => (e == "*" || e == entity) && (a == "*" || a == action),
                None => false,
            }
        })
    }
}

text_enum! {
    /// Where a delivery stands.
    DeliveryState {
        /// Waiting for its first or next attempt.
        Pending => "pending",
        /// The receiver answered 2xx.
        Delivered => "delivered",
        /// Given up after the last attempt.
        Failed => "failed",
    }
}

/// One event sent (or to be sent) to one subscription.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable)]
#[diesel(table_name = webhook_deliveries, treat_none_as_default_value = false)]
pub struct WebhookDelivery {
    pub id: Id,
    pub organization_id: Id,
    pub subscription_id: Id,
    /// The change's cursor in the change feed.
    pub change_seq: i64,
    #[schema(example = "goal.update")]
    pub event_type: String,
    /// The body sent, as sent.
    #[serde(skip_serializing)]
    #[schema(ignore)]
    pub payload: String,
    pub state: DeliveryState,
    pub attempts: i32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: UtcTime,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub delivered_at: Option<UtcTime>,
    pub created_at: UtcTime,
}

pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    page: &PageRequest,
) -> QueryResult<Vec<WebhookSubscription>> {
    use crate::db::schema::webhook_subscriptions::dsl as t;
    let query = t::webhook_subscriptions
        .filter(t::organization_id.eq(org))
        .into_boxed();
    paged!(query, t, page).load(conn)
}

/// Whether the organization has a subscription that may want a change.
pub fn any_active(conn: &mut DbConnection, org: &Id) -> QueryResult<bool> {
    use crate::db::schema::webhook_subscriptions::dsl as t;
    diesel::select(diesel::dsl::exists(
        t::webhook_subscriptions
            .filter(t::organization_id.eq(org))
            .filter(t::active.eq(true))
            .filter(t::archived_at.is_null()),
    ))
    .get_result(conn)
}

/// Queues a delivery of a change to every active subscription of the organization that
/// wants its event. Runs inside the write's transaction, right after the change is numbered;
/// `change` reads the change's number and body, only when some subscription wants it.
pub fn enqueue(
    conn: &mut DbConnection,
    org: &Id,
    event: &str,
    change: impl FnOnce(&mut DbConnection) -> AppResult<(i64, serde_json::Value)>,
) -> AppResult<()> {
    use crate::db::schema::webhook_subscriptions::dsl as t;
    let subscriptions: Vec<WebhookSubscription> = t::webhook_subscriptions
        .filter(t::organization_id.eq(org))
        .filter(t::active.eq(true))
        .filter(t::archived_at.is_null())
        .load::<WebhookSubscription>(conn)?
        .into_iter()
        .filter(|s| s.wants(event))
        .collect();
    if subscriptions.is_empty() {
        return Ok(());
    }
    let (change_seq, payload) = change(conn)?;
    let now = UtcTime::now();
    for subscription in &subscriptions {
        let id = Id::new();
        let mut body = payload.clone();
        if let Some(fields) = body.as_object_mut() {
            fields.insert("delivery_id".into(), serde_json::json!(id));
            fields.insert("subscription_id".into(), serde_json::json!(subscription.id));
        }
        WebhookDelivery {
            id,
            organization_id: org.clone(),
            subscription_id: subscription.id.clone(),
            change_seq,
            event_type: event.to_string(),
            payload: body.to_string(),
            state: DeliveryState::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_status: None,
            last_error: None,
            delivered_at: None,
            created_at: now,
        }
        .insert_into(webhook_deliveries::table)
        .execute(conn)?;
    }
    Ok(())
}

/// A subscription's deliveries, newest first.
pub fn deliveries(
    conn: &mut DbConnection,
    org: &Id,
    subscription: &Id,
    state: Option<DeliveryState>,
    before: Option<&Id>,
    limit: i64,
) -> QueryResult<Vec<WebhookDelivery>> {
    use crate::db::schema::webhook_deliveries::dsl as t;
    let mut query = t::webhook_deliveries
        .filter(t::organization_id.eq(org))
        .filter(t::subscription_id.eq(subscription))
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(t::state.eq(state));
    }
    if let Some(before) = before {
        query = query.filter(t::id.lt(before.clone()));
    }
    query.order(t::id.desc()).limit(limit + 1).load(conn)
}

/// A delivery due now, with where to send it.
pub struct Due {
    pub delivery: WebhookDelivery,
    pub url: String,
    pub secret: String,
}

/// Claims up to `limit` pending deliveries due at `now` for this worker: each one's next
/// attempt moves `lease_seconds` ahead, with a check that nobody moved it first, so several
/// instances over one database never send the same attempt twice.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_seconds: i64,
    limit: i64,
) -> AppResult<Vec<Due>> {
    use crate::db::schema::webhook_deliveries::dsl as t;
    let due: Vec<WebhookDelivery> = t::webhook_deliveries
        .filter(t::state.eq(DeliveryState::Pending))
        .filter(t::next_attempt_at.le(UtcTime(now)))
        .order((t::next_attempt_at.asc(), t::id.asc()))
        .limit(limit)
        .load(conn)?;
    let lease = UtcTime(now + chrono::Duration::seconds(lease_seconds));
    let mut claimed = Vec::new();
    for delivery in due {
        let won = diesel::update(
            t::webhook_deliveries
                .filter(t::id.eq(&delivery.id))
                .filter(t::state.eq(DeliveryState::Pending))
                .filter(t::next_attempt_at.eq(delivery.next_attempt_at)),
        )
        .set(t::next_attempt_at.eq(lease))
        .execute(conn)?;
        if won == 0 {
            continue;
        }
        use crate::db::schema::webhook_subscriptions::dsl as s;
        let target: Option<(String, String)> = s::webhook_subscriptions
            .filter(s::id.eq(&delivery.subscription_id))
            .select((s::url, s::secret))
            .first(conn)
            .optional()?;
        if let Some((url, secret)) = target {
            claimed.push(Due {
                delivery,
                url,
                secret,
            });
        }
    }
    Ok(claimed)
}

/// Records an attempt's outcome: delivered, or the next attempt's time, or failed for good.
pub fn record_attempt(
    conn: &mut DbConnection,
    delivery: &Id,
    outcome: &AttemptOutcome,
) -> QueryResult<usize> {
    use crate::db::schema::webhook_deliveries::dsl as t;
    diesel::update(t::webhook_deliveries.filter(t::id.eq(delivery)))
        .set((
            t::state.eq(outcome.state),
            t::attempts.eq(outcome.attempts),
            t::next_attempt_at.eq(outcome.next_attempt_at),
            t::last_status.eq(outcome.status),
            t::last_error.eq(outcome.error.clone()),
            t::delivered_at.eq(outcome.delivered_at),
        ))
        .execute(conn)
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub state: DeliveryState,
    pub attempts: i32,
    pub next_attempt_at: UtcTime,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub delivered_at: Option<UtcTime>,
}

/// The deliveries still to be made, of all organizations (for the metrics).
#[derive(Debug, Clone, Copy)]
pub struct Backlog {
    pub pending: i64,
    /// How long the oldest of them has waited; 0 when none waits.
    pub oldest_pending_seconds: i64,
}

/// Counts the pending deliveries (the index on `state` serves it).
pub fn backlog(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Backlog> {
    use crate::db::schema::webhook_deliveries::dsl as t;
    use diesel::dsl::{count_star, min};
    let (pending, oldest): (i64, Option<UtcTime>) = t::webhook_deliveries
        .filter(t::state.eq(DeliveryState::Pending))
        .select((count_star(), min(t::created_at)))
        .first(conn)?;
    Ok(Backlog {
        pending,
        oldest_pending_seconds: oldest.map_or(0, |o| (now - o.0).num_seconds().max(0)),
    })
}
