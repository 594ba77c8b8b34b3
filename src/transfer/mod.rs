//! Bulk import and export of an organization's records, in one row shape for both: a row
//! is a record's create request with its `type`, references given by the other record's
//! `external_id` (`goal_external_id` for `goal_id`), and `archived` where it is.
//! Exporting, importing into an empty organization and exporting again gives the same file.

pub mod export;
pub mod import;
mod rows;

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::db::types::Id;
use crate::domain::write::Resource;
use crate::rules::permissions::Kind;
use crate::store::activities::Activity;
use crate::store::contacts::Contact;
use crate::store::department_goals::DepartmentGoal;
use crate::store::goals::Goal;
use crate::store::indicators::Indicator;
use crate::store::measurements::Measurement;
use crate::store::perspectives::Perspective;
use crate::store::plan_periods::PlanPeriod;
use crate::store::reporting_periods::ReportingPeriod;
use crate::store::units::Unit;
use crate::store::visions::Vision;
use crate::store::Owned;
use crate::text_enum;

pub use rows::{neutralize, Format};

text_enum! {
    /// The kinds of record a bulk import reads and an export writes, in the order an
    /// export writes them (every record after those it refers to).
    RowType {
        Unit => "unit",
        PlanPeriod => "plan_period",
        ReportingPeriod => "reporting_period",
        Vision => "vision",
        Perspective => "perspective",
        Goal => "goal",
        DepartmentGoal => "department_goal",
        Indicator => "indicator",
        Measurement => "measurement",
        Activity => "activity",
        Contact => "contact",
    }
}

/// Runs `$body` with `$r` bound to the record type of a `RowType`.
macro_rules! with_record_type {
    ($row_type:expr, $r:ident => $body:expr) => {
        match $row_type {
            $crate::transfer::RowType::Unit => {
                type $r = $crate::store::units::Unit;
                $body
            }
            $crate::transfer::RowType::PlanPeriod => {
                type $r = $crate::store::plan_periods::PlanPeriod;
                $body
            }
            $crate::transfer::RowType::ReportingPeriod => {
                type $r = $crate::store::reporting_periods::ReportingPeriod;
                $body
            }
            $crate::transfer::RowType::Vision => {
                type $r = $crate::store::visions::Vision;
                $body
            }
            $crate::transfer::RowType::Perspective => {
                type $r = $crate::store::perspectives::Perspective;
                $body
            }
            $crate::transfer::RowType::Goal => {
                type $r = $crate::store::goals::Goal;
                $body
            }
            $crate::transfer::RowType::DepartmentGoal => {
                type $r = $crate::store::department_goals::DepartmentGoal;
                $body
            }
            $crate::transfer::RowType::Indicator => {
                type $r = $crate::store::indicators::Indicator;
                $body
            }
            $crate::transfer::RowType::Measurement => {
                type $r = $crate::store::measurements::Measurement;
                $body
            }
            $crate::transfer::RowType::Activity => {
                type $r = $crate::store::activities::Activity;
                $body
            }
            $crate::transfer::RowType::Contact => {
                type $r = $crate::store::contacts::Contact;
                $body
            }
        }
    };
}
pub(crate) use with_record_type;

/// A record a row can carry: a resource with an external id, its create request documented
/// in the spec, and the fields that refer to other records.
pub trait Transferable: Resource + Owned {
    /// Each field that holds another record's id, with that record's kind.
    const REFERENCES: &'static [(&'static str, RowType)];
    /// Whether an import may write the records its rows create many to a statement, after
    /// the rows are checked: true only where the check reads other records through
    /// `store::referenced` alone, a create writes nothing but the record (no history), and no
    /// other kind refers to this one.
    const BATCHED: bool = false;

    /// The order an export writes the records in; creation order unless a kind refers to
    /// itself.
    fn export_order(records: Vec<Self>) -> Vec<Self> {
        records
    }
}

