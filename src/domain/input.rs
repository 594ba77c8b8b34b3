//! Reading what a writer sends: JSON into a request type, with every error naming its
//! field, for the API's bodies and the rows of an import alike.

use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldError};

/// A JSON document as `T`: 400 when it is not JSON, 422 naming the field when it does not
/// read as `T`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_data() {
            let message = inner.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            let field = field_of(&path, &message);
            AppError::Unprocessable {
                detail: format!("invalid request body: {message}"),
                errors: vec![FieldError::new(field, message)],
            }
        } else {
            AppError::BadRequest {
                detail: format!("the request body is not valid JSON: {inner}"),
                errors: vec![],
            }
        }
    })?;
    deserializer.end().map_err(|e| AppError::BadRequest {
        detail: format!("the request body is not valid JSON: {e}"),
        errors: vec![],
    })?;
    Ok(value)
}

/// The field a serde message is about. serde reports a missing field at the enclosing
/// object (so its name is added from "missing field `x`"), an unknown one at itself.
pub fn field_of(path: &str, message: &str) -> String {
    let base = if path == "." { "" } else { path };
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    match (missing, unknown) {
        (Some(name), _) if base.is_empty() => name.to_string(),
        (Some(name), _) => format!("{base}.{name}"),
        (None, Some(name)) if base.is_empty() => name.to_string(),
        _ if base.is_empty() => "body".to_string(),
        _ => base.to_string(),
    }
}
