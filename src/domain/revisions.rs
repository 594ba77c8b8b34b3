//! The life cycle of goals, department goals and visions (draft → adopted → retired), the
//! decisions that adopt and change them, and their revisions; indicators' targets keep
//! revisions the same way, governed by their goal. What was in force on a day is read back
//! from the revisions here (`as_in_force`, `page_as_of`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::types::{Id, JsonDocument, UtcTime};
use crate::db::DbConnection;
use crate::domain::write::Resource;
use crate::error::{AppError, AppResult, FieldError};
use crate::rules::validate::{clean, Checks, MAX_NAME, MAX_TEXT};
use crate::store::audit::Actor;
use crate::store::goals::GoalState;
use crate::store::revisions::{self, Revision};
use crate::store::units::{self, UnitKind};
use crate::store::Tx;

/// The decision behind changing or retiring an adopted goal or vision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionNote {
    /// Why it changes.
    #[schema(
        example = "Målet skärps efter uppföljningen 2011.",
        format = "text:long"
    )]
    pub reason: Option<String>,
    #[schema(example = "KF 2012-06-14 § 77", format = "text:short")]
    pub decision_reference: Option<String>,
    pub decided_on: Option<NaiveDate>,
    /// The deciding body: the council for a goal or vision, the board (or council) for a
    /// department goal.
    pub decided_by_unit_id: Option<Id>,
}

impl RevisionNote {
    /// 422 naming each text the spec refuses: longer than it allows (counted as sent; both
    /// are trimmed where they are used) or with NUL.
    pub fn check(&self) -> AppResult<()> {
        let mut checks = Checks::new();
        self.check_texts(&mut checks);
        checks.finish()
    }

    fn check_texts(&self, checks: &mut Checks) {
        checks.kept_text("revision.reason", self.reason.as_deref(), MAX_TEXT);
        let reference = self.decision_reference.as_deref();
        checks.kept_text("revision.decision_reference", reference, MAX_NAME);
    }

    /// Makes the note's decision the record's (what it leaves out stays).
    pub fn decide(
        self,
        reference: &mut Option<String>,
        decided_on: &mut Option<NaiveDate>,
        decided_by: &mut Option<Id>,
    ) {
        if let Some(r) = clean(self.decision_reference) {
            *reference = Some(r);
        }
        if let Some(on) = self.decided_on {
            *decided_on = Some(on);
        }
        if let Some(body) = self.decided_by_unit_id {
            *decided_by = Some(body);
        }
    }
}

/// A record whose content revisions track: goals, department goals and visions, and the
/// targets of their indicators.
pub trait Revised: Resource + Serialize + serde::de::DeserializeOwned {
    /// `goal`, `department_goal`, `vision` or `indicator`.
    const ENTITY: &'static str;
    /// The content fields a revision tracks, by their JSON names.
    const CONTENT: &'static [&'static str];
    fn organization(&self) -> &Id;

    /// The content fields a revision tracks, by name.
    fn content(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut all = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(all)) => all,
            _ => return serde_json::Map::new(),
        };
        Self::CONTENT
            .iter()
            .filter_map(|name| all.remove_entry(*name))
            .collect()
    }

    /// The record with the content, state and decision of a revision's snapshot put back;
    /// the rest (id, timestamps, version) stays as stored. A snapshot that does not read as
    /// the record is an error, never today's record shown as the past.
    fn restore(&self, snapshot: &serde_json::Value) -> AppResult<Self> {
        const KEPT: [&str; 4] = [
            "state",
            "decision_reference",
            "decided_on",
            "decided_by_unit_id",
        ];
        self.with_fields_of(snapshot, Self::CONTENT.iter().chain(KEPT.iter()))
    }

    /// The record with only the content of a revision's snapshot put back: its wording then,
    /// its state and decision as they are now.
    fn reworded(&self, snapshot: &serde_json::Value) -> AppResult<Self> {
        self.with_fields_of(snapshot, Self::CONTENT.iter())
    }

    /// The record with these fields of a snapshot put back.
    fn with_fields_of<'a>(
        &self,
        snapshot: &serde_json::Value,
        names: impl Iterator<Item = &'a &'a str>,
    ) -> AppResult<Self> {
        let unreadable = |e: serde_json::Error| {
            AppError::Internal(format!(
                "a revision of {} {} does not read as one: {e}",
                Self::ENTITY,
                self.id()
            ))
        };
        let mut merged = serde_json::to_value(self).map_err(unreadable)?;
        for name in names {
            if let (Some(value), Some(fields)) = (snapshot.get(*name), merged.as_object_mut()) {
                fields.insert(name.to_string(), value.clone());
            }
        }
        serde_json::from_value(merged).map_err(unreadable)
    }
}