impl Transferable for Unit {
    const REFERENCES: &'static [(&'static str, RowType)] = &[("parent_id", RowType::Unit)];

    /// Parents before their children, siblings in creation order.
    fn export_order(records: Vec<Unit>) -> Vec<Unit> {
        let ids: std::collections::HashSet<Id> = records.iter().map(|u| u.id.clone()).collect();
        let mut children: std::collections::HashMap<Option<Id>, Vec<Unit>> = Default::default();
        for unit in records {
            // A parent outside the list (none should be) makes the unit a root.
            let parent = unit.parent_id.clone().filter(|p| ids.contains(p));
            children.entry(parent).or_default().push(unit);
        }
        let mut ordered = Vec::new();
        let mut stack: Vec<Unit> = children.remove(&None).unwrap_or_default();
        stack.reverse();
        while let Some(unit) = stack.pop() {
            if let Some(mut below) = children.remove(&Some(unit.id.clone())) {
                below.reverse();
                stack.extend(below);
            }
            ordered.push(unit);
        }
        ordered
    }
}

impl Transferable for PlanPeriod {
    const REFERENCES: &'static [(&'static str, RowType)] = &[];
}

impl Transferable for ReportingPeriod {
    const REFERENCES: &'static [(&'static str, RowType)] =
        &[("plan_period_id", RowType::PlanPeriod)];
}

impl Transferable for Vision {
    const REFERENCES: &'static [(&'static str, RowType)] = &[
        ("plan_period_id", RowType::PlanPeriod),
        ("decided_by_unit_id", RowType::Unit),
    ];
}

impl Transferable for Perspective {
    const REFERENCES: &'static [(&'static str, RowType)] =
        &[("plan_period_id", RowType::PlanPeriod)];
}

impl Transferable for Goal {
    const REFERENCES: &'static [(&'static str, RowType)] = &[
        ("plan_period_id", RowType::PlanPeriod),
        ("perspective_id", RowType::Perspective),
        ("owner_unit_id", RowType::Unit),
        ("decided_by_unit_id", RowType::Unit),
    ];
}

impl Transferable for DepartmentGoal {
    const REFERENCES: &'static [(&'static str, RowType)] = &[
        ("goal_id", RowType::Goal),
        ("owner_unit_id", RowType::Unit),
        ("decided_by_unit_id", RowType::Unit),
    ];
}

impl Transferable for Indicator {
    const REFERENCES: &'static [(&'static str, RowType)] = &[
        ("goal_id", RowType::Goal),
        ("department_goal_id", RowType::DepartmentGoal),
        ("owner_unit_id", RowType::Unit),
    ];
}

impl Transferable for Measurement {
    const REFERENCES: &'static [(&'static str, RowType)] = &[("indicator_id", RowType::Indicator)];
}

impl Transferable for Activity {
    const BATCHED: bool = true;
    const REFERENCES: &'static [(&'static str, RowType)] = &[
        ("team_id", RowType::Unit),
        ("goal_id", RowType::Goal),
        ("department_goal_id", RowType::DepartmentGoal),
    ];
}

impl Transferable for Contact {
    const REFERENCES: &'static [(&'static str, RowType)] = &[
        ("unit_id", RowType::Unit),
        ("perspective_id", RowType::Perspective),
    ];
}

impl RowType {
    pub fn kind(&self) -> Kind {
        with_record_type!(self, R => <R as crate::store::Record>::KIND)
    }
}

/// The column that names a referenced record by its external id: `goal_id` →
/// `goal_external_id`.
pub fn external_reference(field: &str) -> String {
    format!("{}_external_id", field.strip_suffix("_id").unwrap_or(field))
}

/// One row of an import or export: a record of the given `type`, with the fields of its
/// create request (see each resource's `POST`). A field that refers to another record
/// (`goal_id`) may instead name that record's `external_id` (`goal_external_id`); an export
/// always does. `archived: true` archives the record, `false` restores it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"type": "activity", "external_id": "act-17",
    "team_external_id": "team-centrum", "goal_external_id": "goal-2",
    "title": "Trygghetsvandring i centrum", "due_date": "2011-05-31", "status": "planned"}))]
pub struct Row {
    #[serde(rename = "type")]
    pub row_type: RowType,
    /// The record's id in the other system; a second import of the same row updates the
    /// record with it rather than creating another.
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}
