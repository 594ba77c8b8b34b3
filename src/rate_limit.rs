//! Rate limiting: a token bucket per caller (the verified token's organization and subject)
//! or, for requests without a valid token, per client address. Over the limit is a 429
//! problem+json with `Retry-After`. `RATE_LIMIT_PER_MINUTE` refills the bucket,
//! `RATE_LIMIT_BURST` is its size; `RATE_LIMIT_PER_MINUTE=0` turns limiting off.
//!
//! The buckets are `governor`'s (GCRA, MIT); the middleware is ours, since actix-governor is
//! GPL-3.0 (this crate is MIT) and keys by address only, where we key by verified caller.
//! Keying by the verified caller, not by what an unverified token claims, means a forged
//! token can neither drain someone else's bucket nor buy a fresh one: it counts against
//! the address it came from.

use std::future::{ready, Ready};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::HttpMessage;
use futures_util::future::LocalBoxFuture;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Content, Header, OpenApi as OpenApiDoc, Ref, RefOr, Response};

use crate::auth::Caller;
use crate::error::AppError;
use crate::networks::Network;

/// Requests a caller may make per minute, on average, by default.
pub const DEFAULT_PER_MINUTE: u32 = 1200;
/// How many requests a caller may make at once by default (the bucket's size).
pub const DEFAULT_BURST: u32 = 1000;
/// How often (in checks) buckets that are full again are dropped, so that the table holds
/// only recent callers.
const PRUNE_EVERY: u64 = 4096;

/// The settings: `RATE_LIMIT_PER_MINUTE`, `RATE_LIMIT_BURST`, `TRUSTED_PROXIES`.
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    /// 0 turns limiting off.
    pub per_minute: u32,
    pub burst: u32,
    /// Proxies whose `X-Forwarded-For` names the client; without any, the peer address is
    /// the client and the header is ignored.
    pub trusted_proxies: Vec<Network>,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            per_minute: DEFAULT_PER_MINUTE,
            burst: DEFAULT_BURST,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The limiter shared by every worker of a server (built once, cloned into each app).
#[derive(Clone)]
pub struct RateLimit {
    limiter: Option<Arc<Limiter>>,
}

struct Limiter {
    buckets: DefaultKeyedRateLimiter<Key>,
    settings: RateLimitSettings,
    checks: AtomicU64,
}

/// Whose bucket a request draws from.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
enum Key {
    Caller {
        organization: String,
        subject: String,
    },
    /// An IPv6 address by its /64, which one host usually holds whole.
    Address(IpAddr),
    /// No peer address (not over TCP).
    Unknown,
}

impl RateLimit {
    pub fn new(settings: RateLimitSettings) -> RateLimit {
        let Some(per_minute) = NonZeroU32::new(settings.per_minute) else {
            return RateLimit { limiter: None };
        };
        let burst = NonZeroU32::new(settings.burst).unwrap_or(per_minute);
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        RateLimit {
            limiter: Some(Arc::new(Limiter {
                buckets: RateLimiter::keyed(quota),
                settings,
                checks: AtomicU64::new(0),
            })),
        }
    }

    /// No limit at all.
    pub fn off() -> RateLimit {
        RateLimit { limiter: None }
    }
}

impl Limiter {
    /// Takes one request from the key's bucket, or says how many seconds until it may.
    fn check(&self, key: &Key) -> Result<(), u64> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.buckets.retain_recent();
        }
        self.buckets.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.buckets.clock().now());
            // Whole seconds, rounded up, and at least one: a client that waits as told
            // gets through.
            (wait.as_millis().div_ceil(1000) as u64).max(1)
        })
    }

    /// The client's address: the peer, or, when the peer is a trusted proxy, the address
    /// its `X-Forwarded-For` names (the right-most one that is not a trusted proxy itself).
    fn client(&self, req: &ServiceRequest) -> Key {
        let Some(mut client) = req.peer_addr().map(|a| a.ip().to_canonical()) else {
            return Key::Unknown;
        };
        let trusted = |ip: &IpAddr| self.settings.trusted_proxies.iter().any(|n| n.holds(ip));
        if trusted(&client) {
            let hops: Vec<&str> = req
                .headers()
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .collect();
            for hop in hops.iter().rev() {
                // Whatever a proxy we trust did not write is the client's to make up: stop
                // at the first entry that is not an address.
                let Some(ip) = parse_hop(hop) else { break };
                client = ip;
                if !trusted(&ip) {
                    break;
                }
            }
        }
        Key::Address(match client {
            IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !(u128::MAX >> 64)).into()),
            v4 => v4,
        })
    }
}

