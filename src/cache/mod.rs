//! Whole answers to reads that are the same for every reader of an organization (the goal
//! tree, the cycle dashboard, a team's activity plan, the public view, one record, a page of
//! a list), kept in memory so that a repeated read touches no database.
//!
//! Correct invalidation rests on the change feed, which every write appends to in its own
//! transaction:
//! - a write through this instance drops its organization's answers as soon as its
//!   transaction has ended (`Store::transaction`, the organizations its `Tx` wrote), before its response is sent, so a client reads
//!   its own writes;
//! - a write through another instance, or the command line, is seen by `sync`, which every
//!   `CACHE_SYNC_MS` compares each cached organization's newest change with the one it saw
//!   last; on PostgreSQL change numbers follow commit order within an organization, so a
//!   moved number is a committed write and an unmoved one means none.
//!
//! A fill that began before a write ends can hold the old state: each organization has a
//! generation, bumped by every invalidation, and an answer is kept only if the generation it
//! was computed under is still current. Answers also expire after `CACHE_TTL_SECONDS`,
//! which bounds what a write that bypasses the change feed (loading a demo) leaves behind.

pub mod request;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, HttpResponseBuilder};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::types::Id;
use crate::db::DbConnection;
use crate::domain::write::etag;
use crate::error::{AppError, AppResult};
use crate::store::Record;
use request::{AcceptEncoding, IfNoneMatch, NoCache};

/// One cached answer: a JSON body, a gzip copy of it when that is worth sending, and the
/// headers that go with it.
#[derive(Clone)]
pub struct Cached {
    pub body: Bytes,
    /// The body gzip-coded, for bodies worth coding (none otherwise): the JSON shrinks
    /// three- to tenfold, for clients across a real network. Made at the first request that
    /// takes gzip and then kept with the answer, shared by its every copy: not per request,
    /// and not for an answer no such client asks for (a read with `no-cache` pays nothing).
    gzip: Option<Arc<OnceLock<Option<Bytes>>>>,
    /// The strong ETags of the plain body and of the gzip-coded one (another
    /// representation, so another tag), made once with the answer.
    etags: Option<Etags>,
    pub cache_control: Option<&'static str>,
}

#[derive(Clone)]
struct Etags {
    plain: header::HeaderValue,
    gzip: header::HeaderValue,
}

/// Bodies smaller than about one packet are sent as they are.
const GZIP_FROM_BYTES: usize = 1400;

impl Cached {
    pub fn json<T: Serialize>(value: &T) -> AppResult<Cached> {
        let body = serde_json::to_vec(value)
            .map_err(|e| AppError::Internal(format!("an answer did not serialize: {e}")))?;
        let gzip = (body.len() >= GZIP_FROM_BYTES).then(Arc::default);
        Ok(Cached {
            body: Bytes::from(body),
            gzip,
            etags: None,
            cache_control: None,
        })
    }

    /// One stored record, tagged with its version as every answer about it is (the `If-Match`
    /// of a write names that tag, so the body is only sent as it is: a gzip copy would be
    /// another representation with another tag).
    pub fn record<R: Record>(record: &R) -> AppResult<Cached> {
        let mut answer = Cached::json(record)?;
        answer.gzip = None;
        answer.etags = header::HeaderValue::from_str(&etag(record.version()))
            .ok()
            .map(|tag| Etags {
                plain: tag.clone(),
                gzip: tag,
            });
        Ok(answer)
    }

    /// The answer tagged `"{tag}"` (and `"{tag}-gzip"` when gzip-coded); `tag` is a hash of
    /// the body in letters and digits, so the header values are always valid.
    pub fn with_etag(mut self, tag: &str) -> Cached {
        let value = |etag: String| header::HeaderValue::from_str(&etag).ok();
        self.etags = value(format!("\"{tag}\""))
            .zip(value(format!("\"{tag}-gzip\"")))
            .map(|(plain, gzip)| Etags { plain, gzip });
        self
    }

