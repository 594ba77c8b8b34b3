//! `/api/v1/indicators`: what is measured for a goal, against which targets, from where.
//! The targets of an adopted goal's indicator are in force by decision and keep their
//! revisions, like the goal's content.

use std::collections::HashMap;

use actix_web::{delete, get, patch, post};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::revisions::{
    self, close_in_force, decision_of, write_revision, Decision, Governed, Revised, RevisionNote,
};
use crate::api::{double_option, new_meta, Resource};
use crate::db::types::{Id, JsonList, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::periods;
use crate::rules::validate::{is_municipality_code, Checks, MAX_NAME, MAX_TEXT};
use crate::store::audit::Actor;
use crate::store::department_goals::DepartmentGoal;
use crate::store::goals::{Goal, GoalState};
use crate::store::indicators::{
    self, Direction, Indicator, IndicatorFilter, Source, Target, TargetBasis, ToleranceUnit,
    UpdateFrequency, YearToDate,
};
use crate::store::revisions::{self as history, Revision};
use crate::store::units::{Unit, UnitKind};
use crate::store::Record;
use crate::store::Tx;

/// A new indicator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIndicator {
    /// The overarching goal it measures; give this or `department_goal_id`.
    pub goal_id: Option<Id>,
    /// The department goal it measures; give this or `goal_id`.
    pub department_goal_id: Option<Id>,
    /// The unit that owns it and reports its values.
    pub owner_unit_id: Option<Id>,
    #[schema(example = "Årets resultat i procent av skatteintäkter och generella statsbidrag")]
    #[schema(format = "text:name")]
    pub name: String,
    #[schema(format = "text:long")]
    pub description: Option<String>,
    #[schema(example = "%")]
    #[schema(format = "text:name")]
    pub unit_of_measure: String,
    pub direction: Direction,
    pub baseline_value: Option<f64>,
    #[schema(example = "1990", format = "text:period-or-blank")]
    pub baseline_period: Option<String>,
    /// Defaults to none.
    #[serde(default)]
    pub targets: Vec<Target>,
    /// Defaults to 0: anything short of the target is red.
    #[schema(minimum = 0)]
    pub yellow_tolerance: Option<f64>,
    /// Defaults to `absolute`.
    pub tolerance_unit: Option<ToleranceUnit>,
    /// Defaults to 1.
    #[schema(minimum = 0)]
    pub weight: Option<f64>,
    /// Defaults to `manual`.
    pub source: Option<Source>,
    #[schema(example = "N03101", format = "text:kpi-or-blank")]
    pub kolada_kpi: Option<String>,
    #[schema(example = "0683", format = "text:municipality-or-blank")]
    pub kolada_municipality: Option<String>,
    #[schema(format = "text:short")]
    pub kolada_ou: Option<String>,
    /// Defaults to `yearly`.
    pub update_frequency: Option<UpdateFrequency>,
    /// How an outcome for part of a year (`2011-YTD08`) compares with an annual target;
    /// defaults to `not_comparable`.
    pub year_to_date: Option<YearToDate>,
    /// How many years after a year its value is published, 0–5 (default 0): a status then
    /// judges the latest year whose value can exist.
    #[serde(default, deserialize_with = "crate::api::optional_whole_number")]
    #[schema(minimum = 0, maximum = 5)]
    pub publication_lag_years: Option<i32>,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
    /// The decision that adds it to an adopted goal or department goal (the council for an
    /// overarching goal's, the board owning the department goal or the council for a
    /// department goal's). Without one, an indicator of an adopted goal is a draft: it counts
    /// toward no status and is not public until a PATCH with `revision` decides it.
    pub revision: Option<RevisionNote>,
}

/// An indicator of an adopted goal taken out of it by decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireIndicator {
    /// The decision that takes it out: by whoever decides its targets.
    pub revision: RevisionNote,
}

