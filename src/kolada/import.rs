//! The import itself: read what the plan needs, check the caller's reach, write the plan
//! with an audit entry per write (as the generic API writes them), and report.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::domain::write::Writer;
use crate::error::{AppError, AppResult};
use crate::kolada::document::KoladaDocument;
use crate::kolada::plan::{self, Change, Inputs, SkippedRow, Step};
use crate::rules::permissions::{Kind, Reach};
use crate::store::audit::AuditAction;
use crate::store::indicators::{self, Indicator};
use crate::store::measurements::{self, Measurement};
use crate::store::organizations::{self, Organization};
use crate::store::{units, Record, Store, Tx};

/// Who imports into which organization (with the writer's reach: a scoped writer's every
/// matched indicator's owner must be in its scope), and whether to write at all.
pub struct Importer {
    pub writer: Writer,
    /// Report what the import would do, and write nothing.
    pub dry_run: bool,
}

/// What an import did (or, in a dry run, would do) to one measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = KoladaImportAction)]
pub enum ImportAction {
    Created,
    Updated,
    Unchanged,
    /// Kolada withdrew the value (`isdeleted`): the measurement is archived.
    Deleted,
}

impl fmt::Display for ImportAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImportAction::Created => "created",
            ImportAction::Updated => "updated",
            ImportAction::Unchanged => "unchanged",
            ImportAction::Deleted => "deleted",
        })
    }
}

/// One measurement the import matched.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = KoladaImportedMeasurement)]
pub struct ImportedMeasurement {
    pub action: ImportAction,
    /// Null for one a dry run would create, or for a withdrawn row with nothing stored.
    pub measurement_id: Option<Id>,
    pub indicator_id: Id,
    /// The row's position in `values`.
    pub row: usize,
    #[schema(example = "N03101")]
    pub kpi: String,
    #[schema(example = "2011")]
    pub period: String,
    /// Total (T); null when missing.
    pub value: Option<f64>,
    /// Women (K).
    pub value_women: Option<f64>,
    /// Men (M).
    pub value_men: Option<f64>,
    /// Kolada has no value for the year: insufficient data, not zero.
    pub missing: bool,
}

/// What a Kolada import did, row by row.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = KoladaImportReport)]
pub struct ImportReport {
    /// True when nothing was written.
    pub dry_run: bool,
    pub organization_id: Id,
    pub imported_at: UtcTime,
    /// Rows in the document.
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Measurements archived because Kolada withdrew them.
    pub deleted: usize,
    /// Rows that match no indicator (or one the import may not write), with the reason.
    pub skipped: Vec<SkippedRow>,
    /// Every matched measurement, in document order.
    pub measurements: Vec<ImportedMeasurement>,
    /// The document's `next_url`: the answer has more rows; import that page too.
    pub next_url: Option<String>,
}

impl ImportReport {
    /// Whether the import wrote (or would write) anything.
    pub fn changes(&self) -> usize {
        self.created + self.updated + self.deleted
    }
}