/// An `X-Forwarded-For` entry: an address, perhaps with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<std::net::SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// Paths never limited: the probes of an orchestrator.
fn exempt(path: &str) -> bool {
    path.starts_with("/health/")
}

impl<S, B> Transform<S, ServiceRequest> for RateLimit
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = RateLimitMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RateLimitMiddleware {
            service: Rc::new(service),
            limiter: self.limiter.clone(),
        }))
    }
}

pub struct RateLimitMiddleware<S> {
    service: Rc<S>,
    limiter: Option<Arc<Limiter>>,
}

impl<S, B> Service<ServiceRequest> for RateLimitMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, actix_web::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let limiter = self.limiter.clone();
        Box::pin(async move {
            let Some(limiter) = limiter.filter(|_| !exempt(req.path())) else {
                return Ok(service.call(req).await?.map_into_boxed_body());
            };
            let key = match req.extract::<Caller>().await {
                Ok(caller) => {
                    let key = Key::Caller {
                        organization: caller.organization_id.to_string(),
                        subject: caller.subject.clone(),
                    };
                    // The handler's extractor takes it from here rather than verify again.
                    req.extensions_mut().insert(caller);
                    key
                }
                Err(_) => limiter.client(&req),
            };
            match limiter.check(&key) {
                Ok(()) => Ok(service.call(req).await?.map_into_boxed_body()),
                Err(retry_after) => {
                    let whose = match key {
                        Key::Caller { .. } => "this token's subject",
                        _ => "this address",
                    };
                    let error = AppError::TooManyRequests {
                        detail: format!(
                            "too many requests from {whose} (at most {} a minute, {} at once); retry after {retry_after} s",
                            limiter.settings.per_minute, limiter.settings.burst
                        ),
                        retry_after,
                    };
                    Ok(req.error_response(error))
                }
            }
        })
    }
}

/// Documents the 429 on every operation the limit applies to.
pub fn document(doc: &mut OpenApiDoc) {
    for (path, item) in doc.paths.paths.iter_mut() {
        if exempt(path) {
            continue;
        }
        for operation in [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            let mut response = Response::new(
                "Too many requests from this token's subject (or, without a valid token, from this \
address): wait `Retry-After` seconds. Limits are `RATE_LIMIT_PER_MINUTE` and `RATE_LIMIT_BURST`",
            );
            response.headers.insert(
                "Retry-After".to_string(),
                Header::builder()
                    .schema(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(1)),
                    )
                    .description(Some("Seconds to wait before the next request gets through"))
                    .build(),
            );
            response.content.insert(
                crate::error::PROBLEM_JSON.to_string(),
                Content::new(Some(Ref::from_schema_name("Problem"))),
            );
            operation
                .responses
                .responses
                .insert("429".to_string(), RefOr::T(response));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn forwarded_entries_may_carry_ports() {
        assert_eq!(parse_hop(" 1.2.3.4 "), Some(ip("1.2.3.4")));
        assert_eq!(parse_hop("1.2.3.4:5678"), Some(ip("1.2.3.4")));
        assert_eq!(parse_hop("[2001:db8::1]:80"), Some(ip("2001:db8::1")));
        assert_eq!(parse_hop("::ffff:1.2.3.4"), Some(ip("1.2.3.4")));
        assert_eq!(parse_hop("unknown"), None);
    }

    #[test]
    fn a_bucket_empties_and_says_when_it_refills() {
        let limit = RateLimit::new(RateLimitSettings {
            per_minute: 60,
            burst: 2,
            trusted_proxies: Vec::new(),
        });
        let limiter = limit.limiter.expect("on");
        let key = Key::Unknown;
        assert_eq!(limiter.check(&key), Ok(()));
        assert_eq!(limiter.check(&key), Ok(()));
        assert_eq!(limiter.check(&key), Err(1));
        let other = Key::Address(ip("10.0.0.1"));
        assert_eq!(limiter.check(&other), Ok(()));
        assert!(RateLimit::new(RateLimitSettings {
            per_minute: 0,
            ..RateLimitSettings::default()
        })
        .limiter
        .is_none());
    }
}
