//! Export: an organization's records as the rows an import reads, every record after the
//! records it refers to, references by external id. A record without an external id is
//! written with its id as one, so the file stands on its own.

use std::collections::HashMap;
use std::io::Write;

use serde_json::{Map, Value};

use super::rows::{fields, value_cell, Format};
use super::{external_reference, with_record_type, Row, RowType, Transferable};
use crate::db::types::Id;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::store::{Owned, Record};

/// The organization's rows, of one type or of all (follow-ups, webhooks and history are
/// not part of an export).
pub fn export(conn: &mut DbConnection, org: &Id, only: Option<RowType>) -> AppResult<Vec<Row>> {
    let mut names: HashMap<Id, String> = HashMap::new();
    let mut rows = Vec::new();
    for row_type in RowType::ALL {
        let wanted = only.is_none_or(|t| t == *row_type);
        with_record_type!(row_type, R => {
            let records = R::export_order(R::all(conn, org)?);
            for record in &records {
                let name = record.external_id().map_or_else(|| record.id().to_string(), str::to_string);
                names.insert(record.id().clone(), name);
            }
            if wanted {
                rows.extend(records.iter().map(|r| row_of(*row_type, r, &names)));
            }
        });
        if only == Some(*row_type) {
            break;
        }
    }
    Ok(rows)
}

/// A record as a row: its create request's fields, references by the external id of the
/// record they name (`names`).
fn row_of<R: Transferable>(row_type: RowType, record: &R, names: &HashMap<Id, String>) -> Row {
    let stored = match serde_json::to_value(record) {
        Ok(Value::Object(stored)) => stored,
        _ => Map::new(),
    };
    let mut row = Map::new();
    for column in &fields(row_type).columns {
        if column == "external_id" {
            continue;
        }
        let reference = R::REFERENCES
            .iter()
            .find(|(field, _)| external_reference(field) == *column);
        let value = match reference {
            Some((field, _)) => match stored.get(*field) {
                Some(Value::String(id)) => {
                    let name = id.parse::<Id>().ok().and_then(|id| names.get(&id).cloned());
                    Value::String(name.unwrap_or_else(|| id.clone()))
                }
                _ => Value::Null,
            },
            None => match stored.get(column) {
                Some(value) => value.clone(),
                None => continue,
            },
        };
        row.insert(column.clone(), value);
    }
    if record.archived_at().is_some() {
        row.insert("archived".into(), Value::Bool(true));
    }
    Row {
        row_type,
        external_id: names.get(record.id()).cloned(),
        fields: row,
    }
}

/// Writes rows in a format the import reads back. JSON has one row per line inside the
/// array; CSV has the columns of the types present, `type` and `external_id` first.
pub fn write(rows: &[Row], format: Format, out: &mut impl Write) -> AppResult<()> {
    let failed = |e: std::io::Error| AppError::Internal(format!("cannot write the export: {e}"));
    match format {
        Format::Json | Format::Ndjson => {
            let json = format == Format::Json;
            if json {
                out.write_all(b"[").map_err(failed)?;
            }
            for (index, row) in rows.iter().enumerate() {
                let separator: &[u8] = match (json, index) {
                    (false, _) => b"",
                    (true, 0) => b"\n",
                    (true, _) => b",\n",
                };
                out.write_all(separator).map_err(failed)?;
                serde_json::to_writer(&mut *out, row)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                if !json {
                    out.write_all(b"\n").map_err(failed)?;
                }
            }
            if json {
                out.write_all(b"\n]\n").map_err(failed)?;
            }
            Ok(())
        }
        Format::Csv => write_csv(rows, out),
    }
}

fn write_csv(rows: &[Row], out: &mut impl Write) -> AppResult<()> {
    let mut columns: Vec<String> = vec!["type".into(), "external_id".into()];
    for row_type in RowType::ALL {
        if !rows.iter().any(|r| r.row_type == *row_type) {
            continue;
        }
        let own = fields(*row_type).columns.iter().map(String::as_str);
        for column in own.chain(["archived"]) {
            if !columns.iter().any(|c| c == column) {
                columns.push(column.to_string());
            }
        }
    }
    let failed = |e: csv::Error| AppError::Internal(format!("cannot write the export: {e}"));
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(&columns).map_err(failed)?;
    for row in rows {
        let cells = columns.iter().map(|column| match column.as_str() {
            "type" => row.row_type.as_str().to_string(),
            "external_id" => row
                .external_id
                .as_deref()
                .map_or_else(String::new, |id| super::neutralize(id).into_owned()),
            other => row.fields.get(other).map(value_cell).unwrap_or_default(),
        });
        csv.write_record(cells).map_err(failed)?;
    }
    csv.flush()
        .map_err(|e| AppError::Internal(format!("cannot write the export: {e}")))
}