/// Changes to an indicator: only the fields given change; null clears an optional field.
/// `targets` replaces the whole list. For an indicator of an adopted goal or department goal,
/// changing `targets`, `baseline_value`, `baseline_period`, `direction`, `yellow_tolerance`
/// or `tolerance_unit` needs `revision`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIndicator {
    /// Move it to this overarching goal (clears `department_goal_id`).
    pub goal_id: Option<Id>,
    /// Move it to this department goal (clears `goal_id`).
    pub department_goal_id: Option<Id>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Id>)]
    pub owner_unit_id: Option<Option<Id>>,
    #[schema(format = "text:name")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:long")]
    pub description: Option<Option<String>>,
    #[schema(format = "text:name")]
    pub unit_of_measure: Option<String>,
    pub direction: Option<Direction>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub baseline_value: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:period-or-blank")]
    pub baseline_period: Option<Option<String>>,
    pub targets: Option<Vec<Target>>,
    #[schema(minimum = 0)]
    pub yellow_tolerance: Option<f64>,
    pub tolerance_unit: Option<ToleranceUnit>,
    #[schema(minimum = 0)]
    pub weight: Option<f64>,
    pub source: Option<Source>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:kpi-or-blank")]
    pub kolada_kpi: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:municipality-or-blank")]
    pub kolada_municipality: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub kolada_ou: Option<Option<String>>,
    pub update_frequency: Option<UpdateFrequency>,
    pub year_to_date: Option<YearToDate>,
    #[serde(default, deserialize_with = "crate::api::optional_whole_number")]
    #[schema(minimum = 0, maximum = 5)]
    pub publication_lag_years: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
    /// The decision behind changing the targets of an adopted goal's indicator: the council
    /// for an overarching goal's, the board owning the department goal (or the council) for a
    /// department goal's.
    pub revision: Option<RevisionNote>,
}

impl Resource for Indicator {
    type Create = CreateIndicator;
    type Patch = UpdateIndicator;
    const PATH: &'static str = "/api/v1/indicators";

    fn creation_note(input: &CreateIndicator) -> Option<RevisionNote> {
        input.revision.clone()
    }

    fn build(organization_id: Id, input: CreateIndicator, now: UtcTime) -> AppResult<Indicator> {
        let meta = new_meta(now);
        let mut indicator = Indicator {
            id: meta.id,
            organization_id,
            goal_id: input.goal_id,
            department_goal_id: input.department_goal_id,
            owner_unit_id: input.owner_unit_id,
            name: input.name,
            description: input.description,
            unit_of_measure: input.unit_of_measure,
            direction: input.direction,
            baseline_value: input.baseline_value,
            baseline_period: input.baseline_period,
            targets: JsonList::new(input.targets),
            yellow_tolerance: input.yellow_tolerance.unwrap_or(0.0),
            tolerance_unit: input.tolerance_unit.unwrap_or(ToleranceUnit::Absolute),
            weight: input.weight.unwrap_or(1.0),
            source: input.source.unwrap_or(Source::Manual),
            kolada_kpi: input.kolada_kpi,
            kolada_municipality: input.kolada_municipality,
            kolada_ou: input.kolada_ou,
            update_frequency: input.update_frequency.unwrap_or(UpdateFrequency::Yearly),
            year_to_date: input.year_to_date.unwrap_or_default(),
            publication_lag_years: input.publication_lag_years.unwrap_or(0),
            predecessor_id: None,
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut indicator)?;
        Ok(indicator)
    }

    fn apply(&mut self, patch: UpdateIndicator) -> AppResult<()> {
        // Naming one kind of goal moves the indicator off the other.
        if patch.goal_id.is_some() || patch.department_goal_id.is_some() {
            self.goal_id = patch.goal_id;
            self.department_goal_id = patch.department_goal_id;
        }
        if let Some(owner) = patch.owner_unit_id {
            self.owner_unit_id = owner;
        }
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(description) = patch.description {
            self.description = description;
        }
        if let Some(unit) = patch.unit_of_measure {
            self.unit_of_measure = unit;
        }
        if let Some(direction) = patch.direction {
            self.direction = direction;
        }
        if let Some(value) = patch.baseline_value {
            self.baseline_value = value;
        }
        if let Some(period) = patch.baseline_period {
            self.baseline_period = period;
        }
        if let Some(targets) = patch.targets {
            self.targets = JsonList::new(targets);
        }
        if let Some(tolerance) = patch.yellow_tolerance {
            self.yellow_tolerance = tolerance;
        }
        if let Some(unit) = patch.tolerance_unit {
            self.tolerance_unit = unit;
        }
        if let Some(weight) = patch.weight {
            self.weight = weight;
        }
        if let Some(source) = patch.source {
            self.source = source;
        }
        if let Some(kpi) = patch.kolada_kpi {
            self.kolada_kpi = kpi;
        }
        if let Some(code) = patch.kolada_municipality {
            self.kolada_municipality = code;
        }
        if let Some(ou) = patch.kolada_ou {
            self.kolada_ou = ou;
        }
        if let Some(year_to_date) = patch.year_to_date {
            self.year_to_date = year_to_date;
        }
        if let Some(lag) = patch.publication_lag_years {
            self.publication_lag_years = lag;
        }
        if let Some(frequency) = patch.update_frequency {
            self.update_frequency = frequency;
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = external_id;
        }
        validate(self)
    }

