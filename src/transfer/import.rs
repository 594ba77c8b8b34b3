//! Bulk import: every row goes through the same rules, scope checks, history and audit as
//! the resource's `POST` or `PATCH`, inside one transaction that the caller commits only
//! when no row has an error. Rows are upserted by `external_id`.

use std::any::Any;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::rows::{self, cell_value, fields, Format, Position, RawRow};
use super::{external_reference, with_record_type, RowType, Transferable};
use crate::db::types::Id;
use crate::db::DbConnection;
use crate::domain::input::parse_json;
use crate::domain::write::{change_in, checked_new, create_in, may_write, Change, IfMatch, Writer};
use crate::error::{AppError, AppResult, FieldError};
use crate::rules::validate::{Checks, MAX_NAME};
use crate::store::{Record, Tx};

/// What an import did, or with `dry_run` would do.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    /// True when nothing was written.
    pub dry_run: bool,
    /// The rows read.
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    /// Rows whose record already reads as the row says.
    pub unchanged: u64,
    /// Records archived or restored by a row's `archived`.
    pub archived_or_restored: u64,
    /// The same counts per row type.
    pub by_type: BTreeMap<String, TypeCounts>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct TypeCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub archived_or_restored: u64,
}

/// What an import reads.
pub struct ImportOptions {
    pub format: Format,
    /// The type of rows that name none (a CSV of one resource without a `type` column).
    pub row_type: Option<RowType>,
    pub dry_run: bool,
}

/// Imports a file's rows for the writer's organization on `conn`, which the caller has in a
/// transaction: an `Err` (422 listing every bad row, or a file that cannot be read) means
/// the caller rolls back. `progress` is told the rows read so far after each row.
pub fn import(
    conn: &mut Tx,
    writer: &Writer,
    file: impl Read,
    options: &ImportOptions,
    progress: &mut dyn FnMut(u64),
) -> AppResult<ImportReport> {
    if crate::store::organizations::find(conn, &writer.organization_id)?.is_none() {
        return Err(AppError::NotFound(
            "the organization is not registered here: the service's operator registers it (`malstyrning organizations register`)".into(),
        ));
    }
    // Before any row is read: concurrent imports of the organization run one after another,
    // each upserting over what the one before it stored.
    crate::store::changes::lock_for_writing(conn, &writer.organization_id)?;
    if let DbConnection::Postgresql(pg) = &mut **conn {
        // The tables grow as the import writes; a plan PostgreSQL cached for them while they
        // were small (a sequential scan) would make every lookup slower than the last.
        use diesel::connection::SimpleConnection;
        pg.batch_execute("SET LOCAL plan_cache_mode = force_custom_plan")?;
    }
    // Every row is still checked and recorded as a single write is; see `store::bulk`.
    conn.begin_bulk();
    let mut importer = Importer {
        writer,
        default_type: options.row_type,
        known: HashMap::new(),
        stored_keys: HashMap::new(),
        pending: None,
        to_archive: Vec::new(),
        errors: Vec::new(),
        blocked: 0,
        fatal: None,
        report: ImportReport {
            dry_run: options.dry_run,
            ..Default::default()
        },
    };
    rows::read_rows(file, options.format, &mut |at, raw| {
        importer.report.rows += 1;
        importer.row(conn, at, raw);
        progress(importer.report.rows);
    })?;
    importer.write_pending(conn);
    importer.archive(conn);
    if let Some(fatal) = importer.fatal {
        return Err(fatal);
    }
    if !importer.errors.is_empty() {
        let bad_rows = {
            let mut rows: Vec<u64> = importer.errors.iter().filter_map(|e| e.row).collect();
            rows.dedup();
            rows.len()
        };
        let blocked = match importer.blocked {
            0 => String::new(),
            n => format!(" ({n} more refer to those rows, and were checked only as far as they can be without them)"),
        };
        return Err(AppError::Unprocessable {
            detail: format!(
                "{bad_rows} of {} rows have errors{blocked}; nothing was imported",
                importer.report.rows
            ),
            errors: importer.errors,
        });
    }
    conn.end_bulk()?;
    Ok(importer.report)
}

/// Who the command line's import is recorded as in the audit trail.
pub const CLI_ACTOR: &str = "bulk-import";

