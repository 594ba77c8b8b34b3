//! `/api/v1/department-goals`: the boards' breakdown of the overarching goals.

use actix_web::{delete, get, patch, post};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::goals::{check_goal_fields, only_drafts};
use crate::api::revisions::{self, check_life_cycle, Governed, Revised, RevisionNote};
use crate::api::{double_option, new_meta, Resource};
use crate::db::types::{Id, TextList, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::validate::Checks;
use crate::store::audit::Actor;
use crate::store::department_goals::{self, DepartmentGoal, DepartmentGoalFilter};
use crate::store::goals::GoalState;
use crate::store::units::{Unit, UnitKind};
use crate::store::Record;
use crate::store::Tx;

/// A new department goal; its plan period is the overarching goal's.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDepartmentGoal {
    /// The overarching goal it breaks down.
    pub goal_id: Id,
    /// The board (a unit of kind `board`) that owns it.
    pub owner_unit_id: Id,
    /// Unique among the board's goals in the plan period, from 1.
    #[schema(example = 1)]
    #[serde(deserialize_with = "crate::api::whole_number")]
    #[schema(minimum = 1)]
    pub number: i32,
    #[schema(example = "Alla elever ska känna sig trygga i skolan.")]
    #[schema(format = "text:wording")]
    pub title: String,
    #[schema(format = "text:long")]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::footnotes_schema)]
    pub footnotes: Vec<String>,
    #[schema(format = "text:short")]
    pub decision_reference: Option<String>,
    pub decided_on: Option<NaiveDate>,
    /// The deciding body; required (with the reference and date) to create it adopted.
    pub decided_by_unit_id: Option<Id>,
    /// Defaults to `draft`.
    pub state: Option<GoalState>,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
}

/// Changes to a department goal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDepartmentGoal {
    pub goal_id: Option<Id>,
    pub owner_unit_id: Option<Id>,
    #[serde(default, deserialize_with = "crate::api::optional_whole_number")]
    #[schema(minimum = 1)]
    pub number: Option<i32>,
    #[schema(format = "text:wording")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:long")]
    pub description: Option<Option<String>>,
    #[schema(schema_with = crate::api::optional_footnotes_schema)]
    pub footnotes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub decision_reference: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub decided_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Id>)]
    pub decided_by_unit_id: Option<Option<Id>>,
    /// Adopting needs the decision fields; retiring needs `revision`.
    pub state: Option<GoalState>,
    /// The decision behind changing an adopted goal's content or retiring it; its decision
    /// becomes the goal's.
    pub revision: Option<RevisionNote>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
}

impl Resource for DepartmentGoal {
    type Create = CreateDepartmentGoal;
    type Patch = UpdateDepartmentGoal;
    const PATH: &'static str = "/api/v1/department-goals";

    fn build(
        organization_id: Id,
        input: CreateDepartmentGoal,
        now: UtcTime,
    ) -> AppResult<DepartmentGoal> {
        let meta = new_meta(now);
        let mut goal = DepartmentGoal {
            id: meta.id,
            organization_id,
            // Set from the overarching goal by the integrity check.
            plan_period_id: input.goal_id.clone(),
            goal_id: input.goal_id,
            owner_unit_id: input.owner_unit_id,
            number: input.number,
            title: input.title,
            description: input.description,
            footnotes: TextList::new(input.footnotes),
            decision_reference: input.decision_reference,
            decided_on: input.decided_on,
            decided_by_unit_id: input.decided_by_unit_id,
            state: input.state.unwrap_or(GoalState::Draft),
            predecessor_id: None,
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut goal)?;
        Ok(goal)
    }

    fn apply(&mut self, patch: UpdateDepartmentGoal) -> AppResult<()> {
        if let Some(goal) = patch.goal_id {
            self.goal_id = goal;
        }
        if let Some(owner) = patch.owner_unit_id {
            self.owner_unit_id = owner;
        }
        if let Some(number) = patch.number {
            self.number = number;
        }
        if let Some(title) = patch.title {
            self.title = title;
        }
        if let Some(description) = patch.description {
            self.description = description;
        }
        if let Some(footnotes) = patch.footnotes {
            self.footnotes = TextList::new(footnotes);
        }
        if let Some(reference) = patch.decision_reference {
            self.decision_reference = reference;
        }
        if let Some(decided_on) = patch.decided_on {
            self.decided_on = decided_on;
        }
        if let Some(body) = patch.decided_by_unit_id {
            self.decided_by_unit_id = body;
        }
        if let Some(state) = patch.state {
            self.state = state;
        }
        if let Some(note) = patch.revision {
            note.decide(
                &mut self.decision_reference,
                &mut self.decided_on,
                &mut self.decided_by_unit_id,
            );
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = external_id;
        }
        validate(self)
    }

