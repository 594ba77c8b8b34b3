//! The file formats: reading rows one at a time from JSON (an array), NDJSON or CSV, and
//! turning CSV cells into JSON values by the type the spec gives each field.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::sync::OnceLock;

use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{external_reference, with_record_type, RowType, Transferable};
use crate::error::{AppError, AppResult};
use crate::text_enum;

text_enum! {
    /// A file format of bulk import and export.
    Format {
        /// A JSON array of rows.
        Json => "json",
        /// One JSON row per line.
        Ndjson => "ndjson",
        /// A header row, then one row per line; `;` or `,` separated, UTF-8 with or without a
        /// byte order mark.
        Csv => "csv",
    }
}

impl Format {
    /// The format a `Content-Type` names.
    pub fn from_media_type(media_type: &str) -> Option<Format> {
        let essence = media_type.split(';').next().unwrap_or("").trim();
        match essence.to_ascii_lowercase().as_str() {
            "application/json" => Some(Format::Json),
            "application/x-ndjson" | "application/ndjson" | "application/jsonl" => {
                Some(Format::Ndjson)
            }
            "text/csv" => Some(Format::Csv),
            _ => None,
        }
    }

    pub fn media_type(&self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Ndjson => "application/x-ndjson",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// Where a row is in its file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Position {
    /// 1 for the first row (a CSV header is not a row).
    pub row: u64,
    /// The file's line, for CSV and NDJSON.
    pub line: Option<u64>,
}

/// A row as read, before its type is known.
pub enum RawRow {
    Object(Map<String, Value>),
    /// A CSV record: each column's header and cell.
    Cells(Vec<(String, String)>),
}

/// Reads the rows of a file in order, handing each to `each` as it is read, so that the
/// file is never held whole. A row that cannot be read at all comes as an error; a file
/// that breaks off (malformed JSON, an I/O error) ends the reading with an error.
pub fn read_rows(
    reader: impl Read,
    format: Format,
    each: &mut dyn FnMut(Position, Result<RawRow, String>),
) -> AppResult<()> {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    skip_byte_order_mark(&mut reader)?;
    match format {
        Format::Json => read_json(reader, each),
        Format::Ndjson => read_ndjson(reader, each),
        Format::Csv => read_csv(reader, each),
    }
}

fn unreadable(error: impl std::fmt::Display) -> AppError {
    AppError::BadRequest {
        detail: format!("the file could not be read: {error}"),
        errors: vec![],
    }
}

fn skip_byte_order_mark(reader: &mut impl BufRead) -> AppResult<()> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let start = reader.fill_buf().map_err(unreadable)?;
    if start.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    Ok(())
}

fn object_or_error(value: Value) -> Result<RawRow, String> {
    match value {
        Value::Object(map) => Ok(RawRow::Object(map)),
        other => Err(format!("a row must be a JSON object, not {other}")),
    }
}

fn read_json(
    reader: impl Read,
    each: &mut dyn FnMut(Position, Result<RawRow, String>),
) -> AppResult<()> {
    struct Rows<'a> {
        each: &'a mut dyn FnMut(Position, Result<RawRow, String>),
    }
    impl<'de> Visitor<'de> for Rows<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON array of rows")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut row = 0;
            while let Some(value) = seq.next_element::<Value>()? {
                row += 1;
                let at = Position { row, line: None };
                (self.each)(at, object_or_error(value));
            }
            Ok(())
        }
    }
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    deserializer
        .deserialize_seq(Rows { each })
        .and_then(|()| deserializer.end())
        .map_err(|e| AppError::BadRequest {
            detail: format!("the file is not a JSON array of rows: {e}"),
            errors: vec![],
        })
}

fn read_ndjson(
    reader: impl BufRead,
    each: &mut dyn FnMut(Position, Result<RawRow, String>),
) -> AppResult<()> {
    let mut row = 0;
    for (index, line) in reader.lines().enumerate() {
        let line = line.map_err(unreadable)?;
        if line.trim().is_empty() {
            continue;
        }
        row += 1;
        let at = Position {
            row,
            line: Some(index as u64 + 1),
        };
        let parsed = serde_json::from_str::<Value>(&line)
            .map_err(|e| format!("not a JSON object: {e}"))
            .and_then(object_or_error);
        each(at, parsed);
    }
    Ok(())
}