    fn scope_unit(&self) -> Option<&Id> {
        self.owner_unit_id.as_ref()
    }

    fn check(&mut self, conn: &mut Tx, before: Option<&Indicator>) -> AppResult<()> {
        indicators::check(conn, self, before)
    }

    fn revision_note(patch: &Self::Patch) -> Option<RevisionNote> {
        patch.revision.clone()
    }

    fn archivable(
        &self,
        conn: &mut DbConnection,
        archive: bool,
        by_decision: bool,
    ) -> AppResult<()> {
        if archive && !by_decision && decided(conn, self)? {
            return Err(AppError::Conflict {
                detail: format!("the indicator's targets are in force by its goal's decision, so it leaves by decision too: POST /api/v1/indicators/{}/retire with the `revision` that takes it out", self.id),
                errors: vec![],
            });
        }
        Ok(())
    }

    fn deletable(&self, conn: &mut DbConnection) -> AppResult<()> {
        if decided(conn, self)? {
            return Err(AppError::Conflict {
                detail: format!("the indicator's targets are in force by its goal's decision: it is not deleted, it leaves by decision (POST /api/v1/indicators/{}/retire)", self.id),
                errors: vec![],
            });
        }
        Ok(())
    }

    fn record_history(
        &self,
        conn: &mut Tx,
        actor: &Actor,
        before: Option<&Self>,
        note: Option<RevisionNote>,
    ) -> AppResult<()> {
        target_history(conn, actor, self, before, note)
    }
}

/// A revision tracks what decides an indicator's light (rules I4, I5): the targets, the
/// baseline a change-from-baseline target is counted from, which way is better and the
/// yellow band. Name, unit, owner, weight and source describe or route the figures and
/// change without a decision.
impl Revised for Indicator {
    const ENTITY: &'static str = "indicator";
    const CONTENT: &'static [&'static str] = &[
        "targets",
        "baseline_value",
        "baseline_period",
        "direction",
        "yellow_tolerance",
        "tolerance_unit",
    ];

    fn organization(&self) -> &Id {
        &self.organization_id
    }
}

/// The goal or department goal an indicator measures: while adopted, it governs the
/// indicator's targets.
enum Measured {
    Goal(Goal),
    Department(DepartmentGoal),
}

impl Measured {
    fn of(conn: &mut DbConnection, indicator: &Indicator) -> AppResult<Option<Measured>> {
        let org = &indicator.organization_id;
        Ok(match (&indicator.goal_id, &indicator.department_goal_id) {
            (Some(id), _) => Goal::find(conn, org, id)?.map(Measured::Goal),
            (None, Some(id)) => DepartmentGoal::find(conn, org, id)?.map(Measured::Department),
            (None, None) => None,
        })
    }

    fn adopted(&self) -> bool {
        match self {
            Measured::Goal(goal) => goal.state == GoalState::Adopted,
            Measured::Department(goal) => goal.state == GoalState::Adopted,
        }
    }

    /// The note's decision, by the goal's deciding bodies; a board decides only for the
    /// department goals it owns.
    fn decision_of(
        &self,
        conn: &mut Tx,
        note: Option<RevisionNote>,
        why: &str,
    ) -> AppResult<Decision> {
        match self {
            Measured::Goal(goal) => {
                decision_of(conn, &goal.organization_id, note, why, Goal::BODIES)
            }
            Measured::Department(goal) => {
                let org = &goal.organization_id;
                let decision = decision_of(conn, org, note, why, DepartmentGoal::BODIES)?;
                let body = Unit::find(conn, org, &decision.body)?;
                if decision.body != goal.owner_unit_id
                    && body.is_some_and(|unit| unit.kind == UnitKind::Board)
                {
                    return Err(AppError::invalid(
                        "revision.decided_by_unit_id",
                        "the targets of a department goal's indicator are decided by the board that owns the department goal, or by the council",
                    ));
                }
                Ok(decision)
            }
        }
    }
}

