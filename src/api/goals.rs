//! `/api/v1/goals`: the overarching goals (övergripande mål) the council adopts.

use actix_web::{delete, get, patch, post};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::revisions::{self, check_life_cycle, Governed, Revised, RevisionNote};
use crate::api::{double_option, new_meta, Resource};
use crate::db::types::{Id, TextList, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::validate::{Checks, MAX_NAME, MAX_TEXT};
use crate::store::audit::Actor;
use crate::store::goals::{self, Goal, GoalFilter, GoalState};
use crate::store::units::UnitKind;
use crate::store::Tx;

/// A new overarching goal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGoal {
    pub plan_period_id: Id,
    pub perspective_id: Id,
    /// The council unit that owns the goal.
    pub owner_unit_id: Id,
    /// Unique within the plan period, from 1.
    #[schema(example = 7)]
    #[serde(deserialize_with = "crate::api::whole_number")]
    #[schema(minimum = 1)]
    pub number: i32,
    #[schema(
        example = "Värnamo kommun som geografiskt område ska reducera utsläppen av växthusgaser med minst 40% till år 2020 jämfört med 1990 års nivå."
    )]
    #[schema(format = "text:wording")]
    pub title: String,
    #[schema(format = "text:long")]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::footnotes_schema)]
    pub footnotes: Vec<String>,
    #[schema(example = "KF 2010-11-25 § 123")]
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

/// Changes to an overarching goal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGoal {
    pub perspective_id: Option<Id>,
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

impl Resource for Goal {
    type Create = CreateGoal;
    type Patch = UpdateGoal;
    const PATH: &'static str = "/api/v1/goals";

    fn build(organization_id: Id, input: CreateGoal, now: UtcTime) -> AppResult<Goal> {
        let meta = new_meta(now);
        let mut goal = Goal {
            id: meta.id,
            organization_id,
            plan_period_id: input.plan_period_id,
            perspective_id: input.perspective_id,
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

    fn apply(&mut self, patch: UpdateGoal) -> AppResult<()> {
        if let Some(perspective) = patch.perspective_id {
            self.perspective_id = perspective;
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

    fn check(&mut self, conn: &mut Tx, before: Option<&Goal>) -> AppResult<()> {
        goals::check(conn, self, before)?;
        check_life_cycle(conn, self, before)
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
        only_drafts(self.state, "goal")
    }
}

/// Only a draft may be deleted; adopted and retired goals are public records.
pub fn only_drafts(state: GoalState, noun: &str) -> AppResult<()> {
    if state == GoalState::Draft {
        Ok(())
    } else {
        Err(AppError::Conflict {
            detail: format!(
                "only a draft {noun} can be deleted; this one is {state}: archive it instead"
            ),
            errors: vec![],
        })
    }
}

/// The checks goals and department goals share.
pub fn check_goal_fields(
    checks: &mut Checks,
    number: i32,
    title: &mut String,
    description: &mut Option<String>,
    footnotes: &TextList,
    decision_reference: &mut Option<String>,
    external_id: &mut Option<String>,
) {
    checks.positive("number", number);
    checks.text("title", title, MAX_TEXT);
    checks.optional_text("description", description, MAX_TEXT);
    checks.texts("footnotes", footnotes.items(), MAX_TEXT);
    checks.optional_text("decision_reference", decision_reference, MAX_NAME);
    checks.optional_text("external_id", external_id, MAX_NAME);
}

impl Revised for Goal {
    const ENTITY: &'static str = "goal";
    const CONTENT: &'static [&'static str] = &[
        "number",
        "title",
        "description",
        "footnotes",
        "perspective_id",
        "owner_unit_id",
    ];

    fn organization(&self) -> &Id {
        &self.organization_id
    }
}

impl Governed for Goal {
    const BODIES: &'static [UnitKind] = &[UnitKind::Council, UnitKind::Municipality];

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

fn validate(goal: &mut Goal) -> AppResult<()> {
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

/// Filters for listing overarching goals.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GoalListParams {
    pub plan_period_id: Option<Id>,
    pub perspective_id: Option<Id>,
    pub state: Option<GoalState>,
    pub owner_unit_id: Option<Id>,
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
    /// List the organization's overarching goals.
    fn list_goals("/goals", tag = "goals", GoalListParams => Goal)
    |params| {
        let filter = GoalFilter {
            plan_period_id: params.plan_period_id,
            perspective_id: params.perspective_id,
            state: params.state,
            owner_unit_id: params.owner_unit_id,
        };
        move |conn, org, page| Ok(goals::list(conn, org, &filter, page)?)
    }
}

crate::crud_endpoints! {
    record: Goal,
    tag: "goals",
    collection: "/goals",
    item: "/goals/{id}",
    create: create_goal(CreateGoal) "Create an overarching goal (council).",
    update: update_goal(UpdateGoal) "Change an overarching goal (council).",
    archive: archive_goal "/goals/{id}/archive" "Archive an overarching goal: nothing new can be linked to it.",
    unarchive: unarchive_goal "/goals/{id}/unarchive" "Restore an archived overarching goal.",
    delete: delete_goal "Delete a draft goal that nothing references (otherwise archive it).",
}

crate::governed_endpoints! {
    record: Goal,
    tag: "goals",
    item: "/goals/{id}",
    revisions: "/goals/{id}/revisions",
    get: get_goal "Get one overarching goal; with `as_of`, the version in force on that day.",
    list: list_goal_revisions "The revisions of an adopted overarching goal, oldest first: each decision, what it changed and when it was in force.",
}
