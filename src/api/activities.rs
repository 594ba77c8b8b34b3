//! `/api/v1/activities`: what the work teams do to reach the goals.

use actix_web::{delete, get, patch, post};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::{double_option, new_meta, Resource};
use crate::db::types::{Id, UtcTime};
use crate::error::AppResult;
use crate::rules::validate::{Checks, MAX_NAME, MAX_TEXT};
use crate::store::activities::{self, Activity, ActivityFilter, ActivityStatus};
use crate::store::units;
use crate::store::Tx;

/// A new activity on a team's activity plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActivity {
    /// The work team (a unit of kind `team`).
    pub team_id: Id,
    /// The overarching goal it serves; give this or `department_goal_id`.
    pub goal_id: Option<Id>,
    /// The department goal it serves; give this or `goal_id`.
    pub department_goal_id: Option<Id>,
    #[schema(example = "Trygghetsvandring i centrum tillsammans med polisen")]
    #[schema(format = "text:name")]
    pub title: String,
    #[schema(format = "text:long")]
    pub description: Option<String>,
    #[schema(example = "Arbetslagsledaren")]
    #[schema(format = "text:short")]
    pub responsible: Option<String>,
    #[schema(example = "2011-05-31")]
    pub due_date: Option<NaiveDate>,
    /// Defaults to `planned`.
    pub status: Option<ActivityStatus>,
    /// When it was done; only with status `done` (defaults to today then).
    pub done_on: Option<NaiveDate>,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
}

/// Changes to an activity. Setting `status` to `done` strikes it through with today's date
/// unless `done_on` is given; moving it out of `done` clears `done_on`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateActivity {
    pub team_id: Option<Id>,
    /// Link to this overarching goal instead (clears `department_goal_id`).
    pub goal_id: Option<Id>,
    /// Link to this department goal instead (clears `goal_id`).
    pub department_goal_id: Option<Id>,
    #[schema(format = "text:name")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:long")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub responsible: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_date: Option<Option<NaiveDate>>,
    pub status: Option<ActivityStatus>,
    pub done_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

impl Resource for Activity {
    type Create = CreateActivity;
    type Patch = UpdateActivity;
    const PATH: &'static str = "/api/v1/activities";

    fn build(organization_id: Id, input: CreateActivity, now: UtcTime) -> AppResult<Activity> {
        let meta = new_meta(now);
        let status = input.status.unwrap_or(ActivityStatus::Planned);
        let mut checks = Checks::new();
        let done_on = done_date(&mut checks, status, input.done_on, None);
        checks.finish()?;
        let mut activity = Activity {
            id: meta.id,
            organization_id,
            team_id: input.team_id,
            goal_id: input.goal_id,
            department_goal_id: input.department_goal_id,
            title: input.title,
            description: input.description,
            responsible: input.responsible,
            due_date: input.due_date,
            status,
            done_on,
            predecessor_id: None,
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut activity)?;
        Ok(activity)
    }

    fn apply(&mut self, patch: UpdateActivity) -> AppResult<()> {
        if let Some(team) = patch.team_id {
            self.team_id = team;
        }
        // Naming one kind of goal moves the activity off the other; naming both is refused
        // by `validate`.
        if patch.goal_id.is_some() || patch.department_goal_id.is_some() {
            self.goal_id = patch.goal_id;
            self.department_goal_id = patch.department_goal_id;
        }
        if let Some(title) = patch.title {
            self.title = title;
        }
        if let Some(description) = patch.description {
            self.description = description;
        }
        if let Some(responsible) = patch.responsible {
            self.responsible = responsible;
        }
        if let Some(due) = patch.due_date {
            self.due_date = due;
        }
        let mut checks = Checks::new();
        let status = patch.status.unwrap_or(self.status);
        let kept = if status == self.status {
            self.done_on
        } else {
            None
        };
        self.done_on = done_date(&mut checks, status, patch.done_on, kept);
        self.status = status;
        checks.finish()?;
        validate(self)
    }

