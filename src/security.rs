//! Response hardening, once for every answer (handlers, fallbacks, the docs page, errors of
//! other middleware): the security headers, `Cache-Control: no-store` on everything that is
//! not public, a request target refused when it is over-long (414) or not UTF-8 (400), and
//! an error some layer answered without a body turned into problem+json.

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use futures_util::future::LocalBoxFuture;

use crate::error::{status_problem, AppError, PROBLEM_JSON};

/// The longest request target (path and query) served; longer is 414. Every filter and
/// cursor of the API fits in a fraction of it.
pub const MAX_URI_LENGTH: usize = 8 * 1024;

/// Nothing may load or frame an API answer.
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";
/// The docs page runs Swagger UI's own scripts and styles (it sets inline styles and shows
/// `data:` images) and fetches the document from this server; nothing from elsewhere.
const DOCS_POLICY: &str =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

/// The middleware: `App::wrap(SecurityHeaders { … })`.
#[derive(Clone, Default)]
pub struct SecurityHeaders {
    /// `Strict-Transport-Security`, sent only when configured (`HSTS`): behind TLS
    /// termination the service cannot tell whether the client came over HTTPS.
    pub hsts: Option<HeaderValue>,
}

impl SecurityHeaders {
    /// From the `HSTS` setting: the header's value (e.g. `max-age=31536000; includeSubDomains`).
    pub fn new(hsts: Option<&str>) -> Result<SecurityHeaders, String> {
        let hsts = match hsts {
            None => None,
            Some(value) => {
                if !value
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("max-age=")
                {
                    return Err(format!(
                        "HSTS must be a Strict-Transport-Security value starting with max-age=, got `{value}`"
                    ));
                }
                Some(
                    HeaderValue::from_str(value.trim())
                        .map_err(|_| format!("HSTS is not a valid header value: `{value}`"))?,
                )
            }
        };
        Ok(SecurityHeaders { hsts })
    }
}

impl<S, B> Transform<S, ServiceRequest> for SecurityHeaders
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = SecurityHeadersMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SecurityHeadersMiddleware {
            service: Rc::new(service),
            hsts: self.hsts.clone(),
        }))
    }
}

pub struct SecurityHeadersMiddleware<S> {
    service: Rc<S>,
    hsts: Option<HeaderValue>,
}

/// What kind of answer a path gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// Needs a token: never stored by a cache.
    Internal,
    /// The public view: anyone may read, cache and embed it.
    Public,
    /// Health, the OpenAPI document: no token, same origin.
    Open,
    /// The Swagger UI page.
    Docs,
}

fn audience(path: &str) -> Audience {
    if path.starts_with("/api/v1/public/") {
        Audience::Public
    } else if path == "/docs" || path.starts_with("/docs/") {
        Audience::Docs
    } else if path.starts_with("/health/") || path == "/api/v1/openapi.json" {
        Audience::Open
    } else {
        Audience::Internal
    }
}

impl<S, B> Service<ServiceRequest> for SecurityHeadersMiddleware<S>
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
        let hsts = self.hsts.clone();
        let audience = audience(req.path());
        Box::pin(async move {
            let response = if let Some(error) = target_problem(req.uri()) {
                req.error_response(error)
            } else {
                match service.call(req).await {
                    Ok(response) => response.map_into_boxed_body(),
                    // An error another middleware returns (rather than answers) is rendered
                    // by the server, past this layer: it takes the headers along.
                    Err(error) => {
                        return Err(Hardened {
                            error,
                            audience,
                            hsts,
                        }
                        .into())
                    }
                }
            };
            let mut response = problem_body(response);
            harden(response.headers_mut(), audience, hsts);
            Ok(response)
        })
    }
}