/// A goal, department goal or vision: adopted by a decision, revised by later ones.
pub trait Governed: Revised {
    /// The kinds of unit that may decide it.
    const BODIES: &'static [UnitKind];
    fn state(&self) -> GoalState;
    fn decision(&self) -> (Option<&String>, Option<NaiveDate>, Option<&Id>);

    /// The decision in force, once adopted.
    fn decision_in_force(&self) -> Option<Decision> {
        match self.decision() {
            (Some(reference), Some(on), Some(body)) => Some(Decision {
                reason: None,
                reference: reference.clone(),
                on,
                body: body.clone(),
            }),
            _ => None,
        }
    }
}

/// The decision behind a revision: why, its reference, its day (the first day in force) and
/// the deciding body.
#[derive(Debug, Clone)]
pub struct Decision {
    pub reason: Option<String>,
    pub reference: String,
    pub on: NaiveDate,
    pub body: Id,
}

/// The records as they were in force on `day`: those with no revision in force are left out,
/// the others carry that revision's content.
pub fn as_in_force<R: Revised>(
    conn: &mut DbConnection,
    org: &Id,
    rows: Vec<R>,
    day: NaiveDate,
) -> AppResult<Vec<R>> {
    let in_force = revisions::all_in_force(conn, org, R::ENTITY, day)?;
    restored(rows, in_force)
}

/// The records in the wording in force on `day` (the last day of a reporting period): one
/// with a revision in force then carries that revision's content (its state and decision stay
/// as they are now); one without (a draft, or one decided only later) stays as it is.
pub fn worded_on<R: Revised>(
    conn: &mut DbConnection,
    org: &Id,
    rows: Vec<R>,
    day: NaiveDate,
) -> AppResult<Vec<R>> {
    let mut in_force: std::collections::HashMap<Id, Revision> =
        revisions::all_in_force(conn, org, R::ENTITY, day)?
            .into_iter()
            .map(|r| (r.entity_id.clone(), r))
            .collect();
    rows.into_iter()
        .map(|row| match in_force.remove(row.id()) {
            Some(revision) => row.reworded(&revision.snapshot.value()),
            None => Ok(row),
        })
        .collect()
}

/// One page of a list as in force on `day`: `query` reads the page among the ids of the
/// records in force then (so that paging counts only those), which are then restored.
pub fn page_as_of<R: Revised>(
    conn: &mut DbConnection,
    org: &Id,
    day: NaiveDate,
    query: impl FnOnce(&mut DbConnection, &[Id]) -> diesel::QueryResult<Vec<R>>,
) -> AppResult<Vec<R>> {
    let in_force = revisions::all_in_force(conn, org, R::ENTITY, day)?;
    let ids: Vec<Id> = in_force.iter().map(|r| r.entity_id.clone()).collect();
    let rows = query(conn, &ids)?;
    restored(rows, in_force)
}

fn restored<R: Revised>(rows: Vec<R>, in_force: Vec<Revision>) -> AppResult<Vec<R>> {
    let mut in_force: std::collections::HashMap<Id, Revision> = in_force
        .into_iter()
        .map(|r| (r.entity_id.clone(), r))
        .collect();
    rows.into_iter()
        .filter_map(|row| {
            let revision = in_force.remove(row.id())?;
            Some(row.restore(&revision.snapshot.value()))
        })
        .collect()
}

