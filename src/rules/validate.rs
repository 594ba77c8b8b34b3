//! Field validation for request bodies: collects every problem so a client sees all of
//! them in one 422, not one at a time.

use chrono::NaiveDate;

use crate::error::{AppError, AppResult, FieldError};

/// Longest name or title we accept.
pub const MAX_NAME: usize = 500;
/// Longest free text (descriptions, analyses) we accept.
pub const MAX_TEXT: usize = 20_000;

#[derive(Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    pub fn new() -> Self {
        Checks::default()
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// A required text: not blank, at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.fail(field, "must not be empty");
        } else if value.contains('\0') {
            self.fail(field, "must not contain NUL characters");
        } else if value.chars().count() > max {
            self.fail(field, format!("must be at most {max} characters"));
        }
    }

    /// An optional text: when given, as `text`.
    pub fn optional_text(&mut self, field: &str, value: Option<&String>, max: usize) {
        if let Some(value) = value {
            self.text(field, value, max);
        }
    }

    /// An optional e-mail address, checked loosely: one `@`, something before it and a
    /// dot with something on both sides after it, no white space.
    pub fn optional_email(&mut self, field: &str, value: Option<&String>, max: usize) {
        let Some(value) = value else { return };
        let errors = self.errors.len();
        self.text(field, value, max);
        if self.errors.len() > errors {
            return;
        }
        let looks_like_an_address = match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && !value.chars().any(char::is_whitespace)
                    && domain
                        .char_indices()
                        .any(|(i, c)| c == '.' && i > 0 && i + 1 < domain.len())
            }
            None => false,
        };
        if !looks_like_an_address {
            self.fail(field, "must be an e-mail address such as namn@kommun.se");
        }
    }

    pub fn positive(&mut self, field: &str, value: i32) {
        if value < 1 {
            self.fail(field, "must be 1 or more");
        }
    }

    pub fn date_order(
        &mut self,
        start_field: &str,
        start: NaiveDate,
        end_field: &str,
        end: NaiveDate,
    ) {
        if end < start {
            self.fail(end_field, format!("must not be before {start_field}"));
        }
    }

    pub fn texts(&mut self, field: &str, values: &[String], max: usize) {
        for (i, value) in values.iter().enumerate() {
            self.text(&format!("{field}[{i}]"), value, max);
        }
    }

    pub fn finish(self) -> AppResult<()> {
        AppError::check_fields(self.errors)
    }
}

/// Trims surrounding white space; blank becomes none.
pub fn clean(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A municipality code (kommunkod) as in Kolada: four digits, e.g. 0683.
pub fn is_municipality_code(code: &str) -> bool {
    code.len() == 4 && code.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email_ok(value: &str) -> bool {
        let mut checks = Checks::new();
        checks.optional_email("email", Some(&value.to_string()), MAX_NAME);
        checks.finish().is_ok()
    }

    #[test]
    fn e_mail_addresses_are_checked_loosely() {
        for good in [
            "anna.exempelsson@kommun.example",
            "a@b.se",
            "x+y@sub.domain.example",
        ] {
            assert!(email_ok(good), "{good}");
        }
        for bad in [
            "anna",
            "anna@",
            "@kommun.se",
            "anna@kommun",
            "anna@@kommun.se",
            "a@b@c.se",
            "anna@.se",
            "anna@kommun.",
            "anna exempelsson@kommun.se",
            "",
        ] {
            assert!(!email_ok(bad), "{bad}");
        }
    }
}
