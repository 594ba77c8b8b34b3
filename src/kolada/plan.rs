//! What a Kolada document does to the stored measurements, decided without the database:
//! the caller passes the organization's Kolada indicators and their stored measurements, and
//! gets one step per matched indicator and row, and the rows nothing matched.
//!
//! A row matches the organization's (not archived) indicators with its KPI and its area: the
//! indicator's `kolada_ou` for unit rows, else its `kolada_municipality`, else the
//! organization's own municipality code. For each match, the measurement of the row's year:
//! - T → `value`, K → `value_women`, M → `value_men`; a T value that is null or `Missing` makes
//!   the measurement `missing` (no value, never zero; so never red);
//! - T `isdeleted` archives the measurement: Kolada withdrew the figure, and archiving keeps it
//!   and its history in the audit trail. Should Kolada publish the year again, the import
//!   restores it; a measurement a person archived stays archived (the row is skipped);
//! - a measurement whose values, source and provenance (apart from the import time) already
//!   are what the row says is left as it is, so importing the same document twice changes
//!   nothing the second time.

use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::db::types::{Id, JsonDocument, UtcTime};
use crate::domain::write::new_meta;
use crate::error::{AppError, AppResult};
use crate::kolada::document::{Area, Gender, KoladaDocument, KoladaRow};
use crate::rules::periods;
use crate::rules::validate::{Checks, MAX_NAME, MAX_TEXT};
use crate::store::audit::Actor;
use chrono::Datelike;

use crate::store::indicators::{Indicator, Source};
use crate::store::measurements::{Measurement, MeasurementKind};

/// A row the import did not write, and why.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = KoladaSkippedRow)]
pub struct SkippedRow {
    /// The row's position in `values`.
    pub row: usize,
    #[schema(example = "N01951")]
    pub kpi: String,
    #[schema(example = "0683")]
    pub municipality: Option<String>,
    pub ou: Option<String>,
    #[schema(example = "2012")]
    pub period: String,
    /// The indicator it matched, when it matched one it may not write.
    pub indicator_id: Option<Id>,
    pub reason: String,
}

/// What the import does to one measurement.
#[derive(Debug)]
pub enum Change {
    Create(Measurement),
    Update {
        before: Measurement,
        after: Measurement,
    },
    /// Kolada withdrew the value earlier and publishes it again: unarchive, then update.
    Restore {
        before: Measurement,
        after: Measurement,
    },
    /// Kolada withdrew the value.
    Archive {
        before: Measurement,
        after: Measurement,
    },
    /// Already as the row says (or withdrawn, and nothing to withdraw).
    Unchanged(Option<Measurement>),
}

/// One matched indicator and row.
#[derive(Debug)]
pub struct Step {
    pub row: usize,
    pub indicator_id: Id,
    pub kpi: String,
    pub period: String,
    pub change: Change,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub skipped: Vec<SkippedRow>,
}

/// What the plan is made from.
pub struct Inputs<'a> {
    pub organization_id: &'a Id,
    /// The organization's own municipality code, for indicators that name none.
    pub municipality_code: &'a str,
    /// The organization's indicators (not archived) with the document's KPIs.
    pub indicators: &'a [Indicator],
    /// The first and last day of each indicator's plan period (through its goal), so that a
    /// year goes to the plan period it falls in when a roll-over left one indicator per period.
    pub plan_periods: &'a std::collections::HashMap<Id, (chrono::NaiveDate, chrono::NaiveDate)>,
    /// The stored measurements (archived ones too) of those indicators for the document's years.
    pub existing: &'a [Measurement],
    pub imported_at: UtcTime,
    /// Who imports: `recorded_by` of what it writes.
    pub actor: &'a Actor,
}