/// Imports one Kolada document for `importer`; run it in a transaction (all or nothing).
pub fn import(
    conn: &mut Tx,
    importer: &Importer,
    document: &KoladaDocument,
) -> AppResult<ImportReport> {
    plan::validate(document)?;
    let writer = &importer.writer;
    let org = &writer.organization_id;
    let reach = writer.reach(Kind::Measurement)?;
    // Before anything is read: what is planned is what is written.
    crate::store::changes::lock_for_writing(conn, org)?;
    let organization = organizations::find(conn, org)?.ok_or_else(|| {
        AppError::NotFound(
            "the token's organization is not registered here: the service's operator registers it (`malstyrning organizations register`)"
                .into(),
        )
    })?;
    let kpis: BTreeSet<&str> = document.values.iter().map(|r| r.kpi.as_str()).collect();
    let mut indicators = Vec::new();
    for kpi in kpis {
        indicators.extend(indicators::by_kolada_kpi(conn, org, kpi)?);
    }
    let periods: Vec<String> = document
        .values
        .iter()
        .map(|r| r.measurement_period())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let indicator_ids: Vec<Id> = indicators.iter().map(|i| i.id.clone()).collect();
    let existing =
        measurements::outcomes_of_indicators_in_periods(conn, org, &indicator_ids, &periods)?;
    let imported_at = UtcTime::now();
    let plan_periods = indicators::plan_period_days(conn, org, &indicators)?;
    let inputs = Inputs {
        organization_id: org,
        municipality_code: &organization.municipality_code,
        indicators: &indicators,
        plan_periods: &plan_periods,
        existing: &existing,
        imported_at,
        actor: &writer.actor,
    };
    let plan = plan::plan(&inputs, document)?;
    within_reach(conn, writer, reach, &indicators, &plan.steps)?;
    let mut report = ImportReport {
        dry_run: importer.dry_run,
        organization_id: org.clone(),
        imported_at,
        rows: document.values.len(),
        created: 0,
        updated: 0,
        unchanged: 0,
        deleted: 0,
        skipped: plan.skipped,
        measurements: Vec::new(),
        next_url: document.next_url.clone(),
    };
    for step in plan.steps {
        let (action, written) = if importer.dry_run {
            preview(step.change)
        } else {
            write(conn, writer, step.change, imported_at)?
        };
        match action {
            ImportAction::Created => report.created += 1,
            ImportAction::Updated => report.updated += 1,
            ImportAction::Unchanged => report.unchanged += 1,
            ImportAction::Deleted => report.deleted += 1,
        }
        let created_in_dry_run = importer.dry_run && action == ImportAction::Created;
        report.measurements.push(ImportedMeasurement {
            action,
            measurement_id: written
                .as_ref()
                .filter(|_| !created_in_dry_run)
                .map(|m| m.id.clone()),
            indicator_id: step.indicator_id,
            row: step.row,
            kpi: step.kpi,
            period: step.period,
            value: written.as_ref().and_then(|m| m.value),
            value_women: written.as_ref().and_then(|m| m.value_women),
            value_men: written.as_ref().and_then(|m| m.value_men),
            missing: written.as_ref().is_none_or(|m| m.missing),
        });
    }
    Ok(report)
}

/// A manager writes only measurements of indicators its units own: one matched indicator
/// outside the scope refuses the whole import, naming it.
fn within_reach(
    conn: &mut DbConnection,
    writer: &Writer,
    reach: Reach,
    indicators: &[Indicator],
    steps: &[Step],
) -> AppResult<()> {
    if reach == Reach::Organization {
        return Ok(());
    }
    let in_scope = units::scope(conn, &writer.organization_id, &writer.scope)?;
    for step in steps {
        let Some(indicator) = indicators.iter().find(|i| i.id == step.indicator_id) else {
            continue;
        };
        if !indicator
            .owner_unit_id
            .as_ref()
            .is_some_and(|owner| in_scope.contains(owner))
        {
            return Err(AppError::Forbidden(format!(
                "the indicator \"{}\" ({}) that {} feeds is outside the units your token is \
                 scoped to; nothing was imported",
                indicator.name, indicator.id, step.kpi
            )));
        }
    }
    Ok(())
}

/// What a step would do, without writing.
fn preview(change: Change) -> (ImportAction, Option<Measurement>) {
    match change {
        Change::Create(m) => (ImportAction::Created, Some(m)),
        Change::Update { after, .. } | Change::Restore { after, .. } => {
            (ImportAction::Updated, Some(after))
        }
        Change::Archive { after, .. } => (ImportAction::Deleted, Some(after)),
        Change::Unchanged(stored) => (ImportAction::Unchanged, stored),
    }
}

/// Writes a step through the one write path, as the API writes each kind of change.
fn write(
    conn: &mut Tx,
    writer: &Writer,
    change: Change,
    now: UtcTime,
) -> AppResult<(ImportAction, Option<Measurement>)> {
    Ok(match change {
        Change::Create(created) => {
            writer.insert(conn, &created)?;
            (ImportAction::Created, Some(created))
        }
        Change::Update { before, after } => {
            let after = save(conn, writer, AuditAction::Update, &before, after, None, now)?;
            (ImportAction::Updated, Some(after))
        }
        Change::Restore { before, after } => {
            // Unarchive, then update: the trail reads as if a person had done both.
            let unarchive = AuditAction::Unarchive;
            let restored = save(conn, writer, unarchive, &before, before.clone(), None, now)?;
            let mut after = after;
            after.version = restored.version;
            let after = save(
                conn,
                writer,
                AuditAction::Update,
                &restored,
                after,
                None,
                now,
            )?;
            (ImportAction::Updated, Some(after))
        }
        Change::Archive { before, after } => {
            let archive = AuditAction::Archive;
            let after = save(conn, writer, archive, &before, after, Some(now), now)?;
            (ImportAction::Deleted, Some(after))
        }
        Change::Unchanged(stored) => (ImportAction::Unchanged, stored),
    })
}