fn read_csv(
    mut reader: impl BufRead,
    each: &mut dyn FnMut(Position, Result<RawRow, String>),
) -> AppResult<()> {
    // The header line tells the separator: whichever of `;` and `,` it has more of.
    let mut header = Vec::new();
    reader.read_until(b'\n', &mut header).map_err(unreadable)?;
    let semicolons = header.iter().filter(|b| **b == b';').count();
    let commas = header.iter().filter(|b| **b == b',').count();
    let delimiter = if semicolons > commas { b';' } else { b',' };
    // The csv crate numbers the lines of a file with CRLF line ends one short (the first
    // record is "line 1"); Excel writes CRLF.
    let line_shift = u64::from(header.ends_with(b"\r\n"));
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(std::io::Cursor::new(header).chain(reader));
    let headers: Vec<String> = csv
        .headers()
        .map_err(unreadable)?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(AppError::Unprocessable {
            detail: "the CSV file has no header row".into(),
            errors: vec![],
        });
    }
    // A column no row type has is a misspelt header: refused before any row is read, so a
    // file of no rows is not taken as empty.
    let unknown: Vec<crate::error::FieldError> = headers
        .iter()
        .filter(|h| !h.is_empty() && *h != "type")
        .filter(|h| {
            !RowType::ALL
                .iter()
                .any(|t| fields(*t).cells.contains_key(*h))
        })
        .map(|h| crate::error::FieldError::new(h.clone(), "is not a column of any row type"))
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::Unprocessable {
            detail: "the CSV header names columns no row type has".into(),
            errors: unknown,
        });
    }
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    loop {
        let read = csv.read_record(&mut record);
        let line = record.position().map(|p| p.line() + line_shift);
        match read {
            Ok(false) => return Ok(()),
            Ok(true) => {
                row += 1;
                let at = Position { row, line };
                if record.len() != headers.len() {
                    each(
                        at,
                        Err(format!(
                            "has {} cells where the header has {}",
                            record.len(),
                            headers.len()
                        )),
                    );
                    continue;
                }
                let cells = headers
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_string))
                    .collect();
                each(at, Ok(RawRow::Cells(cells)));
            }
            // A row that is not UTF-8 is reported and skipped; anything else ends the file.
            Err(error) => match error.kind() {
                csv::ErrorKind::Utf8 { pos, .. } => {
                    row += 1;
                    let line = pos.as_ref().map(|p| p.line() + line_shift).or(line);
                    each(Position { row, line }, Err("is not valid UTF-8".into()));
                }
                _ => return Err(unreadable(error)),
            },
        }
    }
}

/// How a CSV cell becomes a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Text,
    Number,
    Boolean,
    /// Lists and objects (footnotes, targets) are written as JSON in the cell.
    Json,
}

/// What a row type's records carry, read from the spec of its create and change requests.
pub struct Fields {
    /// The create request's fields in the spec's order, references as `…_external_id`.
    pub columns: Vec<String>,
    /// Each field a row of the type may have (create and change fields, the
    /// `…_external_id` forms, `archived`, `revision`) and how its CSV cell is read.
    pub cells: HashMap<String, Cell>,
    /// The fields a change request takes.
    pub changeable: std::collections::HashSet<String>,
}

/// The fields of a row type.
pub fn fields(row_type: RowType) -> &'static Fields {
    static FIELDS: OnceLock<HashMap<RowType, Fields>> = OnceLock::new();
    let all = FIELDS.get_or_init(|| {
        let spec = serde_json::to_value(crate::app::openapi()).unwrap_or_default();
        let schemas = &spec["components"]["schemas"];
        RowType::ALL
            .iter()
            .map(|t| (*t, with_record_type!(t, R => fields_of::<R>(schemas))))
            .collect()
    });
    &all[&row_type]
}

