//! Request extractors whose failures are problem+json with the field that is wrong:
//! JSON bodies, query strings, path ids and `If-Match`; the headers a cached read is asked
//! with (`If-None-Match`, `Accept-Encoding`, `Cache-Control`) are the answer cache's
//! (`crate::cache::request`).

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::{Deserialize, Deserializer};
use std::future::{ready, Ready};

use crate::cache::request::entity_tags;
pub use crate::cache::request::{AcceptEncoding, IfNoneMatch, NoCache};
use crate::domain::input::field_of;
pub use crate::domain::input::parse_json;
pub use crate::domain::write::{etag, IfMatch};
use crate::error::{AppError, FieldError};

/// A JSON request body. Malformed JSON is a 400; a well-formed body with a missing,
/// unknown or mistyped field is a 422 naming the field; over the body limit is a 413.
pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = match req.headers().get(header::CONTENT_TYPE) {
            None => true,
            Some(value) => value
                .to_str()
                .map(|v| {
                    let essence = v
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase();
                    essence == "application/json" || essence.ends_with("+json")
                })
                .unwrap_or(false),
        };
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Err(AppError::UnsupportedMediaType(
                    "the request body must be JSON (Content-Type: application/json)".to_string(),
                ));
            }
            let bytes = bytes
                .await
                .map_err(|e| match e.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => AppError::PayloadTooLarge(
                        "the request body is larger than the configured limit (BODY_LIMIT_BYTES)"
                            .to_string(),
                    ),
                    _ => AppError::BadRequest {
                        detail: format!("the request body could not be read: {e}"),
                        errors: vec![],
                    },
                })?;
            // serde reads a struct from an array too, field by field in order; every
            // request body here is an object.
            if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
                parse_json::<serde::de::IgnoredAny>(&bytes)?;
                return Err(AppError::Unprocessable {
                    detail: "invalid request body: an array where an object belongs".to_string(),
                    errors: vec![FieldError::new("body", "must be a JSON object")],
                });
            }
            parse_json(&bytes).map(JsonBody)
        })
    }
}

/// Query parameters; a bad one is a 400 naming the parameter.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = req.query_string();
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        ready(
            serde_path_to_error::deserialize(deserializer)
                .map(QueryParams)
                .map_err(|error| {
                    let path = error.path().to_string();
                    let message = error.into_inner().to_string();
                    let field = field_of(&path, &message);
                    let field = if field == "body" {
                        "query".to_string()
                    } else {
                        field
                    };
                    AppError::bad_request(&field, message)
                }),
        )
    }
}

/// A query parameter naming several values, comma-separated (`?expand=indicators,status`:
/// OpenAPI style `form` with `explode: false`). Each name must be one of `T`'s; an unknown
/// one fails `QueryParams`, a 400 naming the parameter and listing the allowed values.
/// Absent or empty is the empty list; a name given twice counts once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommaList<T>(pub Vec<T>);

impl<T> Default for CommaList<T> {
    fn default() -> Self {
        CommaList(Vec::new())
    }
}

impl<T: PartialEq> CommaList<T> {
    pub fn contains(&self, value: &T) -> bool {
        self.0.contains(value)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, T: DeserializeOwned + PartialEq> Deserialize<'de> for CommaList<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let mut values = Vec::new();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let value = T::deserialize(IntoDeserializer::<D::Error>::into_deserializer(name))?;
            if !values.contains(&value) {
                values.push(value);
            }
        }
        Ok(CommaList(values))
    }
}

fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

/// A bad path parameter (an id that is not a UUID) is a 400 naming it.
pub fn path_error(error: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    let message = error.to_string();
    AppError::bad_request(
        "id",
        message
            .trim_start_matches("Path deserialize error: ")
            .to_string(),
    )
    .into()
}

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get(header::IF_MATCH) else {
            return ready(Ok(IfMatch::default()));
        };
        let Ok(text) = value.to_str() else {
            return ready(Err(AppError::bad_request(
                "If-Match",
                "is not readable text",
            )));
        };
        ready(Ok(IfMatch::versions(entity_tags(text))))
    }
}