/// 422 naming each row that is not one Kolada could have sent: exactly one of
/// `municipality` and `ou`, each gender at most once, each KPI, area and year once; and each
/// text that is longer than the spec allows.
pub fn validate(document: &KoladaDocument) -> AppResult<()> {
    let mut checks = Checks::new();
    for (field, url) in [
        ("next_url", &document.next_url),
        ("previous_url", &document.previous_url),
    ] {
        checks.kept_text(field, url.as_deref(), MAX_TEXT);
    }
    let mut seen = std::collections::HashMap::new();
    for (i, row) in document.values.iter().enumerate() {
        let path = format!("values[{i}]");
        // Not blank, and no NUL: PostgreSQL stores no NUL in text and would refuse the KPI's
        // lookup; alike on both.
        checks.untrimmed_text(&format!("{path}.kpi"), &row.kpi, MAX_NAME);
        checks.kept_text(
            &format!("{path}.municipality"),
            row.municipality.as_deref(),
            MAX_NAME,
        );
        checks.kept_text(&format!("{path}.ou"), row.ou.as_deref(), MAX_NAME);
        for (j, value) in row.values.iter().enumerate() {
            let status = value.status.as_deref();
            checks.kept_text(&format!("{path}.values[{j}].status"), status, MAX_NAME);
        }
        let Some(area) = row.area() else {
            checks.fail(
                &path,
                "a row names either `municipality` or `ou`, not both or neither",
            );
            continue;
        };
        for gender in [Gender::Total, Gender::Women, Gender::Men] {
            let at: Vec<usize> = (0..row.values.len())
                .filter(|j| row.values[*j].gender == gender)
                .collect();
            if let [_, again, ..] = at[..] {
                checks.fail(
                    &format!("{path}.values[{again}].gender"),
                    format!("gender {gender} appears more than once in the row"),
                );
            }
        }
        if let Some(first) = seen.insert((row.kpi.clone(), area, row.period), i) {
            checks.fail(
                &path,
                format!("values[{first}] has the same KPI, area and period"),
            );
        }
    }
    let errors = checks.into_errors();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Unprocessable {
            detail: "the Kolada document has rows that cannot be imported".into(),
            errors,
        })
    }
}

/// The Kolada area an indicator takes its values for.
pub fn area_of(indicator: &Indicator, municipality_code: &str) -> Area {
    match (&indicator.kolada_ou, &indicator.kolada_municipality) {
        (Some(ou), _) => Area::Unit(ou.clone()),
        (None, Some(code)) => Area::Municipality(code.clone()),
        (None, None) => Area::Municipality(municipality_code.to_string()),
    }
}

/// Decides every row of a validated document.
pub fn plan(inputs: &Inputs, document: &KoladaDocument) -> AppResult<Plan> {
    let mut plan = Plan::default();
    for (i, row) in document.values.iter().enumerate() {
        let Some(area) = row.area() else {
            continue;
        };
        let period = row.measurement_period();
        let skip = |indicator_id: Option<Id>, reason: String| SkippedRow {
            row: i,
            kpi: row.kpi.clone(),
            municipality: row.municipality.clone(),
            ou: row.ou.clone(),
            period: period.clone(),
            indicator_id,
            reason,
        };
        let matched: Vec<&Indicator> = inputs
            .indicators
            .iter()
            .filter(|ind| ind.archived_at.is_none())
            .filter(|ind| ind.kolada_kpi.as_deref() == Some(row.kpi.as_str()))
            .filter(|ind| area_of(ind, inputs.municipality_code) == area)
            .collect();
        // Rolled-over indicators share KPI and area: a year goes to those whose plan period
        // holds it, if any does; otherwise (e.g. a baseline year) to all of them.
        let covers = |ind: &&Indicator| {
            inputs
                .plan_periods
                .get(&ind.id)
                .is_some_and(|(start, end)| start.year() <= row.period && row.period <= end.year())
        };
        let matched: Vec<&Indicator> = if matched.iter().any(covers) {
            matched.into_iter().filter(covers).collect()
        } else {
            matched
        };
        if matched.is_empty() {
            plan.skipped.push(skip(
                None,
                format!(
                    "no indicator of the organization takes {} for {area}",
                    row.kpi
                ),
            ));
            continue;
        }
        for indicator in matched {
            if indicator.source != Source::Kolada {
                plan.skipped.push(skip(
                    Some(indicator.id.clone()),
                    format!(
                        "the indicator names {} but takes its values from `{}`, not Kolada",
                        row.kpi, indicator.source
                    ),
                ));
                continue;
            }
            let stored = inputs
                .existing
                .iter()
                .find(|m| m.indicator_id == indicator.id && m.period == period);
            match decide(inputs, indicator, row, &area, stored)? {
                Ok(change) => plan.steps.push(Step {
                    row: i,
                    indicator_id: indicator.id.clone(),
                    kpi: row.kpi.clone(),
                    period: period.clone(),
                    change,
                }),
                Err(reason) => plan.skipped.push(skip(Some(indicator.id.clone()), reason)),
            }
        }
    }
    Ok(plan)
}