const NEEDS_DECISION: &str = "adding, changing or taking out the targets of an adopted goal's indicator needs the decision behind it: {reason, decision_reference, decided_on, decided_by_unit_id}";

/// Whether an indicator's revisions hold one in force (not ended): what makes an adopted
/// goal's indicator decided rather than a draft.
fn in_force(revised: &[Revision]) -> bool {
    revised.iter().any(|r| r.valid_to.is_none())
}

/// Whether the indicator's targets are in force by a decision of its adopted goal: it counts
/// toward the goal's status and shows in public. An indicator of an adopted goal without one
/// (added without a decision, or restored after it was retired) is a draft.
fn decided(conn: &mut DbConnection, indicator: &Indicator) -> AppResult<bool> {
    if !Measured::of(conn, indicator)?.is_some_and(|g| g.adopted()) {
        return Ok(false);
    }
    let org = &indicator.organization_id;
    let revised = history::of_entity(conn, org, Indicator::ENTITY, &indicator.id)?;
    Ok(in_force(&revised))
}

/// The target history of a write. An indicator of an adopted goal is part of its decision:
/// its targets come into force only by a decision (a `revision` note: on creation, on a
/// draft's patch), never by copying the goal's; a change of targets in force needs a note
/// and writes the next revision; taking it out (`retire`) needs one and ends them. Without
/// a decision it is a draft and changes freely, as does an indicator of a draft or retired
/// goal.
fn target_history(
    conn: &mut Tx,
    actor: &Actor,
    indicator: &Indicator,
    before: Option<&Indicator>,
    note: Option<RevisionNote>,
) -> AppResult<()> {
    let org = &indicator.organization_id;
    let revised = history::of_entity(conn, org, Indicator::ENTITY, &indicator.id)?;
    let in_force = in_force(&revised);
    let moved = before.filter(|b| {
        b.goal_id != indicator.goal_id || b.department_goal_id != indicator.department_goal_id
    });
    if let Some(before) = moved {
        let was_governed = Measured::of(conn, before)?.is_some_and(|g| g.adopted());
        if was_governed || !revised.is_empty() {
            let field = if indicator.goal_id.is_some() {
                "goal_id"
            } else {
                "department_goal_id"
            };
            return Err(AppError::invalid(
                field,
                "the indicator's targets were decided for its goal, so it stays with it: archive it and add a new indicator to the other goal",
            ));
        }
    }
    let Some(goal) = Measured::of(conn, indicator)?.filter(|g| g.adopted()) else {
        if note.is_some() {
            return Err(AppError::invalid(
                "revision",
                "the indicator's goal is not adopted, so its targets change without a decision",
            ));
        }
        return Ok(());
    };
    let retiring =
        indicator.archived_at.is_some() && before.is_some_and(|b| b.archived_at.is_none());
    if retiring {
        // A draft is archived without a decision; one in force only by `retire` (archivable).
        let Some(note) = note else { return Ok(()) };
        if !in_force {
            return Err(AppError::invalid(
                "revision",
                "the indicator's targets are not in force by a decision (it is a draft): archive it",
            ));
        }
        let decision = goal.decision_of(conn, Some(note), NEEDS_DECISION)?;
        let on = decision.on;
        let taken_out = serde_json::json!({"field": "archived_at", "before": null, "after": indicator.archived_at});
        write_revision(conn, actor, indicator, vec![taken_out], decision)?;
        close_in_force(conn, indicator, on)?;
        return Ok(());
    }
    let changes = match before {
        Some(before) if moved.is_none() => revisions::changes(before, indicator),
        _ => Vec::new(),
    };
    if !in_force {
        // A draft of an adopted goal: a note decides it, as it stands now.
        return match note {
            Some(_) => {
                let decision = goal.decision_of(conn, note, NEEDS_DECISION)?;
                write_revision(conn, actor, indicator, changes, decision)
            }
            None => Ok(()),
        };
    }
    if changes.is_empty() {
        if note.is_some() {
            return Err(AppError::invalid(
                "revision",
                format!(
                    "the patch changes none of the indicator's {}, so there is nothing to revise",
                    Indicator::CONTENT.join(", ")
                ),
            ));
        }
        return Ok(());
    }
    let decision = goal.decision_of(conn, note, NEEDS_DECISION)?;
    write_revision(conn, actor, indicator, changes, decision)
}