    /// Bytes held, for the cache's size limit: a gzip copy, made later, is counted ahead
    /// as a third of the body (JSON codes to a third to a tenth).
    fn size(&self) -> usize {
        self.body.len() + self.gzip.as_ref().map_or(0, |_| self.body.len() / 3)
    }

    /// The gzip-coded body, made now if this is the first request for it; none for a body
    /// not worth coding (or in the unexpected case the encoder fails).
    fn gzip_body(&self) -> Option<&Bytes> {
        self.gzip
            .as_ref()?
            .get_or_init(|| gzip(&self.body))
            .as_ref()
    }

    /// The ETag of the representation sent to a client that does or does not take gzip:
    /// a gzip-coded body is another representation, so it has its own strong tag.
    fn etag_for(&self, encoding: AcceptEncoding) -> Option<&header::HeaderValue> {
        let etags = self.etags.as_ref()?;
        if self.coded_body(encoding).is_some() {
            Some(&etags.gzip)
        } else {
            Some(&etags.plain)
        }
    }

    /// The gzip-coded body, for a client that takes gzip when the answer has one.
    fn coded_body(&self, encoding: AcceptEncoding) -> Option<&Bytes> {
        encoding.gzip.then(|| self.gzip_body()).flatten()
    }

    /// Whether the client already holds either representation (`If-None-Match`).
    pub fn held_by(&self, if_none_match: &IfNoneMatch) -> bool {
        !if_none_match.is_empty()
            && [
                AcceptEncoding { gzip: false },
                AcceptEncoding { gzip: true },
            ]
            .into_iter()
            .filter_map(|encoding| self.etag_for(encoding))
            .filter_map(|etag| etag.to_str().ok())
            .any(|etag| if_none_match.matches(etag))
    }

    /// The headers every answer of this body carries, the body aside: ETag, Cache-Control,
    /// and `Vary` where a gzip copy exists (shared caches must keep the two apart).
    pub fn headers(&self, encoding: AcceptEncoding) -> HttpResponseBuilder {
        let mut response = HttpResponse::Ok();
        if let Some(etag) = self.etag_for(encoding) {
            response.insert_header((header::ETAG, etag.clone()));
        }
        if let Some(cache_control) = self.cache_control {
            response.insert_header((header::CACHE_CONTROL, cache_control));
        }
        if self.gzip.is_some() {
            response.insert_header((header::VARY, "Accept-Encoding"));
        }
        response
    }

    /// A 200 with the body, gzip-coded when the client takes it.
    pub fn response(&self, encoding: AcceptEncoding) -> HttpResponse {
        let mut response = self.headers(encoding);
        response.content_type("application/json");
        match self.coded_body(encoding) {
            Some(gzip) => response
                .insert_header((header::CONTENT_ENCODING, "gzip"))
                .body(gzip.clone()),
            None => response.body(self.body.clone()),
        }
    }
}

/// `body` gzip-coded; none in the (unexpected) case the encoder fails.
fn gzip(body: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 8),
        flate2::Compression::default(),
    );
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

#[derive(Default)]
struct Organization {
    generation: u64,
    /// The newest change `sync` saw; `None` until its first look.
    seen_seq: Option<i64>,
    entries: HashMap<String, (Instant, Cached)>,
    bytes: usize,
    /// Held while an answer is being filled.
    gates: HashMap<String, Arc<tokio::sync::Mutex<()>>>,
}

#[derive(Default)]
struct State {
    organizations: HashMap<Id, Organization>,
    /// Municipality codes of the public view, and the organization each named when last
    /// read from the database (an answer is only kept under the organization it came from).
    codes: HashMap<String, Id>,
    bytes: usize,
}

/// The cache, shared by the workers of one instance. `max_bytes` 0 turns it off.
#[derive(Clone)]
pub struct ResponseCache {
    state: Arc<RwLock<State>>,
    /// Hits and misses, for the metrics.
    counts: Arc<[AtomicU64; 2]>,
    max_bytes: usize,
    ttl: Duration,
}

/// How many bytes of answers are kept by default, and for how long.
pub const DEFAULT_CACHE_MB: usize = 32;
pub const DEFAULT_CACHE_TTL_SECONDS: u64 = 300;
pub const DEFAULT_CACHE_SYNC_MS: u64 = 200;