/// Imports a file in one transaction of its own, rolled back for a dry run or when a row
/// has an error.
pub async fn import_file(
    store: &crate::store::Store,
    writer: Writer,
    file: Box<dyn Read + Send>,
    options: ImportOptions,
    mut progress: Box<dyn FnMut(u64) + Send>,
) -> AppResult<ImportReport> {
    let dry_run = options.dry_run;
    let work = move |conn: &mut Tx| import(conn, &writer, file, &options, &mut *progress);
    if dry_run {
        store.rolled_back(work).await
    } else {
        store.transaction(work).await
    }
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = if self.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        };
        writeln!(f, "{} rows{mode}", self.rows)?;
        for (row_type, counts) in &self.by_type {
            writeln!(
                f,
                "  {row_type}: {} created, {} updated, {} unchanged, {} archived or restored",
                counts.created, counts.updated, counts.unchanged, counts.archived_or_restored
            )?;
        }
        write!(
            f,
            "in all: {} created, {} updated, {} unchanged, {} archived or restored",
            self.created, self.updated, self.unchanged, self.archived_or_restored
        )
    }
}

/// A record a later row may refer to by its external id.
enum Known {
    Record(Id),
    /// Named by a row that has errors.
    FailedRow(u64),
}

struct Importer<'a> {
    writer: &'a Writer,
    default_type: Option<RowType>,
    known: HashMap<(RowType, String), Known>,
    /// The external ids stored before the import, per row type, read when the first row of
    /// the type names one: a row whose key is not among them (nor an id, nor a record the
    /// import wrote) creates its record without looking for it.
    stored_keys: HashMap<RowType, HashSet<String>>,
    /// Records the last rows created, checked and audited but not yet written (a type that
    /// is `Transferable::BATCHED`).
    pending: Option<Box<dyn PendingCreates>>,
    /// Records to archive once every row is in, so that rows below an archived record can
    /// still be created.
    to_archive: Vec<(RowType, Id, Position)>,
    errors: Vec<FieldError>,
    /// Rows not written only because they refer to rows with errors.
    blocked: u64,
    /// A failure that is not the file's fault (the database went away): the import stops.
    fatal: Option<AppError>,
    report: ImportReport,
}

/// A row with its type and fields, and the errors of cells that cannot be read.
type TypedRow = (RowType, Map<String, Value>, Vec<FieldError>);

/// How one row went.
enum Outcome {
    Created,
    Updated,
    Unchanged,
    ArchivedOrRestored,
}

fn row_error(at: Position, field: &str, value: Option<String>, message: String) -> FieldError {
    FieldError {
        row: Some(at.row),
        line: at.line,
        value,
        ..FieldError::new(field, message)
    }
}

/// The external id a row gives in `field` (its own or one it refers to): none for null; a
/// row error unless it is text the spec allows (at most `MAX_NAME` characters, no NUL).
fn key_in(at: Position, field: &str, value: Value) -> Result<Option<String>, FieldError> {
    match value {
        Value::Null => Ok(None),
        Value::String(key) => {
            let mut checks = Checks::new();
            checks.kept_text(field, Some(&key), MAX_NAME);
            match checks.into_errors().pop() {
                None => Ok(Some(key)),
                Some(error) => Err(row_error(at, field, Some(key), error.message)),
            }
        }
        other => Err(row_error(
            at,
            field,
            Some(other.to_string()),
            "must be text".into(),
        )),
    }
}