/// Follows a goal's or department goal's life cycle: adopting it puts its indicators' targets
/// as they stand in force by its decision (their first revision); retiring it ends them.
pub fn follow_goal<G: Governed>(
    conn: &mut DbConnection,
    actor: &Actor,
    goal: &G,
    before: Option<&G>,
) -> AppResult<()> {
    let (from, to) = (before.map(|b| b.state()), goal.state());
    let adopting = to == GoalState::Adopted && from != Some(GoalState::Adopted);
    let retiring = to == GoalState::Retired && from == Some(GoalState::Adopted);
    if !adopting && !retiring {
        return Ok(());
    }
    let Some(decision) = goal.decision_in_force() else {
        return Ok(());
    };
    for indicator in indicators::measuring(conn, goal.organization(), goal.id())? {
        if adopting {
            write_revision(conn, actor, &indicator, Vec::new(), decision.clone())?;
        } else {
            close_in_force(conn, &indicator, decision.on)?;
        }
    }
    Ok(())
}

/// The indicator with the targets decided for `day`: those of the revision in force then;
/// before its first revision the first, after its last ended the last; without revisions, as
/// it stands.
pub fn decided_for(
    indicator: &Indicator,
    revised: &[Revision],
    day: NaiveDate,
) -> AppResult<Indicator> {
    let revision = revised
        .iter()
        .rev()
        .find(|r| r.valid_from <= day)
        .or(revised.first());
    match revision {
        Some(revision) => indicator.restore(&revision.snapshot.value()),
        None => Ok(indicator.clone()),
    }
}

/// The revisions of an indicator's targets, oldest first.
pub fn target_revisions(
    conn: &mut DbConnection,
    org: &Id,
    indicator: &Indicator,
) -> AppResult<Vec<Revision>> {
    Ok(history::of_entity(
        conn,
        org,
        Indicator::ENTITY,
        &indicator.id,
    )?)
}

/// The indicators with the targets decided for `day` (see `decided_for`), leaving out the
/// drafts of adopted goals (`governed`: its goal is adopted) whose targets no decision has
/// put in force: they count toward no status and are not public.
pub fn as_decided_on(
    conn: &mut DbConnection,
    org: &Id,
    indicators: Vec<Indicator>,
    day: NaiveDate,
    governed: impl Fn(&Indicator) -> bool,
) -> AppResult<Vec<Indicator>> {
    let ids: Vec<Id> = indicators.iter().map(|i| i.id.clone()).collect();
    let mut revised: HashMap<Id, Vec<Revision>> = HashMap::new();
    for revision in history::of_entities(conn, org, Indicator::ENTITY, &ids)? {
        revised
            .entry(revision.entity_id.clone())
            .or_default()
            .push(revision);
    }
    indicators
        .iter()
        .filter_map(|i| {
            let history = revised.get(&i.id).map_or(&[][..], Vec::as_slice);
            (in_force(history) || !governed(i)).then(|| decided_for(i, history, day))
        })
        .collect()
}