/// Only draft → adopted → retired (or staying put); adopted and retired records carry their
/// decision: reference, date and a deciding body of the right kind.
pub fn check_life_cycle<R: Governed>(
    conn: &mut Tx,
    record: &R,
    before: Option<&R>,
) -> AppResult<()> {
    let noun = R::KIND.noun();
    let to = record.state();
    if let Some(before) = before {
        let from = before.state();
        let allowed = from == to
            || (from == GoalState::Draft && to == GoalState::Adopted)
            || (from == GoalState::Adopted && to == GoalState::Retired);
        if !allowed {
            return Err(AppError::invalid(
                "state",
                format!(
                    "{} {from} {noun} cannot become {to}: {noun}s go draft → adopted → retired",
                    if from == GoalState::Adopted {
                        "an"
                    } else {
                        "a"
                    }
                ),
            ));
        }
    } else if to == GoalState::Retired {
        return Err(AppError::invalid(
            "state",
            format!("a new {noun} is a draft or adopted; only an adopted {noun} can be retired"),
        ));
    }
    let (reference, decided_on, body) = record.decision();
    let mut errors = Vec::new();
    // A deciding body, whenever one is named, is a unit of this organization of the right
    // kind: a draft's too, since it keeps its body when it is adopted (and is checked again
    // then).
    if let Some(body) = body {
        let changed = before.is_none_or(|b| b.decision().2 != Some(body) || b.state() != to);
        if changed {
            if let Err(e) = units::require_kind(
                conn,
                record.organization(),
                body,
                "decided_by_unit_id",
                true,
                R::BODIES,
            ) {
                match e {
                    AppError::Unprocessable { errors: more, .. } => errors.extend(more),
                    other => return Err(other),
                }
            }
        }
    }
    if to == GoalState::Draft {
        return AppError::check_fields(errors);
    }
    let missing = format!("an adopted {noun} needs the decision that adopted it");
    if reference.is_none() {
        errors.push(FieldError::new("decision_reference", &missing));
    }
    if decided_on.is_none() {
        errors.push(FieldError::new("decided_on", &missing));
    }
    if body.is_none() {
        errors.push(FieldError::new("decided_by_unit_id", &missing));
    }
    AppError::check_fields(errors)
}

/// The note's decision, checked: reference, date and a deciding body of one of `bodies`.
/// Without a note, 422 on `revision` saying `why` one is needed.
pub fn decision_of(
    conn: &mut Tx,
    org: &Id,
    note: Option<RevisionNote>,
    why: &str,
    bodies: &[UnitKind],
) -> AppResult<Decision> {
    let note = note.ok_or_else(|| AppError::invalid("revision", why.to_string()))?;
    let mut checks = Checks::new();
    note.check_texts(&mut checks);
    let reference = clean(note.decision_reference);
    if reference.is_none() {
        checks.fail("revision.decision_reference", "is required");
    }
    if note.decided_on.is_none() {
        checks.fail("revision.decided_on", "is required");
    }
    if note.decided_by_unit_id.is_none() {
        checks.fail("revision.decided_by_unit_id", "is required");
    }
    let mut errors = checks.into_errors();
    if let Some(body) = &note.decided_by_unit_id {
        let field = "revision.decided_by_unit_id";
        match units::require_kind(conn, org, body, field, true, bodies) {
            Ok(_) => {}
            Err(AppError::Unprocessable { errors: more, .. }) => errors.extend(more),
            Err(other) => return Err(other),
        }
    }
    AppError::check_fields(errors)?;
    match (reference, note.decided_on, note.decided_by_unit_id) {
        (Some(reference), Some(on), Some(body)) => Ok(Decision {
            reason: clean(note.reason),
            reference,
            on,
            body,
        }),
        _ => Err(AppError::invalid("revision", why.to_string())),
    }
}

fn internal(e: serde_json::Error) -> AppError {
    AppError::Internal(format!("cannot serialize a revision: {e}"))
}

/// What a change does to the tracked content: `{field, before, after}` per changed field.
pub fn changes<R: Revised>(before: &R, after: &R) -> Vec<serde_json::Value> {
    let (old, new) = (before.content(), after.content());
    new.iter()
        .filter(|(field, value)| old.get(*field) != Some(value))
        .map(|(field, value)| {
            serde_json::json!({"field": field, "before": old.get(field), "after": value})
        })
        .collect()
}

