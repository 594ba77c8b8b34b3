//! Sending webhook deliveries: signed, retried with exponential backoff, recorded. The
//! worker claims due deliveries from the database (so they survive a restart and several
//! instances share the work), POSTs each, and records the outcome.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::db::types::UtcTime;
use crate::error::AppResult;
use crate::outbound::ReceiverPolicy;
use crate::store::webhooks::{self, AttemptOutcome, DeliveryState, Due};
use crate::store::Store;

/// The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub const SIGNATURE_HEADER: &str = "Malstyrning-Signature";
/// The event type header, e.g. `goal.update`.
pub const EVENT_HEADER: &str = "Malstyrning-Event";
/// The delivery id header: the same on every attempt, so a receiver can drop repeats.
pub const DELIVERY_HEADER: &str = "Malstyrning-Delivery";

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i32 = 10;
/// How long a claimed attempt may take before another worker may try it again.
const LEASE_SECONDS: i64 = 60;
/// How long to wait for a receiver.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The signature of a body sent at `timestamp` (unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// The wait before attempt `attempts + 1`: 10 s, 20 s, 40 s … doubling, at most an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exponent = attempts.clamp(1, 20) as u32 - 1;
    let seconds = 10i64.saturating_mul(1i64 << exponent).min(3600);
    chrono::Duration::seconds(seconds)
}

/// Sends every delivery due at `now` once, to receivers `receivers` permits; returns how
/// many were attempted.
pub async fn deliver_due(
    store: &Store,
    receivers: &ReceiverPolicy,
    now: chrono::NaiveDateTime,
) -> AppResult<usize> {
    let due = store
        .transaction(move |conn| webhooks::claim_due(conn, now, LEASE_SECONDS, 50))
        .await?;
    if due.is_empty() {
        // Most ticks: no client made (making one loads the system's CA certificates).
        return Ok(0);
    }
    let client = receivers.client(TIMEOUT);
    let attempted = due.len();
    for item in due {
        let outcome = attempt(&client, &item, now).await;
        let id = item.delivery.id.clone();
        store
            .write(move |conn| Ok(webhooks::record_attempt(conn, &id, &outcome)?))
            .await?;
    }
    Ok(attempted)
}

/// One POST of a delivery, and what it came to.
async fn attempt(client: &awc::Client, item: &Due, now: chrono::NaiveDateTime) -> AttemptOutcome {
    let delivery = &item.delivery;
    let attempts = delivery.attempts + 1;
    let timestamp = chrono::Utc::now().timestamp();
    let sent = client
        .post(&item.url)
        .insert_header(("Content-Type", "application/json"))
        .insert_header((
            SIGNATURE_HEADER,
            signature(&item.secret, timestamp, &delivery.payload),
        ))
        .insert_header((EVENT_HEADER, delivery.event_type.as_str()))
        .insert_header((DELIVERY_HEADER, delivery.id.as_str()))
        .send_body(delivery.payload.clone())
        .await;
    let (status, error) = match sent {
        Ok(response) if response.status().is_success() => {
            return AttemptOutcome {
                state: DeliveryState::Delivered,
                attempts,
                next_attempt_at: UtcTime(now),
                status: Some(i32::from(response.status().as_u16())),
                error: None,
                delivered_at: Some(UtcTime::now()),
            };
        }
        Ok(response) if response.status().is_redirection() => {
            let location = response
                .headers()
                .get(awc::http::header::LOCATION)
                .map(|value| {
                    String::from_utf8_lossy(value.as_bytes())
                        .chars()
                        .take(300)
                        .collect()
                })
                .unwrap_or_else(String::new);
            (
                Some(i32::from(response.status().as_u16())),
                format!(
                    "the receiver answered {} (Location: {location}); redirects are not followed",
                    response.status()
                ),
            )
        }
        Ok(response) => (
            Some(i32::from(response.status().as_u16())),
            format!("the receiver answered {}", response.status()),
        ),
        Err(e) => (None, e.to_string()),
    };
    failed(attempts, now, status, error)
}

/// A failed attempt: retried after the backoff, given up after `MAX_ATTEMPTS`.
fn failed(
    attempts: i32,
    now: chrono::NaiveDateTime,
    status: Option<i32>,
    error: String,
) -> AttemptOutcome {
    let gave_up = attempts >= MAX_ATTEMPTS;
    AttemptOutcome {
        state: if gave_up {
            DeliveryState::Failed
        } else {
            DeliveryState::Pending
        },
        attempts,
        next_attempt_at: UtcTime(now + backoff(attempts)),
        status,
        error: Some(error),
        delivered_at: None,
    }
}

/// The worker: every second, sends what is due.
pub async fn run(store: Store, receivers: ReceiverPolicy) {
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if let Err(e) = deliver_due(&store, &receivers, chrono::Utc::now().naive_utc()).await {
            log::warn!("webhook deliveries: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_and_body() {
        // The expected value computed independently (Python's hmac module).
        let signed = signature("hemlig-nyckel-för-test", 1_700_000_000, "{\"a\":1}");
        assert_eq!(
            signed,
            "t=1700000000,v1=69fe5f96f8780202de4cdbd6a5ca1a061f1f183bc4b0ef4be9541a2028800343"
        );
        assert_ne!(
            signed,
            signature("en-annan-nyckel", 1_700_000_000, "{\"a\":1}")
        );
        assert_ne!(
            signed,
            signature("hemlig-nyckel-för-test", 1_700_000_001, "{\"a\":1}")
        );
    }

    #[test]
    fn the_backoff_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (1..=10).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(waits, vec![10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]);
    }
}