impl Importer<'_> {
    fn row(&mut self, conn: &mut Tx, at: Position, raw: Result<RawRow, String>) {
        if self.fatal.is_some() {
            return;
        }
        let typed = raw
            .map_err(|reason| vec![row_error(at, "row", None, reason)])
            .and_then(|raw| self.typed(at, raw));
        let (row_type, row) = match typed {
            Ok((row_type, row, errors)) if errors.is_empty() => (row_type, row),
            Ok((row_type, row, errors)) => {
                // Rows below that name this one are checked without it.
                if let Some(Value::String(key)) = row.get("external_id") {
                    self.known
                        .entry((row_type, key.clone()))
                        .or_insert(Known::FailedRow(at.row));
                }
                return self.errors.extend(errors);
            }
            Err(errors) => return self.errors.extend(errors),
        };
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.row_type() != row_type)
        {
            // Rows of other types may refer to these records.
            self.write_pending(conn);
        }
        let key = match key_in(
            at,
            "external_id",
            row.get("external_id").cloned().unwrap_or_default(),
        ) {
            Ok(key) => key,
            Err(error) => return self.errors.push(error),
        };
        let result = with_record_type!(row_type, R => self.upsert::<R>(conn, at, row_type, key.as_deref(), row));
        match result {
            Ok((id, outcome)) => {
                self.count(row_type, outcome);
                if let Some(key) = key {
                    self.known.insert((row_type, key), Known::Record(id));
                }
            }
            Err(error) => {
                if let Some(key) = key {
                    self.known
                        .entry((row_type, key))
                        .or_insert(Known::FailedRow(at.row));
                }
                self.fail(error);
            }
        }
    }

    fn count(&mut self, row_type: RowType, outcome: Outcome) {
        let report = &mut self.report;
        let counts = report.by_type.entry(row_type.as_str().into()).or_default();
        let (total, of_type) = match outcome {
            Outcome::Created => (&mut report.created, &mut counts.created),
            Outcome::Updated => (&mut report.updated, &mut counts.updated),
            Outcome::Unchanged => (&mut report.unchanged, &mut counts.unchanged),
            Outcome::ArchivedOrRestored => (
                &mut report.archived_or_restored,
                &mut counts.archived_or_restored,
            ),
        };
        *total += 1;
        *of_type += 1;
    }

    /// Keeps a row's errors, or stops the import on a failure that is not the row's.
    fn fail(&mut self, error: RowFailure) {
        match error {
            RowFailure::Row(errors) => self.errors.extend(errors),
            RowFailure::Blocked => self.blocked += 1,
            RowFailure::Fatal(error) => self.fatal = Some(error),
        }
    }

    /// The row's type and its fields as JSON, CSV cells read by their fields' types, with
    /// the errors of cells that cannot be read.
    fn typed(&self, at: Position, raw: RawRow) -> Result<TypedRow, Vec<FieldError>> {
        let (named, fields_or_cells) = match raw {
            RawRow::Object(mut object) => (object.remove("type"), Ok(object)),
            RawRow::Cells(cells) => {
                let named = cells
                    .iter()
                    .find(|(column, _)| column == "type")
                    .map(|(_, cell)| cell.clone())
                    .filter(|cell| !cell.is_empty())
                    .map(Value::String);
                (named, Err(cells))
            }
        };
        let row_type = match named {
            Some(Value::String(name)) => name.parse::<RowType>().map_err(|_| {
                let allowed: Vec<&str> = RowType::ALL.iter().map(RowType::as_str).collect();
                vec![row_error(
                    at,
                    "type",
                    Some(name.clone()),
                    format!("is not one of {}", allowed.join(", ")),
                )]
            })?,
            None | Some(Value::Null) => self.default_type.ok_or_else(|| {
                vec![row_error(
                    at,
                    "type",
                    None,
                    "is missing: name the row's type, or the import's `type`".into(),
                )]
            })?,
            Some(other) => {
                return Err(vec![row_error(
                    at,
                    "type",
                    Some(other.to_string()),
                    "must be text".into(),
                )])
            }
        };
        let cells = match fields_or_cells {
            Ok(object) => return Ok((row_type, object, Vec::new())),
            Err(cells) => cells,
        };
        let known = &fields(row_type).cells;
        let mut object = Map::new();
        let mut errors = Vec::new();
        for (column, text) in cells {
            if column == "type" || column.is_empty() {
                continue;
            }
            match known.get(&column) {
                Some(cell) => match cell_value(*cell, &text) {
                    Ok(value) => {
                        object.insert(column, value);
                    }
                    Err(reason) => errors.push(row_error(at, &column, Some(text), reason)),
                },
                // A column of other row types, empty in this row, is not this row's.
                None if text.is_empty() => {}
                None => {
                    object.insert(column, Value::String(text));
                }
            }
        }
        Ok((row_type, object, errors))
    }

    /// Creates or updates the row's record in a savepoint of its own, so that a refused row
    /// leaves the transaction usable for the rows after it.
    fn upsert<R: Transferable>(
        &mut self,
        conn: &mut Tx,
        at: Position,
        row_type: RowType,
        key: Option<&str>,
        mut row: Map<String, Value>,
    ) -> Result<(Id, Outcome), RowFailure> {
        let original = row.clone();
        let located = |error: AppError| RowFailure::located(error, at, &original);
        let archived = match row.remove("archived") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(archived)) => Some(archived),
            Some(other) => {
                let value = Some(other.to_string());
                let message = "must be true or false".to_string();
                return Err(RowFailure::Row(vec![row_error(
                    at, "archived", value, message,
                )]));
            }
        };
        let blocked_by = self.resolve_references::<R>(conn, at, &mut row)?;
        let org = self.writer.organization_id.clone();
        let stored = match key {
            Some(key) if self.may_be_stored::<R>(conn, row_type, key)? => {
                self.write_pending(conn);
                find_keyed::<R>(conn, &org, key).map_err(|e| located(e.into()))?
            }
            _ => None,
        };
        if blocked_by.is_some() {
            // Below a row with errors: only the row's own fields can be checked.
            row.retain(|_, value| !value.is_null());
            let checked = match stored {
                Some(_) => parse_row::<R::Patch>(&row).map(|_| ()),
                None => parse_row::<R::Create>(&row)
                    .and_then(|input| R::build(org, input, crate::db::types::UtcTime::now()))
                    .map(|_| ()),
            };
            return Err(match checked {
                Ok(()) => RowFailure::Blocked,
                Err(error) => located(error),
            });
        }
        let writer = self.writer;
        if stored.is_none() && R::BATCHED {
            // Checked and audited now, written with the rows around it.
            row.remove("revision");
            row.retain(|_, value| !value.is_null());
            let record = parse_row(&row)
                .and_then(|input| checked_new::<R>(conn, writer, input))
                .and_then(|record| {
                    writer.audited_for_later(conn, &record)?;
                    Ok(record)
                })
                .map_err(located)?;
            let id = record.id().clone();
            self.queue(conn, row_type, record, at, original);
            if archived == Some(true) {
                self.to_archive.push((row_type, id.clone(), at));
            }
            return Ok((id, Outcome::Created));
        }
        let (id, outcome, archived_now) = conn
            .savepoint(|conn| -> AppResult<(Id, Outcome, bool)> {
                let Some(before) = stored else {
                    row.remove("revision");
                    row.retain(|_, value| !value.is_null());
                    let input = parse_row(&row)?;
                    let record = create_in::<R>(conn, writer, input)?;
                    return Ok((record.id().clone(), Outcome::Created, false));
                };
                let id = before.id().clone();
                let mut was_archived = before.archived_at().is_some();
                let restored = was_archived && archived == Some(false);
                if restored {
                    change_in::<R>(
                        conn,
                        writer,
                        &id,
                        &IfMatch::default(),
                        Change::Archive(false),
                    )?;
                    was_archived = false;
                }
                let unchanged = if restored {
                    Outcome::Updated
                } else {
                    Outcome::Unchanged
                };
                // The fields the row changes are the patch.
                let stored = serde_json::to_value(&before).unwrap_or_default();
                // A null for a field no change request takes (`missing`) is its default.
                let changeable = &fields(row_type).changeable;
                row.retain(|field, value| {
                    !same_value(&stored[field.as_str()], value)
                        && (!value.is_null() || changeable.contains(field))
                });
                if before.external_id().is_none() && key == Some(id.as_str()) {
                    row.remove("external_id");
                }
                // A decision note goes with a change, not alone.
                let revision = row.remove("revision");
                if row.is_empty() {
                    // Even a row that changes nothing needs the right to write it.
                    may_write(conn, writer, &before)?;
                    return Ok((id, unchanged, was_archived));
                }
                if let Some(note) = revision {
                    row.insert("revision".into(), note);
                }
                let patch = parse_row(&row)?;
                let (_, changed) =
                    change_in::<R>(conn, writer, &id, &IfMatch::default(), Change::Patch(patch))?;
                let outcome = if changed { Outcome::Updated } else { unchanged };
                Ok((id, outcome, was_archived))
            })
            .map_err(located)?;
        if archived == Some(true) && !archived_now {
            self.to_archive.push((row_type, id.clone(), at));
        }
        Ok((id, outcome))
    }

    /// Adds a created record to those waiting to be written, and writes them when they fill a
    /// statement.
    fn queue<R: Transferable>(
        &mut self,
        conn: &mut Tx,
        row_type: RowType,
        record: R,
        at: Position,
        row: Map<String, Value>,
    ) {
        let same_type = self
            .pending
            .as_mut()
            .is_some_and(|pending| pending.as_any().is::<Pending<R>>());
        if !same_type {
            self.write_pending(conn);
        }
        let pending = self.pending.get_or_insert_with(|| {
            Box::new(Pending::<R> {
                row_type,
                records: Vec::new(),
            })
        });
        let full = match pending.as_any().downcast_mut::<Pending<R>>() {
            Some(pending) => {
                pending.records.push((record, at, row));
                pending.records.len() >= crate::db::ROWS_PER_INSERT
            }
            None => false,
        };
        if full {
            self.write_pending(conn);
        }
    }

    /// Writes the created records waiting to be written.
    fn write_pending(&mut self, conn: &mut Tx) {
        if let Some(pending) = self.pending.take() {
            if let Err(failure) = pending.write(conn) {
                self.fail(failure);
            }
        }
    }

    /// Whether a record with this key may be stored: one that was before the import, one an
    /// earlier row wrote, or an id.
    fn may_be_stored<R: Transferable>(
        &mut self,
        conn: &mut Tx,
        row_type: RowType,
        key: &str,
    ) -> Result<bool, RowFailure> {
        if self.known.contains_key(&(row_type, key.to_string())) || key.parse::<Id>().is_ok() {
            return Ok(true);
        }
        let stored = match self.stored_keys.entry(row_type) {
            std::collections::hash_map::Entry::Occupied(keys) => keys.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                let keys = R::external_ids(conn, &self.writer.organization_id)
                    .map_err(|e| RowFailure::Fatal(e.into()))?;
                entry.insert(keys.into_iter().collect())
            }
        };
        Ok(stored.contains(key))
    }

    /// Turns each `…_external_id` into the `…_id` it names: a record stored before or one
    /// an earlier row created. Returns the row with errors that a reference names, if any.
    fn resolve_references<R: Transferable>(
        &mut self,
        conn: &mut Tx,
        at: Position,
        row: &mut Map<String, Value>,
    ) -> Result<Option<u64>, RowFailure> {
        let mut errors = Vec::new();
        let mut blocked_by = None;
        for (field, target) in R::REFERENCES {
            let alias = external_reference(field);
            let Some(value) = row.remove(&alias) else {
                continue;
            };
            if row.get(*field).is_some_and(|v| !v.is_null()) {
                let message = format!("give `{field}` or `{alias}`, not both");
                errors.push(row_error(
                    at,
                    &alias,
                    Some(rows::value_cell(&value)),
                    message,
                ));
                continue;
            }
            let key = match key_in(at, &alias, value) {
                Ok(Some(key)) => key,
                Ok(None) => {
                    row.insert(field.to_string(), Value::Null);
                    continue;
                }
                Err(error) => {
                    errors.push(error);
                    continue;
                }
            };
            match self.known.get(&(*target, key.clone())) {
                Some(Known::Record(id)) => {
                    row.insert(field.to_string(), Value::String(id.to_string()));
                }
                Some(Known::FailedRow(failed)) => {
                    // Checked as far as it can be without the record it names.
                    blocked_by = Some(*failed);
                    row.insert(
                        field.to_string(),
                        Value::String(uuid::Uuid::nil().to_string()),
                    );
                }
                None => {
                    let org = &self.writer.organization_id;
                    let found = with_record_type!(target, T => find_keyed::<T>(conn, org, &key)
                        .map(|record| record.map(|r| r.id().clone())))
                    .map_err(|e| RowFailure::Fatal(e.into()))?;
                    match found {
                        Some(id) => {
                            row.insert(field.to_string(), Value::String(id.to_string()));
                            self.known.insert((*target, key), Known::Record(id));
                        }
                        None => {
                            let message = format!(
                                "no {} has this external_id (or id) in the organization or earlier in the file",
                                target.kind().noun()
                            );
                            errors.push(row_error(at, &alias, Some(key), message));
                        }
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(blocked_by)
        } else {
            Err(RowFailure::Row(errors))
        }
    }

    /// Archives what rows asked to, after all rows are in.
    fn archive(&mut self, conn: &mut Tx) {
        let writer = self.writer;
        for (row_type, id, at) in std::mem::take(&mut self.to_archive) {
            if self.fatal.is_some() {
                return;
            }
            let archived = with_record_type!(row_type, R => conn.savepoint(|conn| {
                change_in::<R>(conn, writer, &id, &IfMatch::default(), Change::Archive(true))
                    .map(|_| ())
            }));
            match archived {
                Ok(()) => self.count(row_type, Outcome::ArchivedOrRestored),
                Err(error) => self.fail(RowFailure::located(error, at, &Map::new())),
            }
        }
    }
}

/// Created records of one type, waiting to be written together.
trait PendingCreates {
    fn row_type(&self) -> RowType;
    fn as_any(&mut self) -> &mut dyn Any;
    /// Writes them in multi-row INSERTs, or, when the database refuses one, each in a
    /// savepoint of its own, to name the rows it refuses.
    fn write(self: Box<Self>, conn: &mut Tx) -> Result<(), RowFailure>;
}

struct Pending<R> {
    row_type: RowType,
    /// Each record with the row that made it.
    records: Vec<(R, Position, Map<String, Value>)>,
}

impl<R: Transferable> PendingCreates for Pending<R> {
    fn row_type(&self) -> RowType {
        self.row_type
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn write(self: Box<Self>, conn: &mut Tx) -> Result<(), RowFailure> {
        let records: Vec<R> = self.records.iter().map(|(r, _, _)| r.clone()).collect();
        let together = conn.savepoint(|conn| R::insert_all(conn, &records));
        match together.map_err(AppError::from) {
            Ok(_) => return Ok(()),
            // Not a row's fault (the database went away): the replay would fail as well.
            Err(error @ (AppError::Internal(_) | AppError::Unavailable(_))) => {
                return Err(RowFailure::Fatal(error))
            }
            Err(_) => {}
        }
        let mut errors = Vec::new();
        for (record, at, row) in &self.records {
            if let Err(error) = conn.savepoint(|conn| record.insert(conn)) {
                match RowFailure::located(error.into(), *at, row) {
                    RowFailure::Row(found) => errors.extend(found),
                    other => return Err(other),
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(RowFailure::Row(errors))
        }
    }
}

/// Why a row was not imported.
enum RowFailure {
    /// Its own errors, each naming a field.
    Row(Vec<FieldError>),
    /// Not written because it refers to a row with errors, though it has none of its own.
    Blocked,
    /// A failure of the service, not of the row.
    Fatal(AppError),
}

/// A row's fields as a create or change request, with the request's own field errors.
fn parse_row<T: serde::de::DeserializeOwned>(row: &Map<String, Value>) -> AppResult<T> {
    parse_json(&serde_json::to_vec(row).unwrap_or_default())
}

impl RowFailure {
    fn located(error: AppError, at: Position, row: &Map<String, Value>) -> RowFailure {
        if matches!(error, AppError::Internal(_) | AppError::Unavailable(_)) {
            return RowFailure::Fatal(error);
        }
        let problem = error.problem();
        let mut errors = problem.errors;
        if errors.is_empty() {
            errors.push(FieldError::new("row", problem.detail));
        }
        for error in &mut errors {
            error.row = Some(at.row);
            error.line = at.line;
            if error.value.is_none() {
                error.value = row.get(&error.field).map(rows::value_cell);
            }
        }
        RowFailure::Row(errors)
    }
}

/// The record a row's `external_id` names: the one with that external id, or else, when it
/// is an id, the record with that id and no external id (as an export writes it).
pub fn find_keyed<R: Transferable>(
    conn: &mut DbConnection,
    org: &Id,
    key: &str,
) -> diesel::QueryResult<Option<R>> {
    if let Some(record) = R::find_by_external_id(conn, org, key)? {
        return Ok(Some(record));
    }
    match key.parse::<Id>() {
        Ok(id) => Ok(R::find(conn, org, &id)?.filter(|r| r.external_id().is_none())),
        Err(_) => Ok(None),
    }
}

/// Whether a row's value is the stored one; numbers compare by value (`73` is `73.0`).
fn same_value(stored: &Value, given: &Value) -> bool {
    match (stored, given) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_value(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => stored == given,
    }
}
