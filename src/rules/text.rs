//! The kinds of text a request takes, each declared once. A field names its kind as its
//! schema's format (`#[schema(format = "text:name")]`); the OpenAPI document is given each
//! kind's lengths and pattern from here (`KINDS`, applied by `app::openapi`), and the checks
//! (`validate::Checks`) enforce the same lengths, so the two cannot drift apart.

use crate::rules::validate::{MAX_CODE, MAX_NAME, MAX_TEXT, MIN_SECRET};

/// The white space that `str::trim` takes away (Unicode's White_Space).
macro_rules! space {
    () => {
        "[\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    };
}

/// A period as `rules::periods` reads it: `2011`, `2011-H1`, `2011-T2`, `2011-Q3`, `2011-05`,
/// `2011-YTD08`.
macro_rules! period {
    () => {
        "[0-9]{4}(-(H[12]|T[1-3]|Q[1-4]|0[1-9]|1[0-2]|YTD(0[1-9]|1[0-2])))?"
    };
}

/// A pattern for a trimmed optional text: `inner` or nothing, with white space around.
macro_rules! trimmed {
    ($inner:expr) => {
        concat!("^", space!(), "*(", $inner, ")?", space!(), "*$")
    };
}

/// No NUL character: what every text may hold (PostgreSQL's text cannot hold NUL).
const NO_NUL: &str = "^[^\\u0000]*$";
/// Not blank: at least one character that is not white space, and no NUL.
const NOT_BLANK: &str = "^[^\\u0000]*[^\\u0000\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000][^\\u0000]*$";

/// A kind of text: its format name in the code, and what the document states for it.
pub struct TextKind {
    /// The `format` a field's schema names it by (replaced in the published document).
    pub format: &'static str,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: &'static str,
}

/// A name or title: not blank, at most `MAX_NAME` characters (`Checks::text`).
pub const NAME: TextKind = TextKind {
    format: "text:name",
    min_length: Some(1),
    max_length: Some(MAX_NAME),
    pattern: NOT_BLANK,
};

/// A goal's wording: not blank, at most `MAX_TEXT` characters.
pub const WORDING: TextKind = TextKind {
    format: "text:wording",
    min_length: Some(1),
    max_length: Some(MAX_TEXT),
    pattern: NOT_BLANK,
};

/// A short optional text (an external id, a decision reference): at most `MAX_NAME`.
pub const SHORT: TextKind = TextKind {
    format: "text:short",
    min_length: None,
    max_length: Some(MAX_NAME),
    pattern: NO_NUL,
};

/// Free text (a description, an analysis, a note): at most `MAX_TEXT` characters.
pub const LONG: TextKind = TextKind {
    format: "text:long",
    min_length: None,
    max_length: Some(MAX_TEXT),
    pattern: NO_NUL,
};

/// A code or a phone number: at most `MAX_CODE` characters.
pub const CODE: TextKind = TextKind {
    format: "text:code",
    min_length: None,
    max_length: Some(MAX_CODE),
    pattern: NO_NUL,
};

/// A query parameter's text: any length the URL holds, no NUL.
pub const QUERY: TextKind = TextKind {
    format: "text:query",
    min_length: None,
    max_length: None,
    pattern: NO_NUL,
};

/// A webhook's secret: `MIN_SECRET` to `MAX_NAME` characters.
pub const SECRET: TextKind = TextKind {
    format: "text:secret",
    min_length: Some(MIN_SECRET),
    max_length: Some(MAX_NAME),
    pattern: NO_NUL,
};

/// A period (`rules::periods::parse`).
pub const PERIOD: TextKind = TextKind {
    format: "text:period",
    min_length: None,
    max_length: None,
    pattern: concat!("^", period!(), "$"),
};

/// A period, or blank for none (an indicator's baseline period).
pub const PERIOD_OR_BLANK: TextKind = TextKind {
    format: "text:period-or-blank",
    min_length: None,
    max_length: Some(MAX_NAME),
    pattern: trimmed!(period!()),
};

/// A municipality or region code, four digits (`validate::is_municipality_code`).
pub const MUNICIPALITY: TextKind = TextKind {
    format: "text:municipality",
    min_length: None,
    max_length: None,
    pattern: "^[0-9]{4}$",
};

/// A municipality code, or blank for none (an indicator's Kolada municipality).
pub const MUNICIPALITY_OR_BLANK: TextKind = TextKind {
    format: "text:municipality-or-blank",
    min_length: None,
    max_length: Some(MAX_NAME),
    pattern: trimmed!("[0-9]{4}"),
};

/// A Kolada KPI id (a capital letter and five digits), or blank for none.
pub const KPI_OR_BLANK: TextKind = TextKind {
    format: "text:kpi-or-blank",
    min_length: None,
    max_length: Some(MAX_NAME),
    pattern: trimmed!("[A-Z][0-9]{5}"),
};

/// An e-mail address (`Checks::optional_email`: something, `@`, something with a dot),
/// or blank for none.
pub const EMAIL_OR_BLANK: TextKind = TextKind {
    format: "text:email-or-blank",
    min_length: None,
    max_length: Some(MAX_NAME),
    pattern: trimmed!(
        "[^@\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u0000]+@[^@\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u0000]+\\.[^@\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u0000]+"
    ),
};

pub const KINDS: [&TextKind; 13] = [
    &NAME,
    &WORDING,
    &SHORT,
    &LONG,
    &CODE,
    &QUERY,
    &SECRET,
    &PERIOD,
    &PERIOD_OR_BLANK,
    &MUNICIPALITY,
    &MUNICIPALITY_OR_BLANK,
    &KPI_OR_BLANK,
    &EMAIL_OR_BLANK,
];