/// A versioned write of a stored measurement.
fn save(
    conn: &mut Tx,
    writer: &Writer,
    action: AuditAction,
    before: &Measurement,
    mut after: Measurement,
    archived_at: Option<UtcTime>,
    now: UtcTime,
) -> AppResult<Measurement> {
    after.mark_changed(now, archived_at);
    writer.update(conn, action, before, &after, || AppError::Conflict {
        detail: format!(
            "the measurement {} was changed while importing; run the import again",
            before.id
        ),
        errors: vec![],
    })?;
    Ok(after)
}

/// The organization a command-line import writes to: `--org` (an id or a municipality
/// code), else the one whose municipality code the document's rows name, if it is one.
pub fn organization_for(
    conn: &mut DbConnection,
    org: Option<&str>,
    document: &KoladaDocument,
) -> AppResult<Organization> {
    if let Some(org) = org {
        let found = match org.parse::<Id>() {
            Ok(id) => organizations::find(conn, &id)?,
            Err(_) => organizations::find_by_code(conn, org)?,
        };
        return found.ok_or_else(|| {
            AppError::NotFound(format!(
                "no organization with the id or municipality code {org}"
            ))
        });
    }
    let codes: BTreeSet<&str> = document
        .values
        .iter()
        .filter_map(|r| r.municipality.as_deref())
        .collect();
    let codes: Vec<&str> = codes.into_iter().collect();
    match codes[..] {
        [code] => organizations::find_by_code(conn, code)?.ok_or_else(|| {
            AppError::NotFound(format!(
                "no organization has the municipality code {code}; give --org"
            ))
        }),
        [] => Err(AppError::invalid(
            "org",
            "the document names no municipality; give --org",
        )),
        _ => Err(AppError::invalid(
            "org",
            format!(
                "the document names several municipalities ({}); pick one with --org",
                codes.join(", ")
            ),
        )),
    }
}

/// The command line's import: parses a Kolada document, picks the organization and imports
/// it in one transaction as `kolada-import`, with the reach of an operator.
pub async fn import_file(
    store: &Store,
    bytes: &[u8],
    org: Option<&str>,
    dry_run: bool,
) -> Result<ImportReport, String> {
    let document: KoladaDocument =
        crate::domain::input::parse_json(bytes).map_err(|e| describe(&e))?;
    let org = org.map(str::to_string);
    let work = move |conn: &mut Tx| {
        let organization = organization_for(conn, org.as_deref(), &document)?;
        let importer = Importer {
            writer: Writer::operator(organization.id, crate::kolada::CLI_ACTOR),
            dry_run,
        };
        import(conn, &importer, &document)
    };
    let result = if dry_run {
        store.rolled_back(work).await
    } else {
        store.transaction(work).await
    };
    result.map_err(|e| describe(&e))
}

/// An error as the command line prints it: the problem's detail and each field.
pub fn describe(error: &AppError) -> String {
    if let AppError::Internal(cause) = error {
        return cause.clone();
    }
    let problem = error.problem();
    let mut text = problem.detail;
    for field in problem.errors {
        text.push_str(&format!("\n  {}: {}", field.field, field.message));
    }
    text
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Kolada import into organization {}{}: {} rows; {} created, {} updated, {} unchanged, \
             {} deleted, {} skipped",
            self.organization_id,
            if self.dry_run {
                " (dry run, nothing written)"
            } else {
                ""
            },
            self.rows,
            self.created,
            self.updated,
            self.unchanged,
            self.deleted,
            self.skipped.len()
        )?;
        for m in self
            .measurements
            .iter()
            .filter(|m| m.action != ImportAction::Unchanged)
        {
            let value = match (m.missing, m.value) {
                (false, Some(v)) => v.to_string(),
                _ => "missing".to_string(),
            };
            writeln!(
                f,
                "  {:<9} {} {} (indicator {}): {value}",
                m.action, m.kpi, m.period, m.indicator_id
            )?;
        }
        for s in &self.skipped {
            let area = s.municipality.as_deref().or(s.ou.as_deref()).unwrap_or("-");
            writeln!(f, "  skipped   {} {} {area}: {}", s.kpi, s.period, s.reason)?;
        }
        if self.changes() == 0 {
            writeln!(f, "Nothing changed.")?;
        }
        if let Some(next) = &self.next_url {
            writeln!(f, "The answer has another page: import {next} too.")?;
        }
        Ok(())
    }
}