fn validate(indicator: &mut Indicator) -> AppResult<()> {
    let mut checks = Checks::new();
    checks.text("name", &mut indicator.name, MAX_NAME);
    checks.text("unit_of_measure", &mut indicator.unit_of_measure, MAX_NAME);
    checks.optional_text("description", &mut indicator.description, MAX_TEXT);
    checks.optional_text("external_id", &mut indicator.external_id, MAX_NAME);
    if indicator.goal_id.is_some() == indicator.department_goal_id.is_some() {
        checks.fail(
            "goal_id",
            "give exactly one of goal_id and department_goal_id",
        );
    }
    // These have formats of their own, checked once trimmed (and short enough).
    let period = &mut indicator.baseline_period;
    let within = checks.trimmed("baseline_period", period, MAX_NAME);
    if within && period.as_deref().map(periods::span) == Some(None) {
        checks.fail("baseline_period", format!("must be {}", periods::FORMAT));
    }
    if indicator.yellow_tolerance < 0.0 {
        checks.fail("yellow_tolerance", "must be 0 or more");
    }
    if indicator.weight < 0.0 {
        checks.fail("weight", "must be 0 or more");
    }
    if !(0..=5).contains(&indicator.publication_lag_years) {
        checks.fail("publication_lag_years", "must be 0 to 5");
    }
    let kpi_within = checks.trimmed("kolada_kpi", &mut indicator.kolada_kpi, MAX_NAME);
    match (&indicator.source, &indicator.kolada_kpi) {
        (Source::Kolada, None) => checks.fail(
            "kolada_kpi",
            "a Kolada indicator names its KPI, e.g. N03101",
        ),
        (_, Some(kpi)) if kpi_within && !is_kolada_kpi(kpi) => checks.fail(
            "kolada_kpi",
            "a Kolada KPI id is a capital letter and five digits, e.g. N03101",
        ),
        _ => {}
    }
    let code = &mut indicator.kolada_municipality;
    let within = checks.trimmed("kolada_municipality", code, MAX_NAME);
    if within && code.as_deref().is_some_and(|c| !is_municipality_code(c)) {
        checks.fail("kolada_municipality", "must be a 4-digit municipality code");
    }
    checks.optional_text("kolada_ou", &mut indicator.kolada_ou, MAX_NAME);
    let direction = indicator.direction;
    let has_baseline = indicator.baseline_value.is_some();
    // A target (a milestone on the path from the baseline) comes after the baseline.
    let baseline_start = indicator.baseline_period.as_deref().and_then(periods::span);
    for (i, target) in indicator.targets.items().iter().enumerate() {
        let field = format!("targets[{i}]");
        check_target(&mut checks, &field, target, direction, has_baseline);
        match (baseline_start, periods::span(&target.from)) {
            (Some((_, baseline_end)), Some((from, _))) if from <= baseline_end => checks.fail(
                &format!("{field}.from"),
                format!(
                    "must come after the baseline period {}",
                    indicator.baseline_period.as_deref().unwrap_or_default()
                ),
            ),
            _ => {}
        }
    }
    checks.finish()
}

/// A target names valid periods in order and exactly the figures its indicator's
/// direction compares with.
fn check_target(
    checks: &mut Checks,
    field: &str,
    target: &Target,
    direction: Direction,
    has_baseline: bool,
) {
    let from = periods::span(&target.from);
    if from.is_none() {
        checks.fail(
            &format!("{field}.from"),
            format!("must be {}", periods::FORMAT),
        );
    }
    if let Some(to) = &target.to {
        match (from, periods::span(to)) {
            (_, None) => checks.fail(
                &format!("{field}.to"),
                format!("must be {}", periods::FORMAT),
            ),
            (Some((start, _)), Some((to_start, _))) if to_start < start => {
                checks.fail(&format!("{field}.to"), "must not come before `from`")
            }
            _ => {}
        }
    }
    if target.basis == TargetBasis::Average && target.to.is_none() {
        checks.fail(
            &format!("{field}.to"),
            "an average is over a span: give the last period",
        );
    }
    let figures = [
        target.value.is_some(),
        target.change_from_baseline_percent.is_some(),
    ];
    let band = target.min.is_some() || target.max.is_some();
    if direction == Direction::TargetRange {
        if !band || figures.iter().any(|given| *given) {
            checks.fail(
                field,
                "a target_range indicator's target gives `min` and/or `max` (not `value`)",
            );
        }
        if let (Some(min), Some(max)) = (target.min, target.max) {
            if min > max {
                checks.fail(&format!("{field}.max"), "must not be below `min`");
            }
        }
    } else if band || figures.iter().filter(|given| **given).count() != 1 {
        checks.fail(
            field,
            "give exactly one of `value` and `change_from_baseline_percent`",
        );
    } else if target.change_from_baseline_percent.is_some() && !has_baseline {
        checks.fail(
            &format!("{field}.change_from_baseline_percent"),
            "needs the indicator's `baseline_value`",
        );
    }
}

