//! What a read asks of the answer cache, from its request headers: the ETags the client
//! holds (`If-None-Match`), whether it takes gzip (`Accept-Encoding`), and whether it wants
//! the database rather than the cache (`Cache-Control: no-cache`).

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};

use crate::error::AppError;

/// The tags of an `If-Match` or `If-None-Match` list, without quotes and `W/`.
pub fn entity_tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(|t| {
            t.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .to_string()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// The `If-None-Match` condition of a read: the ETags the client holds (or `*`). One it
/// cannot read is ignored, so the client gets the full answer.
pub struct IfNoneMatch(Vec<String>);

impl IfNoneMatch {
    /// Whether the client already holds the representation with this ETag (quoted).
    /// Whether the request named no (readable) tag at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, etag: &str) -> bool {
        let etag = etag.trim_matches('"');
        self.0.iter().any(|t| t == "*" || t == etag)
    }
}

impl FromRequest for IfNoneMatch {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let tags = header_lines(req, header::IF_NONE_MATCH)
            .flat_map(entity_tags)
            .collect();
        ready(Ok(IfNoneMatch(tags)))
    }
}

/// Every line of a request header, as text (a line that is not is left out): one list when
/// the header is a list (RFC 9110 §5.3).
fn header_lines(req: &HttpRequest, name: header::HeaderName) -> impl Iterator<Item = &str> {
    req.headers()
        .get_all(name)
        .filter_map(|value| value.to_str().ok())
}

/// Whether the client takes a gzip-coded answer (`Accept-Encoding`, RFC 9110 §12.5.3):
/// `gzip` (or `x-gzip`, or `*`) with a weight above zero. No header, or one that cannot be
/// read, means the plain answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AcceptEncoding {
    pub gzip: bool,
}

impl AcceptEncoding {
    /// Reads the header's lines as one list (RFC 9110 §5.3).
    pub fn parse<'a>(lines: impl IntoIterator<Item = &'a str>) -> AcceptEncoding {
        // An explicit `gzip;q=0` refuses gzip even when `*` would allow it.
        let mut gzip = None;
        let mut any = false;
        for item in lines.into_iter().flat_map(|line| line.split(',')) {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let weight = parts
                .filter_map(|p| p.trim().split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(1.0, |(_, q)| q.trim().parse::<f32>().unwrap_or(0.0));
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                gzip = Some(weight > 0.0);
            } else if coding == "*" {
                any = weight > 0.0;
            }
        }
        AcceptEncoding {
            gzip: gzip.unwrap_or(any),
        }
    }
}

impl FromRequest for AcceptEncoding {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(AcceptEncoding::parse(header_lines(
            req,
            header::ACCEPT_ENCODING,
        ))))
    }
}

/// Whether the client asks for an answer read from the database rather than one the answer
/// cache holds (`Cache-Control: no-cache` or `max-age=0`, RFC 9111 §5.2.1): with several
/// instances, the newest state even just after a write through another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoCache(pub bool);

impl NoCache {
    /// Reads the header's lines as one list of directives.
    pub fn parse<'a>(lines: impl IntoIterator<Item = &'a str>) -> NoCache {
        NoCache(
            lines
                .into_iter()
                .flat_map(|line| line.split(','))
                .any(|directive| {
                    let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
                    let name = name.trim();
                    name.eq_ignore_ascii_case("no-cache")
                        || (name.eq_ignore_ascii_case("max-age")
                            && value.trim().trim_matches('"') == "0")
                }),
        )
    }
}

/// The header in the OpenAPI document of every read the answer cache keeps for readers with a
/// token.
impl utoipa::IntoParams for NoCache {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ObjectBuilder, Required, Type};
        vec![ParameterBuilder::new()
            .name("Cache-Control")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "`no-cache` (or `max-age=0`) reads the database rather than the answer cache. \
                 Only needed with several instances, where a write through another one is \
                 otherwise read within `CACHE_SYNC_MS`",
            ))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()]
    }
}

impl FromRequest for NoCache {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(NoCache::parse(header_lines(req, header::CACHE_CONTROL))))
    }
}

#[cfg(test)]
mod tests {
    use super::{AcceptEncoding, NoCache};

    #[test]
    fn no_cache_is_asked_by_no_cache_or_a_max_age_of_zero() {
        for (lines, afresh) in [
            (vec!["no-cache"], true),
            (vec!["No-Cache"], true),
            (vec!["max-age=0"], true),
            (vec!["max-stale, max-age=0"], true),
            (vec!["no-transform", "no-cache"], true),
            (vec!["max-age=60"], false),
            (vec!["max-age=00x"], false),
            (vec!["no-store"], false),
            (vec![], false),
        ] {
            assert_eq!(NoCache::parse(lines.clone()).0, afresh, "{lines:?}");
        }
    }

    #[test]
    fn gzip_is_taken_when_named_or_allowed_by_a_star_with_a_weight_above_zero() {
        for (header, gzip) in [
            ("gzip", true),
            ("gzip, deflate, br", true),
            ("br;q=1.0, GZIP;q=0.5", true),
            ("x-gzip", true),
            ("*", true),
            ("", false),
            ("identity", false),
            ("br, deflate", false),
            ("gzip;q=0", false),
            ("gzip;q=0.000", false),
            ("*, gzip;q=0", false),
            ("gzip;q=0, *", false),
            ("*;q=0", false),
            ("gzip;q=nonsense", false),
        ] {
            assert_eq!(AcceptEncoding::parse([header]).gzip, gzip, "{header:?}");
        }
    }
}
