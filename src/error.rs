//! One error type for the whole service, rendered as RFC 9457 `application/problem+json`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One problem with one input field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field, as a JSON path (`title`, `footnotes[2]`) or a parameter name (`id`, `limit`).
    #[schema(example = "title")]
    pub field: String,
    /// What is wrong with it.
    #[schema(example = "must not be empty")]
    pub message: String,
    /// In a bulk import: the record's position in the file (1 is the first record).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 12)]
    pub row: Option<u64>,
    /// In a bulk import of CSV or NDJSON: the line of the file the record is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 13)]
    pub line: Option<u64>,
    /// In a bulk import: the value the file gave the field, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
            row: None,
            line: None,
            value: None,
        }
    }
}

/// An RFC 9457 problem details document; every 4xx and 5xx body has this shape.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:malstyrning:problem:validation",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "the request body has invalid fields",
    "errors": [{"field": "title", "message": "must not be empty"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:malstyrning:problem:<kind>`).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP reason phrase of the status.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
    /// Field-level details, where the problem is with particular inputs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{detail}")]
    Conflict {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    PreconditionFailed(String),
    /// The client stopped sending its body.
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UriTooLong(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{detail}")]
    Unprocessable {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// Over the rate limit; the client may retry after this many seconds.
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// The detail with each field's error, for a reader without the JSON (the command line).
    pub fn with_fields(&self) -> String {
        let errors = match self {
            AppError::BadRequest { errors, .. }
            | AppError::Conflict { errors, .. }
            | AppError::Unprocessable { errors, .. } => errors.as_slice(),
            _ => &[],
        };
        let mut text = self.to_string();
        for error in errors {
            text.push_str(&format!("\n  {}: {}", error.field, error.message));
        }
        text
    }

    /// 503: the database cannot be reached (away, or the connection lost).
    pub fn unreachable() -> Self {
        AppError::Unavailable("the database is not reachable; try again shortly".to_string())
    }

    /// 503: the database is taken by other writers; a retry succeeds.
    pub fn busy() -> Self {
        AppError::Unavailable("the database is busy; try again".to_string())
    }

    pub fn not_found(kind: &str) -> Self {
        AppError::NotFound(format!("no {kind} with that id in this organization"))
    }

    /// 422 for one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Unprocessable {
            detail: format!("invalid value for `{field}`"),
            errors: vec![FieldError::new(field, message)],
        }
    }

    /// 422 for several fields at once, or Ok when there are none.
    pub fn check_fields(errors: Vec<FieldError>) -> AppResult<()> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Unprocessable {
                detail: "the request has invalid fields".to_string(),
                errors,
            })
        }
    }

    /// 409 naming the field that conflicts.
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Conflict {
            detail: message.clone(),
            errors: vec![FieldError::new(field, message)],
        }
    }

    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::BadRequest {
            detail: format!("invalid parameter `{field}`: {message}"),
            errors: vec![FieldError::new(field, message)],
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            AppError::BadRequest { .. } => "bad-request",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not-found",
            AppError::MethodNotAllowed(_) => "method-not-allowed",
            AppError::Conflict { .. } => "conflict",
            AppError::Gone(_) => "gone",
            AppError::PreconditionFailed(_) => "precondition-failed",
            AppError::RequestTimeout(_) => "request-timeout",
            AppError::PayloadTooLarge(_) => "payload-too-large",
            AppError::UriTooLong(_) => "uri-too-long",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::Unprocessable { .. } => "validation",
            AppError::TooManyRequests { .. } => "too-many-requests",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let errors = match self {
            AppError::BadRequest { errors, .. }
            | AppError::Conflict { errors, .. }
            | AppError::Unprocessable { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        let detail = match self {
            // Never leak internals; the log has them.
            AppError::Internal(_) => "the server could not complete the request".to_string(),
            other => other.to_string(),
        };
        Problem {
            problem_type: format!("urn:malstyrning:problem:{}", self.kind()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

/// The problem for a status a layer outside the handlers answered without a problem body
/// (a file the docs page does not have), so that every error reads the same.
pub fn status_problem(status: StatusCode) -> Problem {
    let detail = status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase();
    let error = match status.as_u16() {
        400 => AppError::BadRequest {
            detail,
            errors: Vec::new(),
        },
        401 => AppError::Unauthorized(detail),
        403 => AppError::Forbidden(detail),
        404 => AppError::NotFound(detail),
        405 => AppError::MethodNotAllowed(detail),
        408 => AppError::RequestTimeout(detail),
        413 => AppError::PayloadTooLarge(detail),
        414 => AppError::UriTooLong(detail),
        415 => AppError::UnsupportedMediaType(detail),
        503 => AppError::Unavailable(detail),
        500 => AppError::Internal(detail),
        other => {
            return Problem {
                problem_type: format!("urn:malstyrning:problem:http-{other}"),
                title: status.canonical_reason().unwrap_or("Error").to_string(),
                status: other,
                detail,
                errors: Vec::new(),
            }
        }
    };
    error.problem()
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            AppError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            log::error!("internal error: {cause}");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            AppError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"malstyrning\""));
            }
            AppError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            AppError::TooManyRequests { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

/// Database errors map to statuses in this one place.
impl From<DieselError> for AppError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::NotFound => AppError::NotFound("not found".to_string()),
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => {
                    let fields = conflicting_columns(info.message(), info.details());
                    let field = fields.last().cloned().unwrap_or_else(|| "external_id".to_string());
                    AppError::conflict(
                        &field,
                        format!("another record already has this {}", fields.join(" and ")),
                    )
                }
                DatabaseErrorKind::ForeignKeyViolation => AppError::Conflict {
                    detail: "the record is referenced by other records, or references one that does not exist"
                        .to_string(),
                    errors: Vec::new(),
                },
                DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => {
                    AppError::Unprocessable { detail: info.message().to_string(), errors: Vec::new() }
                }
                DatabaseErrorKind::SerializationFailure | DatabaseErrorKind::ClosedConnection => {
                    AppError::busy()
                }
                // A PostgreSQL deadlock victim: its transaction is rolled back, a retry succeeds.
                _ if info.message().contains("database is locked")
                    || info.message().starts_with("deadlock detected") =>
                {
                    AppError::busy()
                }
                _ if connection_lost(info.message()) => {
                    log::warn!("database connection lost: {}", info.message());
                    AppError::unreachable()
                }
                // PostgreSQL refuses NUL characters in text (from a body or a query filter).
                _ if info.message().contains("invalid byte sequence") => AppError::BadRequest {
                    detail: "text must not contain NUL characters".to_string(),
                    errors: Vec::new(),
                },
                _ => AppError::Internal(error.to_string()),
            },
            // A transaction that could not be rolled back: its connection is gone.
            DieselError::BrokenTransactionManager => {
                log::warn!("database connection lost in a transaction");
                AppError::unreachable()
            }
            _ => AppError::Internal(error.to_string()),
        }
    }
}

/// Whether a PostgreSQL error says the server went away (shut down, crashed, restarting) rather
/// than refusing the statement. libpq reports these without an error code diesel maps.
fn connection_lost(message: &str) -> bool {
    [
        "server closed the connection",
        "terminating connection",
        "no connection to the server",
        "could not receive data from server",
        "could not send data to server",
        "the database system is",
        "connection to server",
    ]
    .iter()
    .any(|m| message.contains(m))
}

/// The columns of a unique violation, without the tenant column. SQLite says
/// "UNIQUE constraint failed: goals.organization_id, goals.number"; PostgreSQL's detail
/// says "Key (organization_id, number)=(…) already exists."
fn conflicting_columns(message: &str, details: Option<&str>) -> Vec<String> {
    let list = if let Some(rest) = message.strip_prefix("UNIQUE constraint failed: ") {
        rest.split(", ")
            .map(|c| c.rsplit('.').next().unwrap_or(c).to_string())
            .collect::<Vec<_>>()
    } else if let Some(inner) = details
        .and_then(|d| d.strip_prefix("Key ("))
        .and_then(|d| d.split(")=").next())
    {
        inner.split(", ").map(str::to_string).collect()
    } else {
        Vec::new()
    };
    list.into_iter()
        .filter(|c| c != "organization_id" && c != "plan_period_id")
        .collect()
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        log::warn!("database unavailable: {error}");
        crate::metrics::pool_timed_out();
        AppError::unreachable()
    }
}

impl From<diesel::ConnectionError> for AppError {
    fn from(error: diesel::ConnectionError) -> Self {
        log::warn!("cannot connect to the database: {error}");
        AppError::unreachable()
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        AppError::Unavailable("the server is shutting down".to_string())
    }
}

/// Adds the problems every operation of a kind can answer, stated once here rather than at
/// each operation: 401 to those that take a bearer token, 503 to those that read the
/// database (those with a token, and the public view), 413 to those with a body and 415 to
/// those whose body is JSON. An operation that says otherwise keeps its own.
pub fn document(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Content, Ref, RefOr, Response};
    let problem = |description: &str| {
        let mut response = Response::new(description);
        response.content.insert(
            PROBLEM_JSON.to_string(),
            Content::new(Some(Ref::from_schema_name("Problem"))),
        );
        RefOr::T(response)
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let public = path.starts_with("/api/v1/public/");
        let reads = [item.get.as_mut(), item.delete.as_mut()].map(|op| (op, false));
        let writes =
            [item.post.as_mut(), item.put.as_mut(), item.patch.as_mut()].map(|op| (op, true));
        for (operation, with_body) in reads.into_iter().chain(writes) {
            let Some(operation) = operation else { continue };
            let json_body = operation
                .request_body
                .as_ref()
                .is_some_and(|body| body.content.contains_key("application/json"));
            let bearer = operation.security.iter().flatten().any(|requirement| {
                serde_json::to_value(requirement).is_ok_and(|value| value.get("bearer").is_some())
            });
            let responses = &mut operation.responses.responses;
            if bearer {
                responses
                    .entry("401".to_string())
                    .or_insert_with(|| problem("No valid bearer token"));
            }
            if bearer || public {
                responses
                    .entry("503".to_string())
                    .or_insert_with(|| problem("The database is not reachable; retry shortly"));
            }
            if with_body {
                responses
                    .entry("413".to_string())
                    .or_insert_with(|| problem("The body is over the size limit"));
            }
            if json_body {
                responses
                    .entry("415".to_string())
                    .or_insert_with(|| problem("The body is not JSON"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violation_names_the_column_on_both_backends() {
        assert_eq!(
            conflicting_columns("UNIQUE constraint failed: goals.organization_id, goals.plan_period_id, goals.number", None),
            vec!["number"]
        );
        assert_eq!(
            conflicting_columns(
                "duplicate key value violates unique constraint \"goals_organization_id_plan_period_id_number_key\"",
                Some("Key (organization_id, plan_period_id, number)=(a, b, 3) already exists.")
            ),
            vec!["number"]
        );
    }

    #[test]
    fn a_deadlock_victim_is_told_to_retry() {
        let deadlock = DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("deadlock detected".to_string()),
        );
        let error = AppError::from(deadlock);
        assert!(matches!(error, AppError::Unavailable(_)), "{error:?}");
    }
}