const HIT: usize = 0;
const MISS: usize = 1;

/// The cache's figures for the metrics.
#[derive(Debug, Clone, Copy, Default)]
pub struct CacheStats {
    /// Reads answered from the cache.
    pub hits: u64,
    /// Cacheable reads that were computed (and kept, unless too large or outdated).
    pub misses: u64,
    pub bytes: usize,
    pub max_bytes: usize,
}

impl Default for ResponseCache {
    fn default() -> Self {
        ResponseCache::new(
            DEFAULT_CACHE_MB * 1024 * 1024,
            Duration::from_secs(DEFAULT_CACHE_TTL_SECONDS),
        )
    }
}

impl ResponseCache {
    pub fn new(max_bytes: usize, ttl: Duration) -> ResponseCache {
        ResponseCache {
            state: Arc::default(),
            counts: Arc::default(),
            max_bytes,
            ttl,
        }
    }

    /// The answer under `key` today, from the cache or from `fill` (which is then kept);
    /// always from `fill` when the client asked for no cached answer. Errors are not kept.
    pub async fn serve<F>(
        &self,
        org: &Id,
        key: &str,
        no_cache: NoCache,
        fill: F,
    ) -> AppResult<Cached>
    where
        F: std::future::Future<Output = AppResult<Cached>>,
    {
        // Answers may depend on the day (overdue activities, the current plan period).
        let key = format!("{key}@{}", chrono::Utc::now().date_naive());
        if no_cache.0 {
            return self
                .fill_and_keep(org, key, self.generation(org), fill)
                .await;
        }
        if let Ok(hit) = self.lookup(org, &key) {
            self.counts[HIT].fetch_add(1, Ordering::Relaxed);
            return Ok(hit);
        }
        // One fill per answer at a time: the others wait for it rather than all reading
        // the database at once (and holding as many copies in memory).
        let gate = self.gate(org, &key);
        let filling = gate.lock().await;
        let generation = match self.lookup(org, &key) {
            Ok(hit) => {
                self.counts[HIT].fetch_add(1, Ordering::Relaxed);
                return Ok(hit);
            }
            Err(generation) => generation,
        };
        let answer = self.fill_and_keep(org, key.clone(), generation, fill).await;
        drop(filling);
        self.release(org, &key, gate);
        answer
    }

    /// A miss: the answer from `fill`, kept if it is one and the organization's generation
    /// is still the one it was computed under.
    async fn fill_and_keep<F>(
        &self,
        org: &Id,
        key: String,
        generation: u64,
        fill: F,
    ) -> AppResult<Cached>
    where
        F: std::future::Future<Output = AppResult<Cached>>,
    {
        self.counts[MISS].fetch_add(1, Ordering::Relaxed);
        let answer = fill.await;
        if let Ok(answer) = &answer {
            self.keep(org, key, generation, answer);
        }
        answer
    }

    /// Hits, misses and size so far, for the metrics.
    pub fn stats(&self) -> CacheStats {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        CacheStats {
            hits: self.counts[HIT].load(Ordering::Relaxed),
            misses: self.counts[MISS].load(Ordering::Relaxed),
            bytes: state.bytes,
            max_bytes: self.max_bytes,
        }
    }

    /// Forgets a gate no one else waits at (an answer that was not kept, a 404, leaves
    /// nothing behind).
    fn release(&self, org: &Id, key: &str, gate: Arc<tokio::sync::Mutex<()>>) {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if let Some(organization) = state.organizations.get_mut(org) {
            // Ours and the map's: no one waits.
            if Arc::strong_count(&gate) <= 2 {
                organization.gates.remove(key);
            }
        }
    }

    /// A 200 with the JSON of what `load` reads, kept under `key` as `serve` keeps answers.
    pub async fn serve_json<T, F>(
        &self,
        org: &Id,
        key: &str,
        encoding: AcceptEncoding,
        no_cache: NoCache,
        load: F,
    ) -> AppResult<HttpResponse>
    where
        T: Serialize,
        F: std::future::Future<Output = AppResult<T>>,
    {
        let fill = async { Cached::json(&load.await?) };
        Ok(self
            .serve(org, key, no_cache, fill)
            .await?
            .response(encoding))
    }