/// Ends the validity of the record's revision in force on the decision's day, which must not
/// come before that revision did; returns the record's revisions as they were.
pub fn close_in_force<R: Revised>(
    conn: &mut DbConnection,
    record: &R,
    on: NaiveDate,
) -> AppResult<Vec<Revision>> {
    let history = revisions::of_entity(conn, record.organization(), R::ENTITY, record.id())?;
    if let Some(open) = history.iter().rev().find(|r| r.valid_to.is_none()) {
        if on < open.valid_from {
            return Err(AppError::invalid(
                "revision.decided_on",
                format!(
                    "must not be before {} when revision {} of the {} came into force",
                    open.valid_from,
                    open.number,
                    R::KIND.noun()
                ),
            ));
        }
        revisions::close(conn, &open.id, on)?;
    }
    Ok(history)
}

/// Writes the record's next revision (the first when it has none), in force from the
/// decision's day; the one in force until then ends that day.
pub fn write_revision<R: Revised>(
    conn: &mut DbConnection,
    actor: &Actor,
    record: &R,
    changes: Vec<serde_json::Value>,
    decision: Decision,
) -> AppResult<()> {
    let history = close_in_force(conn, record, decision.on)?;
    let revision = Revision {
        id: Id::new(),
        organization_id: record.organization().clone(),
        entity_type: R::ENTITY.to_string(),
        entity_id: record.id().clone(),
        number: history.last().map_or(1, |r| r.number + 1),
        valid_from: decision.on,
        valid_to: None,
        snapshot: JsonDocument::of(record).map_err(internal)?,
        changes: JsonDocument::of(&serde_json::Value::Array(changes)).map_err(internal)?,
        reason: decision.reason,
        decision_reference: decision.reference,
        decided_on: decision.on,
        decided_by_unit_id: decision.body,
        actor_subject: actor.subject.clone(),
        actor_name: actor.name.clone(),
        created_at: UtcTime::now(),
    };
    revisions::insert(conn, &revision)?;
    Ok(())
}

/// Writes the revisions a write makes: the first on adoption, the next on a change of an
/// adopted record's content (which needs a `revision` note), and the end of validity on
/// retiring.
pub fn record_history<R: Governed>(
    conn: &mut Tx,
    actor: &Actor,
    record: &R,
    before: Option<&R>,
    note: Option<RevisionNote>,
) -> AppResult<()> {
    let noun = R::KIND.noun();
    let from = before.map(|b| b.state());
    let to = record.state();
    if to == GoalState::Adopted && from != Some(GoalState::Adopted) {
        let Some(mut decision) = record.decision_in_force() else {
            return Err(AppError::invalid(
                "decided_on",
                format!("an adopted {noun} needs its decision"),
            ));
        };
        decision.reason = note.and_then(|n| n.reason);
        return write_revision(conn, actor, record, Vec::new(), decision);
    }
    if from != Some(GoalState::Adopted) {
        return Ok(());
    }
    let Some(before) = before else { return Ok(()) };
    let changes = if to == GoalState::Adopted {
        changes(before, record)
    } else {
        Vec::new()
    };
    if to == GoalState::Adopted && changes.is_empty() {
        // The decision in force is the latest revision's: it changes only with content.
        if note.is_some() {
            return Err(AppError::invalid(
                "revision",
                format!(
                    "the patch changes nothing in the {noun}'s content, so there is nothing to revise"
                ),
            ));
        }
        let (old, new) = (before.decision(), record.decision());
        let changed: Vec<FieldError> = [
            ("decision_reference", old.0 != new.0),
            ("decided_on", old.1 != new.1),
            ("decided_by_unit_id", old.2 != new.2),
        ]
        .into_iter()
        .filter(|(_, changed)| *changed)
        .map(|(field, _)| {
            FieldError::new(
                field,
                format!(
                    "an adopted {noun}'s decision changes only with a `revision` of its content"
                ),
            )
        })
        .collect();
        return AppError::check_fields(changed);
    }
    let why = if to == GoalState::Retired {
        format!("retiring an adopted {noun} needs the decision: {{reason, decision_reference, decided_on, decided_by_unit_id}}")
    } else {
        format!("changing an adopted {noun} needs the decision behind it: {{reason, decision_reference, decided_on, decided_by_unit_id}}")
    };
    let decision = decision_of(conn, record.organization(), note, &why, R::BODIES)?;
    if to == GoalState::Adopted {
        write_revision(conn, actor, record, changes, decision)
    } else {
        close_in_force(conn, record, decision.on).map(|_| ())
    }
}