/// What is wrong with a request target, if anything: too long (414), or a path or query
/// that is not UTF-8 once percent-decoded or holds NUL (400). Decoding would otherwise turn
/// such bytes into U+FFFD quietly, and a filter or code on that would simply match nothing.
fn target_problem(uri: &actix_web::http::Uri) -> Option<AppError> {
    let length = uri.path_and_query().map_or(0, |p| p.as_str().len());
    if length > MAX_URI_LENGTH {
        return Some(AppError::UriTooLong(format!(
            "the request target is {length} bytes; at most {MAX_URI_LENGTH} are served"
        )));
    }
    for (part, text) in [("path", uri.path()), ("query", uri.query().unwrap_or(""))] {
        let problem = match percent_encoding::percent_decode_str(text).decode_utf8() {
            Err(_) => "is not UTF-8 once percent-decoded",
            Ok(decoded) if decoded.contains('\0') => "must not contain NUL characters",
            Ok(_) => continue,
        };
        return Some(AppError::bad_request(part, problem));
    }
    None
}

/// An error that is rendered with the headers of its path.
#[derive(Debug)]
struct Hardened {
    error: actix_web::Error,
    audience: Audience,
    hsts: Option<HeaderValue>,
}

impl std::fmt::Display for Hardened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl actix_web::ResponseError for Hardened {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        let mut response = self.error.error_response();
        if !is_problem(response.headers()) {
            response = actix_web::HttpResponse::build(response.status())
                .content_type(PROBLEM_JSON)
                .json(status_problem(response.status()));
        }
        harden(response.headers_mut(), self.audience, self.hsts.clone());
        response
    }
}

fn is_problem(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON))
}

/// An error answered without a problem+json body gets one for its status, keeping its
/// headers (`Allow`, `WWW-Authenticate`, CORS).
fn problem_body(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem(response.headers()) {
        return response;
    }
    let body = serde_json::to_vec(&status_problem(status)).unwrap_or_default();
    response.map_body(|head, _| {
        head.headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        head.headers.remove(header::CONTENT_LENGTH);
        BoxBody::new(body)
    })
}

fn harden(headers: &mut HeaderMap, audience: Audience, hsts: Option<HeaderValue>) {
    let mut set = |name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "no-referrer");
    set(
        header::CONTENT_SECURITY_POLICY,
        if audience == Audience::Docs {
            DOCS_POLICY
        } else {
            API_POLICY
        },
    );
    set(
        header::CROSS_ORIGIN_RESOURCE_POLICY,
        if audience == Audience::Public {
            "cross-origin"
        } else {
            "same-origin"
        },
    );
    // An answer for a token holder must not outlive the request in any cache; public
    // answers keep the caching their handler chose.
    if audience == Audience::Internal {
        set(header::CACHE_CONTROL, "no-store");
    }
    if let Some(hsts) = hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_must_be_a_max_age() {
        assert!(SecurityHeaders::new(None).expect("no HSTS").hsts.is_none());
        assert!(
            SecurityHeaders::new(Some("max-age=31536000; includeSubDomains"))
                .expect("a value")
                .hsts
                .is_some()
        );
        assert!(SecurityHeaders::new(Some("yes")).is_err());
        assert!(SecurityHeaders::new(Some("max-age=1\n")).is_ok());
        assert!(SecurityHeaders::new(Some("max-age=1\u{7f}x")).is_err());
    }

    #[test]
    fn targets_are_short_utf8_without_nul() {
        let problem = |target: &str| {
            target_problem(&target.parse().expect("a URI")).map(|e| e.problem().status)
        };
        assert_eq!(problem("/api/v1/units?responsible=%C3%A5sa"), None);
        assert_eq!(problem("/api/v1/public/%ff%fe/goals"), Some(400));
        assert_eq!(problem("/api/v1/units?responsible=%ff"), Some(400));
        assert_eq!(problem("/api/v1/units?responsible=a%00b"), Some(400));
        assert_eq!(problem("/api/v1/units/%00"), Some(400));
        let long = format!("/api/v1/units?cursor={}", "a".repeat(MAX_URI_LENGTH));
        assert_eq!(problem(&long), Some(414));
    }

    #[test]
    fn paths_sort_into_audiences() {
        assert!(audience("/api/v1/public/0683/goals") == Audience::Public);
        assert!(audience("/docs/") == Audience::Docs);
        assert!(audience("/docs") == Audience::Docs);
        assert!(audience("/documents") == Audience::Internal);
        assert!(audience("/health/live") == Audience::Open);
        assert!(audience("/api/v1/goals") == Audience::Internal);
        assert!(audience("/api/v1/publicity") == Audience::Internal);
    }
}