fn fields_of<R: Transferable>(schemas: &Value) -> Fields {
    use utoipa::ToSchema;
    let properties = |name: String| -> Vec<(String, Value)> {
        schemas[name.as_str()]["properties"]
            .as_object()
            .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };
    let create = properties(<R::Create as ToSchema>::name().into_owned());
    let patch = properties(<R::Patch as ToSchema>::name().into_owned());
    let is_reference = |field: &str| R::REFERENCES.iter().any(|(f, _)| *f == field);
    let mut columns = Vec::new();
    let mut cells = HashMap::from([("archived".to_string(), Cell::Boolean)]);
    for (index, (name, schema)) in create.iter().chain(&patch).enumerate() {
        if is_reference(name) {
            let alias = external_reference(name);
            if index < create.len() {
                columns.push(alias.clone());
            }
            cells.insert(alias, Cell::Text);
        } else if index < create.len() {
            columns.push(name.clone());
        }
        cells.insert(name.clone(), cell_of(schema, schemas));
    }
    let changeable = patch.into_iter().map(|(name, _)| name).collect();
    Fields {
        columns,
        cells,
        changeable,
    }
}

/// The cell kind of a field's schema: its first type that is not null, through `$ref`s
/// and `oneOf`s.
fn cell_of(schema: &Value, schemas: &Value) -> Cell {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return cell_of(&schemas[name], schemas);
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema[combinator].as_array() {
            if let Some(option) = options.iter().find(|o| o["type"] != "null") {
                return cell_of(option, schemas);
            }
        }
    }
    let kind = match &schema["type"] {
        Value::String(kind) => kind.as_str(),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("string"),
        _ => "string",
    };
    match kind {
        "integer" | "number" => Cell::Number,
        "boolean" => Cell::Boolean,
        "array" | "object" => Cell::Json,
        _ => Cell::Text,
    }
}

/// A CSV cell as the JSON value the field takes; an empty cell is null.
pub fn cell_value(cell: Cell, text: &str) -> Result<Value, String> {
    if text.is_empty() {
        return Ok(Value::Null);
    }
    match cell {
        Cell::Text => Ok(Value::String(restore(text).to_string())),
        Cell::Number => {
            // Swedish spreadsheets write a decimal comma.
            let number = text.trim().replace(',', ".");
            serde_json::from_str::<serde_json::Number>(&number)
                .map(Value::Number)
                .map_err(|_| "is not a number".to_string())
        }
        Cell::Boolean => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "ja" => Ok(Value::Bool(true)),
            "false" | "0" | "no" | "nej" => Ok(Value::Bool(false)),
            _ => Err("is not true or false".into()),
        },
        Cell::Json => serde_json::from_str(text).map_err(|e| format!("is not JSON: {e}")),
    }
}

/// A JSON value as a CSV cell: text as it is (but see `neutralize`), null empty, numbers,
/// lists and objects as JSON.
pub fn value_cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => neutralize(text).into_owned(),
        other => other.to_string(),
    }
}

/// What makes a spreadsheet read a cell as a formula (OWASP, CSV injection).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a text, once any leading apostrophes are taken off, would start a formula.
fn formula_like(text: &str) -> bool {
    text.trim_start_matches('\'').starts_with(FORMULA_START)
}