/// Kolada KPI ids: a capital letter (N, U …) and five digits.
fn is_kolada_kpi(kpi: &str) -> bool {
    kpi.len() == 6
        && kpi.as_bytes()[0].is_ascii_uppercase()
        && kpi.bytes().skip(1).all(|b| b.is_ascii_digit())
}

/// Filters for listing indicators.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IndicatorListParams {
    pub goal_id: Option<Id>,
    pub department_goal_id: Option<Id>,
    pub owner_unit_id: Option<Id>,
    pub source: Option<Source>,
    #[param(format = "text:query")]
    pub kolada_kpi: Option<String>,
    /// Include archived indicators.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's indicators.
    fn list_indicators("/indicators", tag = "indicators", IndicatorListParams => Indicator)
    |params| move |conn, org, page| {
        let filter = IndicatorFilter {
            goal_id: params.goal_id,
            department_goal_id: params.department_goal_id,
            owner_unit_id: params.owner_unit_id,
            source: params.source,
            kolada_kpi: params.kolada_kpi,
        };
        Ok(indicators::list(conn, org, &filter, page)?)
    }
}

/// Take an indicator out of its adopted goal by decision: its targets stop being in force on
/// the decision's day (a last revision records the decision) and it is archived. The rights
/// are those of changing its targets.
#[utoipa::path(
    tag = "indicators",
    params(
        ("id" = uuid::Uuid, Path, description = "The indicator's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one gets 412 and changes nothing"),
    ),
    request_body = RetireIndicator,
    responses(
        (status = 200, description = "The indicator, archived", body = Indicator,
            headers(("ETag" = String, description = "The record's new version"))),
        (status = 400, description = "A malformed id or JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles or unit scope do not allow this", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such indicator in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Archived already, or another request changed it at the same moment (retry)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The decision is incomplete or not by a body that decides this goal, or the indicator is not in force by a decision (archive it instead)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/indicators/{id}/retire")]
pub async fn retire_indicator(
    store: actix_web::web::Data<crate::store::Store>,
    caller: crate::auth::Caller,
    id: actix_web::web::Path<Id>,
    if_match: crate::api::extract::IfMatch,
    body: crate::api::extract::JsonBody<RetireIndicator>,
) -> AppResult<actix_web::HttpResponse> {
    caller.write_reach(Indicator::KIND)?;
    let writer = crate::api::Writer::of(&caller);
    let (id, note) = (id.into_inner(), body.into_inner().revision);
    let answer = store
        .transaction(move |conn| {
            let change = crate::api::Change::ArchiveByDecision(note);
            let (record, _) =
                crate::api::change_in::<Indicator>(conn, &writer, &id, &if_match, change)?;
            crate::api::Answer::record(actix_web::http::StatusCode::OK, &record)?
                .kept(conn, &caller)
        })
        .await?;
    Ok(answer.response())
}

crate::crud_endpoints! {
    record: Indicator,
    tag: "indicators",
    collection: "/indicators",
    item: "/indicators/{id}",
    create: create_indicator(CreateIndicator) "Add an indicator to a goal or department goal (admin, council; board and manager for units in scope). On an adopted goal its targets come into force by the decision in `revision` (revision 1); without one it is a draft that counts toward no status and is not public.",
    update: update_indicator(UpdateIndicator) "Change an indicator; `targets` replaces the list. The targets of an adopted goal's indicator change only with a `revision` note, which writes the next revision.",
    archive: archive_indicator "/indicators/{id}/archive" "Archive an indicator: it leaves lists and statuses. One whose targets are in force by its adopted goal's decision leaves by decision instead (`/retire`, 409 here).",
    unarchive: unarchive_indicator "/indicators/{id}/unarchive" "Restore an archived indicator.",
    delete: delete_indicator "Delete an indicator without measurements and not in force by a decision.",
}

crate::governed_endpoints! {
    record: Indicator,
    tag: "indicators",
    item: "/indicators/{id}",
    revisions: "/indicators/{id}/revisions",
    get: get_indicator "Get one indicator; with `as_of`, as it was when the targets in force on that day were decided.",
    list: list_indicator_revisions "The revisions of an indicator's targets, oldest first: each decision, what it changed and when it was in force (none while its goal is a draft).",
}