    /// The organization a municipality code was last found to name.
    pub fn organization_of(&self, code: &str) -> Option<Id> {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        state.codes.get(code).cloned()
    }

    /// Remembers the organization a code names, so that public answers can be kept under it.
    pub fn remember_code(&self, code: &str, org: &Id) {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if state.codes.len() < 10_000 {
            state.codes.insert(code.to_string(), org.clone());
        }
    }

    fn gate(&self, org: &Id, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        let organization = state.organizations.entry(org.clone()).or_default();
        organization
            .gates
            .entry(key.to_string())
            .or_default()
            .clone()
    }

    /// The organization's generation, to fill under.
    fn generation(&self, org: &Id) -> u64 {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        state.organizations.get(org).map_or(0, |o| o.generation)
    }

    /// A fresh answer, or the organization's generation to fill under.
    fn lookup(&self, org: &Id, key: &str) -> Result<Cached, u64> {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        let Some(organization) = state.organizations.get(org) else {
            return Err(0);
        };
        match organization.entries.get(key) {
            Some((at, cached)) if at.elapsed() < self.ttl => Ok(cached.clone()),
            _ => Err(organization.generation),
        }
    }

    fn keep(&self, org: &Id, key: String, generation: u64, answer: &Cached) {
        let size = key.len() + answer.size();
        if size > self.max_bytes / 4 {
            return;
        }
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if state.bytes + size > self.max_bytes {
            // Full: start over rather than track recency; answers are cheap to refill.
            for organization in state.organizations.values_mut() {
                organization.entries.clear();
                organization.gates.clear();
                organization.bytes = 0;
            }
            state.bytes = 0;
        }
        let organization = state.organizations.entry(org.clone()).or_default();
        if organization.generation != generation {
            return;
        }
        let replaced = organization
            .entries
            .insert(key, (Instant::now(), answer.clone()))
            .map_or(0, |(_, old)| size - answer.size() + old.size());
        organization.bytes = organization.bytes + size - replaced.min(organization.bytes);
        state.bytes = state.bytes + size - replaced.min(state.bytes);
    }

    /// Drops an organization's answers; fills begun before now are not kept.
    pub fn invalidate(&self, org: &Id) {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        // Kept even when nothing is cached yet: a fill already under way must not keep.
        let organization = state.organizations.entry(org.clone()).or_default();
        organization.generation += 1;
        organization.entries.clear();
        organization.gates.clear();
        let freed = std::mem::take(&mut organization.bytes);
        state.bytes -= freed.min(state.bytes);
    }

    /// Compares each cached organization's newest change with the last one seen, and
    /// invalidates those that moved: writes made elsewhere. One indexed lookup per
    /// organization with answers kept.
    pub fn sync(&self, conn: &mut DbConnection) -> QueryResult<()> {
        let tracked: Vec<(Id, Option<i64>)> = {
            let state = self.state.read().unwrap_or_else(|p| p.into_inner());
            state
                .organizations
                .iter()
                .filter(|(_, o)| !o.entries.is_empty() || o.seen_seq.is_none())
                .map(|(id, o)| (id.clone(), o.seen_seq))
                .collect()
        };
        for (org, seen) in tracked {
            let newest = crate::store::changes::latest(conn, &org)?;
            if seen == Some(newest) {
                continue;
            }
            self.invalidate(&org);
            let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
            if let Some(organization) = state.organizations.get_mut(&org) {
                organization.seen_seq = Some(newest);
            }
        }
        Ok(())
    }
}

/// Runs `sync` every `interval` for as long as the server runs.
pub async fn sync_every(store: crate::store::Store, interval: Duration) {
    let mut tick = actix_web::rt::time::interval(interval);
    loop {
        tick.tick().await;
        let cache = store.cache.clone();
        if let Err(error) = store.run(move |conn| Ok(cache.sync(conn)?)).await {
            log::warn!("the answer cache could not check for changes: {error}");
        }
    }
}