    fn scope_unit(&self) -> Option<&Id> {
        Some(&self.owner_unit_id)
    }

    fn check(&mut self, conn: &mut Tx, before: Option<&DepartmentGoal>) -> AppResult<()> {
        department_goals::check(conn, self, before)?;
        check_life_cycle(conn, self, before)?;
        // A revision's deciding body becomes the goal's, so this checks revisions too.
        if let Some(body) = &self.decided_by_unit_id {
            may_decide(conn, self, body, "decided_by_unit_id")?;
        }
        Ok(())
    }

    fn revision_note(patch: &Self::Patch) -> Option<RevisionNote> {
        patch.revision.clone()
    }

    fn record_history(
        &self,
        conn: &mut Tx,
        actor: &Actor,
        before: Option<&Self>,
        note: Option<RevisionNote>,
    ) -> AppResult<()> {
        revisions::record_history(conn, actor, self, before, note)?;
        crate::api::indicators::follow_goal(conn, actor, self, before)
    }

    fn deletable(&self, _conn: &mut DbConnection) -> AppResult<()> {
        only_drafts(self.state, "department goal")
    }
}

impl Revised for DepartmentGoal {
    const ENTITY: &'static str = "department_goal";
    const CONTENT: &'static [&'static str] = &[
        "number",
        "title",
        "description",
        "footnotes",
        "goal_id",
        "owner_unit_id",
    ];

    fn organization(&self) -> &Id {
        &self.organization_id
    }
}

impl Governed for DepartmentGoal {
    const BODIES: &'static [UnitKind] = &[UnitKind::Board, UnitKind::Council];

    fn state(&self) -> GoalState {
        self.state
    }

    fn decision(&self) -> (Option<&String>, Option<NaiveDate>, Option<&Id>) {
        (
            self.decision_reference.as_ref(),
            self.decided_on,
            self.decided_by_unit_id.as_ref(),
        )
    }
}

/// A department goal, and the targets of its indicators, are decided by the board that owns
/// it or by a council: never by another board.
pub fn may_decide(
    conn: &mut DbConnection,
    goal: &DepartmentGoal,
    body: &Id,
    field: &str,
) -> AppResult<()> {
    let unit = Unit::find(conn, &goal.organization_id, body)?;
    if body != &goal.owner_unit_id && unit.is_some_and(|unit| unit.kind == UnitKind::Board) {
        return Err(AppError::invalid(
            field,
            "a department goal is decided by the board that owns it, or by a council",
        ));
    }
    Ok(())
}

fn validate(goal: &mut DepartmentGoal) -> AppResult<()> {
    let mut checks = Checks::new();
    check_goal_fields(
        &mut checks,
        goal.number,
        &mut goal.title,
        &mut goal.description,
        &goal.footnotes,
        &mut goal.decision_reference,
        &mut goal.external_id,
    );
    checks.finish()
}

/// Filters for listing department goals.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DepartmentGoalListParams {
    /// Only the breakdown of this overarching goal.
    pub goal_id: Option<Id>,
    /// Only this board's goals.
    pub owner_unit_id: Option<Id>,
    pub plan_period_id: Option<Id>,
    pub state: Option<GoalState>,
    /// Include archived goals.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's department goals.
    fn list_department_goals("/department-goals", tag = "department-goals", DepartmentGoalListParams => DepartmentGoal)
    |params| {
        let filter = DepartmentGoalFilter {
            goal_id: params.goal_id,
            owner_unit_id: params.owner_unit_id,
            plan_period_id: params.plan_period_id,
            state: params.state,
        };
        move |conn, org, page| Ok(department_goals::list(conn, org, &filter, page)?)
    }
}

crate::crud_endpoints! {
    record: DepartmentGoal,
    tag: "department-goals",
    collection: "/department-goals",
    item: "/department-goals/{id}",
    create: create_department_goal(CreateDepartmentGoal) "Create a department goal under an overarching goal (board).",
    update: update_department_goal(UpdateDepartmentGoal) "Change a department goal (board).",
    archive: archive_department_goal "/department-goals/{id}/archive" "Archive a department goal: no new activities can be linked to it.",
    unarchive: unarchive_department_goal "/department-goals/{id}/unarchive" "Restore an archived department goal.",
    delete: delete_department_goal "Delete a draft department goal that nothing references (otherwise archive it).",
}

crate::governed_endpoints! {
    record: DepartmentGoal,
    tag: "department-goals",
    item: "/department-goals/{id}",
    revisions: "/department-goals/{id}/revisions",
    get: get_department_goal "Get one department goal; with `as_of`, the version in force on that day.",
    list: list_department_goal_revisions "The revisions of an adopted department goal, oldest first: each decision, what it changed and when it was in force.",
}