/// The change for one indicator and row, or why there is none.
fn decide(
    inputs: &Inputs,
    indicator: &Indicator,
    row: &KoladaRow,
    area: &Area,
    stored: Option<&Measurement>,
) -> AppResult<Result<Change, String>> {
    let withdrawn = row.entry(Gender::Total).is_some_and(|t| t.isdeleted);
    let provenance = provenance(row, area, inputs.imported_at)?;
    if withdrawn {
        return Ok(Ok(match stored {
            Some(before) if before.archived_at.is_none() => {
                let mut after = before.clone();
                after.archived_at = Some(inputs.imported_at);
                after.provenance = Some(provenance);
                after.imported_at = Some(inputs.imported_at);
                Change::Archive {
                    before: before.clone(),
                    after,
                }
            }
            other => Change::Unchanged(other.cloned()),
        }));
    }
    let value = |gender| {
        row.entry(gender)
            .filter(|v| !v.isdeleted && !v.is_missing())
            .and_then(|v| v.value)
    };
    let mut wanted = match stored {
        Some(before) => before.clone(),
        None => new_measurement(inputs, indicator, row)?,
    };
    wanted.value = value(Gender::Total);
    wanted.missing = wanted.value.is_none();
    wanted.value_women = value(Gender::Women);
    wanted.value_men = value(Gender::Men);
    wanted.source = Source::Kolada;
    wanted.provenance = Some(provenance);
    wanted.imported_at = Some(inputs.imported_at);
    wanted.recorded_by = inputs.actor.subject.clone();
    wanted.recorded_by_name = inputs.actor.name.clone();
    let Some(before) = stored else {
        return Ok(Ok(Change::Create(wanted)));
    };
    if before.archived_at.is_some() {
        if !withdrawn_by_kolada(before) {
            return Ok(Err(format!(
                "the measurement {} of {} is archived; unarchive it to import into it",
                before.id, before.period
            )));
        }
        wanted.archived_at = None;
        return Ok(Ok(Change::Restore {
            before: before.clone(),
            after: wanted,
        }));
    }
    if same_content(before, &wanted) {
        return Ok(Ok(Change::Unchanged(Some(before.clone()))));
    }
    Ok(Ok(Change::Update {
        before: before.clone(),
        after: wanted,
    }))
}

fn new_measurement(
    inputs: &Inputs,
    indicator: &Indicator,
    row: &KoladaRow,
) -> AppResult<Measurement> {
    let period = row.measurement_period();
    let (period_start, period_end) = periods::span(&period)
        .ok_or_else(|| AppError::Internal(format!("the Kolada year {period} is no period")))?;
    let meta = new_meta(inputs.imported_at);
    Ok(Measurement {
        id: meta.id,
        organization_id: inputs.organization_id.clone(),
        indicator_id: indicator.id.clone(),
        period,
        period_start,
        period_end,
        kind: MeasurementKind::Outcome,
        value: None,
        value_women: None,
        value_men: None,
        missing: true,
        note: None,
        source: Source::Kolada,
        recorded_by: inputs.actor.subject.clone(),
        recorded_by_name: inputs.actor.name.clone(),
        provenance: None,
        imported_at: Some(inputs.imported_at),
        external_id: None,
        archived_at: None,
        created_at: meta.created_at,
        updated_at: meta.updated_at,
        version: meta.version,
    })
}

/// Where the values came from: the KPI, year, area, each gender's Kolada status, which
/// genders Kolada withdrew, and when they were imported.
fn provenance(row: &KoladaRow, area: &Area, imported_at: UtcTime) -> AppResult<JsonDocument> {
    let mut doc = json!({"source": "kolada", "kpi": row.kpi, "period": row.period});
    match area {
        Area::Municipality(code) => doc["municipality"] = json!(code),
        Area::Unit(ou) => doc["ou"] = json!(ou),
    }
    let status: serde_json::Map<String, Value> = row
        .values
        .iter()
        .map(|v| (v.gender.code().to_string(), json!(v.status)))
        .collect();
    doc["status"] = Value::Object(status);
    let withdrawn: Vec<&str> = row
        .values
        .iter()
        .filter(|v| v.isdeleted)
        .map(|v| v.gender.code())
        .collect();
    if !withdrawn.is_empty() {
        doc["isdeleted"] = json!(withdrawn);
    }
    doc["imported_at"] = json!(imported_at);
    JsonDocument::of(&doc)
        .map_err(|e| AppError::Internal(format!("cannot encode the provenance: {e}")))
}