/// A text cell as written to CSV: one a spreadsheet would run as a formula (`=`, `+`, `-`,
/// `@`, tab, CR first) gets a leading `'`, which spreadsheets take as "this is text". So
/// does a text that already starts with apostrophes before such a character, so that
/// `restore` gives every text back exactly. Only text: numbers (`-5`) are written as
/// numbers.
pub fn neutralize(text: &str) -> std::borrow::Cow<'_, str> {
    if formula_like(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A text cell as read from CSV: the apostrophe `neutralize` added comes off (as a
/// spreadsheet takes `'=…` as the text `=…`); any other text stays as it is.
pub fn restore(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(bytes: &[u8], format: Format) -> Vec<(Position, Result<RawRow, String>)> {
        let mut rows = Vec::new();
        read_rows(bytes, format, &mut |at, row| rows.push((at, row)))
            .unwrap_or_else(|e| panic!("{e}"));
        rows
    }

    #[test]
    fn csv_with_a_byte_order_mark_and_semicolons_keeps_swedish_text() {
        let file = "\u{feff}type;name;short_code\nunit;Barn- och utbildningsnämnden;BUN\n";
        let rows = collect(file.as_bytes(), Format::Csv);
        assert_eq!(rows.len(), 1);
        let (at, Ok(RawRow::Cells(cells))) = &rows[0] else {
            panic!("not a row")
        };
        assert_eq!((at.row, at.line), (1, Some(2)));
        assert_eq!(cells[0], ("type".into(), "unit".into()));
        assert_eq!(cells[1].1, "Barn- och utbildningsnämnden");
    }

    #[test]
    fn lines_are_counted_the_same_with_crlf() {
        for file in [
            "type;name\r\nunit;A\r\nunit;B\r\n",
            "type;name\nunit;A\nunit;B\n",
        ] {
            let lines: Vec<_> = collect(file.as_bytes(), Format::Csv)
                .iter()
                .map(|(at, _)| at.line)
                .collect();
            assert_eq!(lines, vec![Some(2), Some(3)], "{file:?}");
        }
    }

    #[test]
    fn commas_separate_when_the_header_has_more_of_them() {
        let rows = collect(b"type,name\nunit,\"Kommunstyrelsen; KS\"\n", Format::Csv);
        let (_, Ok(RawRow::Cells(cells))) = &rows[0] else {
            panic!("not a row")
        };
        assert_eq!(cells[1].1, "Kommunstyrelsen; KS");
    }

    #[test]
    fn a_json_array_is_read_row_by_row_and_a_non_object_is_an_error() {
        let rows = collect(br#"[{"type":"unit"}, 7]"#, Format::Json);
        assert!(matches!(rows[0].1, Ok(RawRow::Object(_))));
        assert_eq!(rows[1].0.row, 2);
        assert!(rows[1].1.is_err());
    }

    #[test]
    fn cells_take_the_type_of_their_field() {
        assert_eq!(cell_value(Cell::Number, "2,5"), Ok(serde_json::json!(2.5)));
        assert_eq!(cell_value(Cell::Text, "007"), Ok(serde_json::json!("007")));
        assert_eq!(cell_value(Cell::Boolean, "ja"), Ok(serde_json::json!(true)));
        assert_eq!(
            cell_value(Cell::Json, "[\"a\"]"),
            Ok(serde_json::json!(["a"]))
        );
        assert_eq!(cell_value(Cell::Number, ""), Ok(Value::Null));
        assert!(cell_value(Cell::Number, "sju").is_err());
    }

    #[test]
    fn formulas_are_neutralized_and_restored_exactly() {
        for text in [
            "=HYPERLINK(\"http://evil.example\")",
            "+46 370 37 70 00",
            "-5",
            "@SUM(A1)",
            "\tindent",
            "\rreturn",
            "'=already quoted",
            "''+twice",
            "'not a formula",
            "it's fine",
            "",
            "Barn- och utbildningsnämnden",
        ] {
            let written = neutralize(text);
            assert!(
                !written.starts_with(FORMULA_START),
                "{text:?} is written as {written:?}"
            );
            assert_eq!(restore(&written), text, "{text:?} read back");
            assert_eq!(
                cell_value(Cell::Text, &written),
                Ok(if text.is_empty() {
                    Value::Null
                } else {
                    Value::String(text.to_string())
                })
            );
        }
        assert_eq!(neutralize("=1+1"), "'=1+1");
        assert_eq!(neutralize("'=1"), "''=1");
        assert_eq!(neutralize("'quoted"), "'quoted");
        // Numbers are not text: a negative one stays a number.
        assert_eq!(value_cell(&serde_json::json!(-5)), "-5");
        assert_eq!(cell_value(Cell::Number, "-5"), Ok(serde_json::json!(-5)));
        assert_eq!(value_cell(&serde_json::json!("-5")), "'-5");
    }

    #[test]
    fn the_spec_types_each_field() {
        let goal = fields(RowType::Goal);
        assert_eq!(goal.cells["number"], Cell::Number);
        assert_eq!(goal.cells["footnotes"], Cell::Json);
        assert_eq!(goal.cells["state"], Cell::Text);
        assert_eq!(goal.cells["perspective_external_id"], Cell::Text);
        assert!(goal
            .columns
            .contains(&"perspective_external_id".to_string()));
        assert!(!goal.columns.contains(&"perspective_id".to_string()));
        assert_eq!(fields(RowType::Indicator).cells["targets"], Cell::Json);
        assert_eq!(fields(RowType::Measurement).cells["missing"], Cell::Boolean);
    }
}
