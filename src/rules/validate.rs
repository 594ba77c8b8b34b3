//! Field validation for request bodies: collects every problem so a client sees all of
//! them in one 422, not one at a time.

use chrono::NaiveDate;

use crate::error::{AppError, AppResult, FieldError};

/// Longest name or title we accept.
pub const MAX_NAME: usize = 500;
/// Longest free text (descriptions, analyses) we accept.
pub const MAX_TEXT: usize = 20_000;
/// Longest code (a unit's short code) or phone number we accept.
pub const MAX_CODE: usize = 50;
/// Shortest webhook secret we accept.
pub const MIN_SECRET: usize = 16;

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

    /// Whether a text as sent is at most `max` characters; fails the field when not.
    /// Counted before anything is trimmed, in Unicode code points, as the spec's
    /// `maxLength` counts: a value the spec refuses is not taken because trimming would
    /// shorten it.
    pub fn length(&mut self, field: &str, value: Option<&str>, max: usize) -> bool {
        let within = value.is_none_or(|v| v.chars().count() <= max);
        if !within {
            self.fail(field, format!("must be at most {max} characters"));
        }
        within
    }

    /// A required text: not blank, no NUL, at most `max` characters as sent (`length`);
    /// stored trimmed.
    pub fn text(&mut self, field: &str, value: &mut String, max: usize) {
        self.untrimmed_text(field, value, max);
        if value.trim().len() != value.len() {
            *value = value.trim().to_string();
        }
    }

    /// `text` for a value kept as sent (stored so, or looked up so).
    pub fn untrimmed_text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.fail(field, "must not be empty");
        } else if value.contains('\0') {
            self.fail(field, "must not contain NUL characters");
        } else {
            self.length(field, Some(value), max);
        }
    }

    /// An optional value at most `max` characters as sent (`length`), stored trimmed
    /// (`clean`: blank becomes none); false when too long. For values with a format of
    /// their own, checked by the caller once trimmed.
    pub fn trimmed(&mut self, field: &str, value: &mut Option<String>, max: usize) -> bool {
        let within = self.length(field, value.as_deref(), max);
        *value = clean(value.take());
        within
    }

    /// An optional text: as `trimmed`, and without NUL characters.
    pub fn optional_text(&mut self, field: &str, value: &mut Option<String>, max: usize) {
        if self.trimmed(field, value, max) && value.as_ref().is_some_and(|v| v.contains('\0')) {
            self.fail(field, "must not contain NUL characters");
        }
    }

    /// An optional text kept as sent (a key or URL of another system, or a text trimmed
    /// where it is used): at most `max` characters, without NUL; false when it fails.
    pub fn kept_text(&mut self, field: &str, value: Option<&str>, max: usize) -> bool {
        if value.is_some_and(|v| v.contains('\0')) {
            self.fail(field, "must not contain NUL characters");
            return false;
        }
        self.length(field, value, max)
    }

    /// An optional e-mail address (`optional_text`), checked loosely: one `@`, something
    /// before it and a dot with something on both sides after it, no white space.
    pub fn optional_email(&mut self, field: &str, value: &mut Option<String>, max: usize) {
        let errors = self.errors.len();
        self.optional_text(field, value, max);
        let Some(value) = value.as_deref() else {
            return;
        };
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

    /// Required texts, each as `text`, stored as sent.
    pub fn texts(&mut self, field: &str, values: &[String], max: usize) {
        for (i, value) in values.iter().enumerate() {
            self.untrimmed_text(&format!("{field}[{i}]"), value, max);
        }
    }

    /// The problems found, for a caller that reports them its own way.
    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
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
        checks.optional_email("email", &mut Some(value.to_string()), MAX_NAME);
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
        ] {
            assert!(!email_ok(bad), "{bad}");
        }
        // Blank is no address, as for every optional text.
        assert!(email_ok("  "));
    }

    #[test]
    fn lengths_are_counted_as_sent_in_characters() {
        let mut name = format!(" {} ", "å".repeat(MAX_NAME - 2));
        let mut checks = Checks::new();
        checks.text("name", &mut name, MAX_NAME);
        assert!(checks.finish().is_ok());
        assert_eq!(name.chars().count(), MAX_NAME - 2, "stored trimmed");

        // One over as sent, although it is short enough once trimmed.
        let mut name = format!("{} ", "å".repeat(MAX_NAME));
        let mut note = Some(format!("\t{}", "x".repeat(MAX_NAME)));
        let mut blank = Some(" ".repeat(MAX_NAME + 1));
        let mut checks = Checks::new();
        checks.text("name", &mut name, MAX_NAME);
        checks.optional_text("note", &mut note, MAX_NAME);
        checks.optional_text("blank", &mut blank, MAX_NAME);
        let Err(AppError::Unprocessable { errors, .. }) = checks.finish() else {
            panic!("too long");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "note", "blank"]);
        assert!(errors[0].message.contains("at most 500"), "{errors:?}");

        let mut blank = Some(" ".repeat(MAX_NAME));
        let mut checks = Checks::new();
        checks.optional_text("blank", &mut blank, MAX_NAME);
        assert!(checks.finish().is_ok());
        assert_eq!(blank, None, "blank is none");
    }
}
