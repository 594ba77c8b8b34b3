//! Idempotency keys: the stored answers of POSTs sent with `Idempotency-Key` (see
//! `crate::idempotency` for the HTTP side). A key is claimed by one statement of its own,
//! outside the write's transaction, so that a concurrent request with the same key sees the
//! claim at once; the answer is stored inside the write's transaction (`complete`), so that
//! the write and its answer are both kept or neither. A claim whose request never finished
//! (the process was killed) is taken over by a retry once its lease has run out; only the
//! attempt holding the claim can store an answer, so a write is never made twice.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::schema::idempotency_keys;
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::text_enum;

text_enum! {
    /// Whether the request of a key is still running or has answered.
    KeyState {
        InProgress => "in_progress",
        Done => "done",
    }
}

/// Whose key it is and what for.
#[derive(Debug, Clone)]
pub struct KeyClaim {
    pub organization_id: Id,
    pub subject: String,
    pub key: String,
    /// SHA-256 (hex) of the request's method, path with query and body.
    pub fingerprint: String,
    /// This request's attempt (a new id each time), which holds the claim.
    pub attempt: String,
}

/// A stored answer.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What claiming a key found.
#[derive(Debug)]
pub enum Claimed {
    /// The key is new (or its earlier use has expired): run the request.
    New,
    /// The same request has answered already: this is its answer.
    Done(StoredResponse),
    /// The same request is still running, since this time.
    InProgress { since: UtcTime },
    /// The key was used for another request.
    OtherRequest,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = idempotency_keys, treat_none_as_default_value = false)]
struct KeyRow {
    organization_id: Id,
    subject: String,
    key: String,
    fingerprint: String,
    state: KeyState,
    response_status: Option<i32>,
    response_headers: Option<String>,
    response_body: Option<Vec<u8>>,
    created_at: UtcTime,
    expires_at: UtcTime,
    attempt: String,
}

/// Claims a key for a request: inserts it `in_progress`, or reports what an earlier use of
/// it holds. An expired earlier use is replaced, and a claim whose `lease` has run out
/// without an answer is taken over.
pub fn claim(
    conn: &mut DbConnection,
    claim: &KeyClaim,
    now: UtcTime,
    ttl: chrono::Duration,
    lease: chrono::Duration,
) -> AppResult<Claimed> {
    use crate::db::schema::idempotency_keys::dsl as t;
    // Two rounds at most: a row found expired is deleted and the insert tried again (a
    // concurrent request may claim it first, and then that one is found).
    for _ in 0..3 {
        let inserted = diesel::insert_into(t::idempotency_keys)
            .values(KeyRow {
                organization_id: claim.organization_id.clone(),
                subject: claim.subject.clone(),
                key: claim.key.clone(),
                fingerprint: claim.fingerprint.clone(),
                state: KeyState::InProgress,
                response_status: None,
                response_headers: None,
                response_body: None,
                created_at: now,
                expires_at: UtcTime(now.0 + ttl),
                attempt: claim.attempt.clone(),
            })
            .execute(conn);
        match inserted {
            Ok(_) => return Ok(Claimed::New),
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {}
            Err(other) => return Err(other.into()),
        }
        let Some(row) = mine(claim).first::<KeyRow>(conn).optional()? else {
            continue;
        };
        if row.expires_at <= now {
            diesel::delete(mine(claim).filter(t::expires_at.le(now))).execute(conn)?;
            continue;
        }
        if row.fingerprint != claim.fingerprint {
            return Ok(Claimed::OtherRequest);
        }
        if row.state == KeyState::InProgress && row.created_at.0 + lease <= now.0 {
            // Abandoned: this attempt takes the claim over, unless another retry just did.
            let taken = diesel::update(mine(claim).filter(t::attempt.eq(&row.attempt)))
                .set((t::attempt.eq(&claim.attempt), t::created_at.eq(now)))
                .execute(conn)?;
            if taken == 1 {
                return Ok(Claimed::New);
            }
            continue;
        }
        return match row.state {
            KeyState::InProgress => Ok(Claimed::InProgress {
                since: row.created_at,
            }),
            KeyState::Done => Ok(Claimed::Done(stored_response(row)?)),
        };
    }
    Err(AppError::Unavailable(
        "the idempotency key is contended; retry shortly".into(),
    ))
}

type Mine<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            idempotency_keys::table,
            diesel::dsl::Eq<idempotency_keys::organization_id, &'a Id>,
        >,
        diesel::dsl::Eq<idempotency_keys::subject, &'a str>,
    >,
    diesel::dsl::Eq<idempotency_keys::key, &'a str>,
>;

/// The row of a claim's key.
fn mine(claim: &KeyClaim) -> Mine<'_> {
    use crate::db::schema::idempotency_keys::dsl as t;
    t::idempotency_keys
        .filter(t::organization_id.eq(&claim.organization_id))
        .filter(t::subject.eq(claim.subject.as_str()))
        .filter(t::key.eq(claim.key.as_str()))
}

fn stored_response(row: KeyRow) -> AppResult<StoredResponse> {
    let status = row
        .response_status
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(|| AppError::Internal("a done idempotency key without a status".into()))?;
    let headers = match row.response_headers {
        Some(text) => serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text)
            .map_err(|e| AppError::Internal(format!("stored response headers: {e}")))?
            .into_iter()
            .filter_map(|(name, value)| value.as_str().map(|v| (name, v.to_string())))
            .collect(),
        None => Vec::new(),
    };
    Ok(StoredResponse {
        status,
        headers,
        body: row.response_body.unwrap_or_default(),
    })
}

/// Stores the answer of a claimed key, in the transaction of the write it answers. 409 when
/// this attempt no longer holds the claim (a retry took it over): the write is then undone
/// with its transaction, and the retry's stands alone.
pub fn complete(
    conn: &mut DbConnection,
    claim: &KeyClaim,
    response: &StoredResponse,
) -> AppResult<()> {
    use crate::db::schema::idempotency_keys::dsl as t;
    let headers: serde_json::Map<String, serde_json::Value> = response
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), serde_json::Value::String(value.clone())))
        .collect();
    let headers = serde_json::Value::Object(headers).to_string();
    let stored = diesel::update(
        mine(claim)
            .filter(t::fingerprint.eq(&claim.fingerprint))
            .filter(t::attempt.eq(&claim.attempt))
            .filter(t::state.eq(KeyState::InProgress)),
    )
    .set((
        t::state.eq(KeyState::Done),
        t::response_status.eq(Some(i32::from(response.status))),
        t::response_headers.eq(Some(headers)),
        t::response_body.eq(Some(response.body.clone())),
    ))
    .execute(conn)?;
    if stored == 0 {
        return Err(AppError::conflict(
            "Idempotency-Key",
            "a retry with this key took the request over; its answer is the one kept",
        ));
    }
    Ok(())
}

/// Gives a claimed key up (the request failed on the server's side; the client may retry).
pub fn release(conn: &mut DbConnection, claim: &KeyClaim) -> AppResult<()> {
    use crate::db::schema::idempotency_keys::dsl as t;
    diesel::delete(
        mine(claim)
            .filter(t::attempt.eq(&claim.attempt))
            .filter(t::state.eq(KeyState::InProgress)),
    )
    .execute(conn)?;
    Ok(())
}

/// Deletes keys expired by `now`; returns how many.
pub fn prune(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<usize> {
    use crate::db::schema::idempotency_keys::dsl as t;
    Ok(diesel::delete(t::idempotency_keys.filter(t::expires_at.le(UtcTime(now)))).execute(conn)?)
}