/// The provenance without the import time: what decides whether anything changed.
fn provenance_content(measurement: &Measurement) -> Value {
    let mut value = measurement
        .provenance
        .as_ref()
        .map(JsonDocument::value)
        .unwrap_or(Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.remove("imported_at");
    }
    value
}

fn withdrawn_by_kolada(measurement: &Measurement) -> bool {
    provenance_content(measurement)["isdeleted"]
        .as_array()
        .is_some_and(|genders| genders.iter().any(|g| g == "T"))
}

fn same_content(stored: &Measurement, wanted: &Measurement) -> bool {
    stored.value == wanted.value
        && stored.value_women == wanted.value_women
        && stored.value_men == wanted.value_men
        && stored.missing == wanted.missing
        && stored.source == wanted.source
        && stored.archived_at == wanted.archived_at
        && provenance_content(stored) == provenance_content(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::types::JsonList;
    use crate::store::indicators::{Direction, ToleranceUnit, UpdateFrequency};

    fn actor(org: &Id) -> Actor {
        Actor {
            organization_id: org.clone(),
            subject: "kolada-import".into(),
            name: None,
            request_id: None,
        }
    }

    fn indicator(org: &Id, kpi: &str, municipality: Option<&str>, ou: Option<&str>) -> Indicator {
        let now = UtcTime::now();
        Indicator {
            id: Id::new(),
            organization_id: org.clone(),
            goal_id: Some(Id::new()),
            department_goal_id: None,
            owner_unit_id: None,
            name: format!("Nyckeltal {kpi}"),
            description: None,
            unit_of_measure: "%".into(),
            direction: Direction::HigherIsBetter,
            baseline_value: None,
            baseline_period: None,
            targets: JsonList::new(vec![]),
            yellow_tolerance: 0.0,
            tolerance_unit: ToleranceUnit::Absolute,
            weight: 1.0,
            source: Source::Kolada,
            kolada_kpi: Some(kpi.into()),
            kolada_municipality: municipality.map(str::to_string),
            kolada_ou: ou.map(str::to_string),
            update_frequency: UpdateFrequency::Yearly,
            year_to_date: Default::default(),
            publication_lag_years: 0,
            predecessor_id: None,
            external_id: None,
            archived_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    fn document(rows: Value) -> KoladaDocument {
        serde_json::from_value(json!({"count": 1, "values": rows})).expect("a Kolada document")
    }

    fn changes(plan: &Plan) -> Vec<&'static str> {
        plan.steps
            .iter()
            .map(|s| match s.change {
                Change::Create(_) => "create",
                Change::Update { .. } => "update",
                Change::Restore { .. } => "restore",
                Change::Archive { .. } => "archive",
                Change::Unchanged(_) => "unchanged",
            })
            .collect()
    }

    /// Plans `doc`, then "stores" the result and plans it again with a later import time.
    fn plan_twice(
        org: &Id,
        indicators: &[Indicator],
        existing: Vec<Measurement>,
        doc: &KoladaDocument,
    ) -> (Plan, Plan) {
        let actor = actor(org);
        let inputs = Inputs {
            organization_id: org,
            municipality_code: "0683",
            indicators,
            plan_periods: &std::collections::HashMap::new(),
            existing: &existing,
            imported_at: UtcTime::now(),
            actor: &actor,
        };
        let first = plan(&inputs, doc).expect("a plan");
        let mut stored: Vec<Measurement> = existing.clone();
        for step in &first.steps {
            match &step.change {
                Change::Create(m) => stored.push(m.clone()),
                Change::Update { after, .. }
                | Change::Restore { after, .. }
                | Change::Archive { after, .. } => {
                    stored.retain(|m| m.id != after.id);
                    stored.push(after.clone());
                }
                Change::Unchanged(_) => {}
            }
        }
        let later = Inputs {
            existing: &stored,
            imported_at: UtcTime::now(),
            ..inputs
        };
        let second = plan(&later, doc).expect("a plan");
        (first, second)
    }

    #[test]
    fn rows_become_measurements_once() {
        let org = Id::new();
        let result = indicator(&org, "N03101", None, None);
        let employed = indicator(&org, "N00914", Some("0683"), None);
        let doc = document(json!([
            {"kpi": "N03101", "municipality": "0683", "period": 2011,
             "values": [{"gender": "T", "count": 1, "status": "", "value": 1.2, "isdeleted": false}]},
            {"kpi": "N00914", "municipality": "0683", "period": 2011,
             "values": [{"gender": "T", "status": "", "value": 82.4}, {"gender": "K", "status": "", "value": 79.8},
                        {"gender": "M", "status": "", "value": 84.9}]},
            {"kpi": "N00914", "municipality": "0683", "period": 2013,
             "values": [{"gender": "T", "status": "Missing", "value": null}, {"gender": "K", "status": "Missing", "value": null}]},
            {"kpi": "N01951", "municipality": "0683", "period": 2012, "values": [{"gender": "T", "value": 33072}]},
            {"kpi": "N03101", "municipality": "0684", "period": 2011, "values": [{"gender": "T", "value": 2.0}]},
        ]));
        let (first, second) = plan_twice(&org, &[result.clone(), employed.clone()], vec![], &doc);
        assert_eq!(changes(&first), ["create", "create", "create"]);
        let Change::Create(gendered) = &first.steps[1].change else {
            panic!("a create")
        };
        assert_eq!(
            (
                gendered.value,
                gendered.value_women,
                gendered.value_men,
                gendered.missing
            ),
            (Some(82.4), Some(79.8), Some(84.9), false)
        );
        assert_eq!(gendered.period, "2011");
        assert_eq!(gendered.recorded_by, "kolada-import");
        let provenance = gendered
            .provenance
            .as_ref()
            .map(JsonDocument::value)
            .unwrap_or_default();
        assert_eq!(provenance["kpi"], "N00914");
        assert_eq!(provenance["municipality"], "0683");
        assert_eq!(provenance["status"], json!({"T": "", "K": "", "M": ""}));
        assert!(provenance["imported_at"].is_string());
        let Change::Create(missing) = &first.steps[2].change else {
            panic!("a create")
        };
        assert_eq!((missing.value, missing.missing), (None, true));
        assert_eq!(
            first
                .skipped
                .iter()
                .map(|s| (s.row, s.kpi.as_str()))
                .collect::<Vec<_>>(),
            [(3, "N01951"), (4, "N03101")]
        );
        assert!(
            first.skipped[1].reason.contains("municipality 0684"),
            "{}",
            first.skipped[1].reason
        );
        assert_eq!(changes(&second), ["unchanged", "unchanged", "unchanged"]);
    }

    #[test]
    fn a_changed_figure_or_status_updates_and_a_withdrawn_one_archives_until_published_again() {
        let org = Id::new();
        let ghg = indicator(&org, "N00401", None, None);
        let row = |value: Value, status: &str, deleted: bool| {
            document(
                json!([{"kpi": "N00401", "municipality": "0683", "period": 2010,
                "values": [{"gender": "T", "status": status, "value": value, "isdeleted": deleted}]}]),
            )
        };
        let (first, _) = plan_twice(
            &org,
            std::slice::from_ref(&ghg),
            vec![],
            &row(json!(6.1), "", false),
        );
        let Change::Create(stored) = &first.steps[0].change else {
            panic!("a create")
        };
        let stored = stored.clone();
        let (revised, _) = plan_twice(
            &org,
            std::slice::from_ref(&ghg),
            vec![stored.clone()],
            &row(json!(6.0), "", false),
        );
        assert_eq!(changes(&revised), ["update"]);
        let (missing, again) = plan_twice(
            &org,
            std::slice::from_ref(&ghg),
            vec![stored.clone()],
            &row(json!(6.1), "Missing", false),
        );
        assert_eq!(changes(&missing), ["update"]);
        assert_eq!(changes(&again), ["unchanged"]);

        let (withdrawn, again) = plan_twice(
            &org,
            std::slice::from_ref(&ghg),
            vec![stored.clone()],
            &row(json!(6.1), "", true),
        );
        assert_eq!(changes(&withdrawn), ["archive"]);
        assert_eq!(changes(&again), ["unchanged"]);
        let Change::Archive {
            after: archived, ..
        } = &withdrawn.steps[0].change
        else {
            panic!("an archive")
        };
        assert_eq!(archived.value, Some(6.1), "archiving keeps the figure");
        let (published, again) = plan_twice(
            &org,
            std::slice::from_ref(&ghg),
            vec![archived.clone()],
            &row(json!(6.1), "", false),
        );
        assert_eq!(changes(&published), ["restore"]);
        assert_eq!(changes(&again), ["unchanged"]);

        // Archived by a person: the import leaves it alone and says why.
        let mut by_hand = stored.clone();
        by_hand.archived_at = Some(UtcTime::now());
        let (kept, _) = plan_twice(
            &org,
            std::slice::from_ref(&ghg),
            vec![by_hand],
            &row(json!(6.1), "", false),
        );
        assert!(kept.steps.is_empty());
        assert!(
            kept.skipped[0].reason.contains("archived"),
            "{}",
            kept.skipped[0].reason
        );

        // Nothing stored, nothing to withdraw.
        let (nothing, _) = plan_twice(
            &org,
            std::slice::from_ref(&ghg),
            vec![],
            &row(json!(6.1), "", true),
        );
        assert_eq!(changes(&nothing), ["unchanged"]);
    }

    #[test]
    fn units_match_by_ou_and_other_sources_are_not_overwritten() {
        let org = Id::new();
        let school = indicator(&org, "N15419", Some("0683"), Some("V15E068300101"));
        let mut manual = indicator(&org, "N03101", None, None);
        manual.source = Source::Manual;
        let doc = document(json!([
            {"kpi": "N15419", "ou": "V15E068300101", "period": 2012, "values": [{"gender": "T", "value": 91.0}]},
            {"kpi": "N15419", "municipality": "0683", "period": 2012, "values": [{"gender": "T", "value": 88.0}]},
            {"kpi": "N03101", "municipality": "0683", "period": 2012, "values": [{"gender": "T", "value": 2.9}]},
        ]));
        let (first, _) = plan_twice(&org, &[school.clone(), manual.clone()], vec![], &doc);
        assert_eq!(changes(&first), ["create"]);
        assert_eq!(first.steps[0].indicator_id, school.id);
        assert_eq!(first.skipped.len(), 2);
        assert_eq!(first.skipped[1].indicator_id, Some(manual.id));
        assert!(
            first.skipped[1].reason.contains("manual"),
            "{}",
            first.skipped[1].reason
        );
    }

    #[test]
    fn texts_longer_than_the_spec_allows_are_named() {
        let long = |n: usize| "9".repeat(n);
        let row = |n: usize| {
            json!([{"kpi": long(n), "ou": long(n), "period": 2011,
                    "values": [{"gender": "T", "value": 1.0, "status": long(n)}]}])
        };
        assert!(validate(&document(row(MAX_NAME))).is_ok());
        let Err(AppError::Unprocessable { errors, .. }) = validate(&document(row(MAX_NAME + 1)))
        else {
            panic!("422")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "values[0].kpi",
                "values[0].ou",
                "values[0].values[0].status"
            ]
        );
    }

    #[test]
    fn rows_kolada_could_not_have_sent_are_named() {
        let doc = document(json!([
            {"kpi": "N03101", "period": 2011, "values": []},
            {"kpi": "N03101", "municipality": "0683", "ou": "V15E068300101", "period": 2011, "values": []},
            {"kpi": "N03101", "municipality": "0683", "period": 2011,
             "values": [{"gender": "T", "value": 1.0}, {"gender": "T", "value": 2.0}]},
            {"kpi": "N03101", "municipality": "0683", "period": 2011, "values": []},
        ]));
        let Err(AppError::Unprocessable { errors, .. }) = validate(&doc) else {
            panic!("422")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "values[0]",
                "values[1]",
                "values[2].values[1].gender",
                "values[3]"
            ]
        );
    }
}