    fn scope_unit(&self) -> Option<&Id> {
        Some(&self.team_id)
    }

    fn check(&mut self, conn: &mut Tx, before: Option<&Activity>) -> AppResult<()> {
        activities::check(conn, self, before)
    }
}

/// The done date for a status: given, kept, or today for `done`; none otherwise.
fn done_date(
    checks: &mut Checks,
    status: ActivityStatus,
    given: Option<NaiveDate>,
    kept: Option<NaiveDate>,
) -> Option<NaiveDate> {
    if status == ActivityStatus::Done {
        // Done is a fact: not a date still to come (a Swedish day: UTC+2 at the most).
        let latest = (chrono::Utc::now() + chrono::Duration::hours(2)).date_naive();
        if given.is_some_and(|day| day > latest) {
            checks.fail(
                "done_on",
                "an activity cannot be done on a day still to come",
            );
        }
        given.or(kept).or_else(|| Some(today()))
    } else {
        if given.is_some() {
            checks.fail(
                "done_on",
                "only an activity with status `done` has a done date",
            );
        }
        None
    }
}

fn validate(activity: &mut Activity) -> AppResult<()> {
    let mut checks = Checks::new();
    checks.text("title", &mut activity.title, MAX_NAME);
    checks.optional_text("description", &mut activity.description, MAX_TEXT);
    checks.optional_text("responsible", &mut activity.responsible, MAX_NAME);
    checks.optional_text("external_id", &mut activity.external_id, MAX_NAME);
    if activity.goal_id.is_some() == activity.department_goal_id.is_some() {
        checks.fail(
            "goal_id",
            "give exactly one of goal_id and department_goal_id",
        );
    }
    checks.finish()
}

/// Filters for listing activities.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityListParams {
    /// Only this team's activities.
    pub team_id: Option<Id>,
    /// Only activities of the teams in this unit's subtree.
    pub unit_id: Option<Id>,
    pub goal_id: Option<Id>,
    pub department_goal_id: Option<Id>,
    pub status: Option<ActivityStatus>,
    /// Exactly this responsible.
    #[param(format = "text:query")]
    pub responsible: Option<String>,
    /// Due strictly before this date.
    pub due_before: Option<NaiveDate>,
    /// Due strictly after this date.
    pub due_after: Option<NaiveDate>,
    /// Only open (planned or in progress) activities whose due date has passed.
    pub overdue: Option<bool>,
    /// Include archived activities.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's activities.
    fn list_activities("/activities", tag = "activities", ActivityListParams => Activity)
    |params| {
        let overdue_on = params.overdue.filter(|o| *o).map(|_| today());
        move |conn, org, page| {
            let mut team_ids = params.team_id.map(|team| vec![team]);
            if let Some(unit) = &params.unit_id {
                let teams = units::teams_below(conn, org, unit)?;
                team_ids = Some(match team_ids {
                    Some(only) => only.into_iter().filter(|t| teams.contains(t)).collect(),
                    None => teams,
                });
            }
            let filter = ActivityFilter {
                team_ids,
                goal_id: params.goal_id,
                department_goal_id: params.department_goal_id,
                status: params.status,
                responsible: params.responsible,
                due_before: params.due_before,
                due_after: params.due_after,
                overdue_on,
            };
            Ok(activities::list(conn, org, &filter, page)?)
        }
    }
}

crate::crud_endpoints! {
    record: Activity,
    tag: "activities",
    collection: "/activities",
    item: "/activities/{id}",
    create: create_activity(CreateActivity) "Add an activity to a team's activity plan (manager, team member).",
    get: get_activity "Get one activity.",
    update: update_activity(UpdateActivity) "Change an activity, e.g. strike it through by setting status `done`.",
    archive: archive_activity "/activities/{id}/archive" "Archive an activity: it leaves lists and the activity plan.",
    unarchive: unarchive_activity "/activities/{id}/unarchive" "Restore an archived activity.",
    delete: delete_activity "Delete an activity.",
}
