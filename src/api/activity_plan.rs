//! A work team's activity plan (aktivitetsplan): the source document's sheet, one per goal,
//! with what the team does, who is responsible and when it is due; done activities struck
//! through. Served as JSON and as CSV that a spreadsheet opens. The JSON takes `?expand=`
//! (the goals' records and indicators, the team's key persons) and `?fields=` (which
//! members of each activity line), so that a team's board is one request.

use std::collections::{HashMap, HashSet};

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{AcceptEncoding, CommaList, NoCache, QueryParams};
use crate::api::goal_tree::{contacts_in_role, indicators_by_goal};
use crate::auth::Caller;
use crate::db::types::Id;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Action;
use crate::store::activities::{self, Activity, ActivityStatus};
use crate::store::contacts::{Contact, ContactRole};
use crate::store::department_goals::DepartmentGoal;
use crate::store::goals::{self, Goal};
use crate::store::indicators::Indicator;
use crate::store::plan_periods::{self, PlanPeriod};
use crate::store::units::{self, Unit, UnitKind};
use crate::store::{Record, Store};
use crate::text_enum;

/// Which goal a sheet of the plan is for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanGoal {
    /// `goal` (overarching) or `department_goal`.
    #[schema(example = "goal")]
    pub kind: String,
    pub id: Id,
    /// "1" for overarching goal 1, "BUN 2" for the board BUN's department goal 2.
    #[schema(example = "1")]
    pub label: String,
    pub title: String,
}

/// One line of the plan. With `fields=`, only the members named there (and `id`).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanActivity {
    #[serde(flatten)]
    pub activity: Activity,
    /// Struck through on the plan: the activity is done (see `done_on`).
    pub done: bool,
    /// Open and past its due date.
    pub overdue: bool,
}

/// The plan's sheet for one goal: its activities by due date (undated last).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSheet {
    pub goal: PlanGoal,
    pub activities: Vec<PlanActivity>,
    /// With `expand=goal`: the overarching goal's record: the sheet's goal, or the goal its
    /// department goal breaks down.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub overarching_goal: Option<Goal>,
    /// With `expand=goal`, on a department goal's sheet: the department goal's record.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub department_goal: Option<DepartmentGoal>,
    /// With `expand=indicators`: the indicators (not archived) of the sheet's goal or
    /// department goal, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub indicators: Option<Vec<Indicator>>,
}

/// A team's activity plan, one sheet per goal it works on.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityPlan {
    pub team: Unit,
    /// The plan period whose goals the sheets are for (`plan_period_id`, or the current
    /// one); none when the organization has no plan period.
    pub plan_period_id: Option<Id>,
    /// The day `overdue` was judged against.
    pub as_of: NaiveDate,
    pub sheets: Vec<PlanSheet>,
    /// With `expand=contacts`: the key persons who serve the units above the team (its
    /// administration, board or council), to ask about the goal work.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub contacts: Option<Vec<Contact>>,
}

/// Which part of the plan to read, and in which format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityPlanParams {
    /// Only the sheets of this plan period's goals and department goals. By default the
    /// current plan period: the one that covers today, or else the latest that has begun
    /// (so that after a roll-over the plan shows the new period's goals, not both).
    pub plan_period_id: Option<Id>,
    /// Only the sheet for this overarching goal.
    pub goal_id: Option<Id>,
    /// Only the sheet for this department goal.
    pub department_goal_id: Option<Id>,
    /// `json` (default) or `csv`; `Accept: text/csv` also selects CSV.
    #[param(inline)]
    pub format: Option<PlanFormat>,
    /// Related records to include in the JSON plan, comma-separated (`expand=goal,indicators`):
    /// `goal` (each sheet's goal records, in `overarching_goal` and `department_goal`),
    /// `indicators` (each sheet's goal's indicators, in `indicators`), `contacts` (the key
    /// persons serving the units above the team, in the plan's `contacts`). Each is loaded in
    /// a fixed number of queries for the whole plan. Without it none of these members is
    /// present. An unknown name is 400, and so is any with CSV.
    #[serde(default)]
    #[param(inline, value_type = Option<Vec<PlanExpand>>, style = Form, explode = false)]
    pub expand: CommaList<PlanExpand>,
    /// Which members of each activity line to return, comma-separated
    /// (`fields=title,status,due_date,done`); `id` always comes along. Without it every
    /// member. An unknown name is 400, and so is any with CSV (whose columns are fixed).
    #[serde(default)]
    #[param(inline, value_type = Option<Vec<PlanActivityField>>, style = Form, explode = false)]
    pub fields: CommaList<PlanActivityField>,
}

text_enum! {
    /// What `expand=` adds to the activity plan.
    PlanExpand {
        /// Each sheet's goal records, in `overarching_goal` and `department_goal`.
        Goal => "goal",
        /// Each sheet's goal's indicators, in `indicators`.
        Indicators => "indicators",
        /// The key persons serving the units above the team, in the plan's `contacts`.
        Contacts => "contacts",
    }
}

text_enum! {
    /// A member of an activity line, for `fields=`.
    PlanActivityField {
        Id => "id",
        OrganizationId => "organization_id",
        TeamId => "team_id",
        GoalId => "goal_id",
        DepartmentGoalId => "department_goal_id",
        Title => "title",
        Description => "description",
        Responsible => "responsible",
        DueDate => "due_date",
        Status => "status",
        DoneOn => "done_on",
        PredecessorId => "predecessor_id",
        ExternalId => "external_id",
        ArchivedAt => "archived_at",
        CreatedAt => "created_at",
        UpdatedAt => "updated_at",
        Version => "version",
        Done => "done",
        Overdue => "overdue",
    }
}

text_enum! {
    /// The format of an activity plan.
    PlanFormat {
        Json => "json",
        Csv => "csv",
    }
}

/// A work team's activity plan, grouped by goal, as JSON or CSV; the JSON with `expand=` the
/// goals' records and indicators and the team's key persons, and with `fields=` only the
/// activity members asked for.
#[utoipa::path(
    tag = "activities",
    params(("id" = uuid::Uuid, Path, description = "The team's id"), ActivityPlanParams, NoCache),
    responses(
        (status = 200, description = "The plan", content(
            (ActivityPlan = "application/json"),
            (String = "text/csv", example = "\u{feff}Mål;Aktivitet;Beskrivning;Ansvarig;Klart när;Status;Utförd\r\n1 Invånarna ska känna sig trygga;Trygghetsvandring;;Arbetslagsledaren;2011-05-31;Klar;2011-05-20\r\n"),
        )),
        (status = 400, description = "A bad parameter: an unknown `expand` or `fields` name, or either with CSV", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow this", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit, or no such plan period (`plan_period_id`), in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The unit is not a work team", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/units/{id}/activity-plan")]
pub async fn get_activity_plan(
    store: web::Data<Store>,
    caller: Caller,
    id: web::Path<Id>,
    params: QueryParams<ActivityPlanParams>,
    encoding: AcceptEncoding,
    no_cache: NoCache,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    caller.require(Action::Read)?;
    let mut params = params.0;
    let fields = std::mem::take(&mut params.fields);
    let csv = wants_csv(params.format, &req);
    if csv {
        for (name, given) in [
            ("expand", !params.expand.is_empty()),
            ("fields", !fields.is_empty()),
        ] {
            if given {
                return Err(AppError::bad_request(
                    name,
                    "applies to the JSON plan only; the CSV has fixed columns",
                ));
            }
        }
    }
    let org = caller.organization_id.clone();
    let team_id = id.into_inner();
    let today = chrono::Utc::now().date_naive();
    let key = format!("units/{team_id}/activity-plan?{params:?}");
    let cache_org = org.clone();
    let plan = store.run(move |conn| {
        let team = Unit::find(conn, &org, &team_id)?.ok_or_else(|| AppError::not_found("unit"))?;
        if team.kind != UnitKind::Team {
            return Err(AppError::invalid(
                "id",
                format!("{} is a {}, not a work team", team.name, team.kind),
            ));
        }
        let plan_period = match &params.plan_period_id {
            Some(id) => PlanPeriod::find(conn, &org, id)?
                .ok_or_else(|| AppError::not_found("plan period"))
                .map(|p| Some(p.id))?,
            None => plan_periods::current(conn, &org, today)?.map(|p| p.id),
        };
        let rows = activities::plan_of_team(conn, &org, &team_id)?;
        let mut goals: HashMap<Id, Goal> = HashMap::new();
        let mut department_goals: HashMap<Id, DepartmentGoal> = HashMap::new();
        let mut board_codes: HashMap<Id, String> = HashMap::new();
        for activity in &rows {
            if let Some(goal) = &activity.goal_id {
                if !goals.contains_key(goal) {
                    if let Some(found) = Goal::find(conn, &org, goal)? {
                        goals.insert(goal.clone(), found);
                    }
                }
            }
            if let Some(goal) = &activity.department_goal_id {
                if !department_goals.contains_key(goal) {
                    if let Some(found) = DepartmentGoal::find(conn, &org, goal)? {
                        if !board_codes.contains_key(&found.owner_unit_id) {
                            let code = Unit::find(conn, &org, &found.owner_unit_id)?
                                .map(|u| u.short_code.unwrap_or(u.name))
                                .unwrap_or_default();
                            board_codes.insert(found.owner_unit_id.clone(), code);
                        }
                        department_goals.insert(goal.clone(), found);
                    }
                }
            }
        }
        // Only the sheets of the plan period asked for.
        let rows = rows
            .into_iter()
            .filter(|a| {
                let goal = a.goal_id.as_ref().and_then(|id| goals.get(id));
                let department_goal = a
                    .department_goal_id
                    .as_ref()
                    .and_then(|id| department_goals.get(id));
                let period = goal
                    .map(|g| &g.plan_period_id)
                    .or(department_goal.map(|d| &d.plan_period_id));
                period == plan_period.as_ref()
            })
            .collect();
        let mut plan = assemble(
            team,
            today,
            rows,
            &goals,
            &department_goals,
            &board_codes,
            &params,
        );
        plan.plan_period_id = plan_period;
        expand_plan(
            conn,
            &org,
            &mut plan,
            &params.expand,
            goals,
            department_goals,
        )?;
        Ok(plan)
    });
    if !csv && fields.is_empty() {
        return store
            .cache
            .serve_json(&cache_org, &key, encoding, no_cache, plan)
            .await;
    }
    let plan = plan.await?;
    if csv {
        let filename = format!(
            "aktivitetsplan-{}.csv",
            plan.team.short_code.as_deref().unwrap_or("team")
        );
        Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", sanitize_filename(&filename)),
            ))
            .body(to_csv(&plan)))
    } else {
        Ok(HttpResponse::Ok().json(only_fields(&plan, &fields)?))
    }
}

/// Adds what `expand=` asked for, for all sheets at once: `goal` one query per plan period
/// the department goals' overarching goals are in (one, unless the plan spans a roll-over),
/// `indicators` one query, `contacts` two.
fn expand_plan(
    conn: &mut DbConnection,
    org: &Id,
    plan: &mut ActivityPlan,
    expand: &CommaList<PlanExpand>,
    goals: HashMap<Id, Goal>,
    mut department_goals: HashMap<Id, DepartmentGoal>,
) -> AppResult<()> {
    if expand.contains(&PlanExpand::Indicators) {
        let goal_ids: Vec<Id> = goals.keys().cloned().collect();
        let department_ids: Vec<Id> = department_goals.keys().cloned().collect();
        let mut by_goal = indicators_by_goal(conn, org, &goal_ids, &department_ids)?;
        for sheet in &mut plan.sheets {
            sheet.indicators = Some(by_goal.remove(&sheet.goal.id).unwrap_or_default());
        }
    }
    if expand.contains(&PlanExpand::Goal) {
        // The overarching goals of department goals whose goal has no sheet of its own.
        let missing: HashSet<&Id> = department_goals
            .values()
            .map(|d| &d.goal_id)
            .filter(|goal| !goals.contains_key(*goal))
            .collect();
        let plan_periods: HashSet<Id> = department_goals
            .values()
            .filter(|d| missing.contains(&d.goal_id))
            .map(|d| d.plan_period_id.clone())
            .collect();
        let mut parents: HashMap<Id, Goal> = HashMap::new();
        for plan_period in plan_periods {
            for goal in goals::of_plan_period(conn, org, &plan_period, true)? {
                if missing.contains(&goal.id) {
                    parents.insert(goal.id.clone(), goal);
                }
            }
        }
        for sheet in &mut plan.sheets {
            if let Some(department_goal) = department_goals.remove(&sheet.goal.id) {
                let parent = &department_goal.goal_id;
                sheet.overarching_goal = goals
                    .get(parent)
                    .cloned()
                    .or_else(|| parents.get(parent).cloned());
                sheet.department_goal = Some(department_goal);
            } else {
                sheet.overarching_goal = goals.get(&sheet.goal.id).cloned();
            }
        }
    }
    if expand.contains(&PlanExpand::Contacts) {
        let edges = units::edges(conn, org)?;
        let parents: HashMap<&Id, &Id> = edges
            .iter()
            .filter_map(|(unit, parent)| parent.as_ref().map(|p| (unit, p)))
            .collect();
        let mut above: HashSet<&Id> = HashSet::new();
        let mut at = &plan.team.id;
        while let Some(parent) = parents.get(at) {
            if !above.insert(*parent) {
                break;
            }
            at = parent;
        }
        let key_persons = contacts_in_role(conn, org, ContactRole::KeyPerson)?
            .into_iter()
            .filter(|c| c.unit_id.as_ref().is_some_and(|u| above.contains(u)))
            .collect();
        plan.contacts = Some(key_persons);
    }
    Ok(())
}

/// The plan as JSON with each activity line cut down to `id` and the fields asked for.
fn only_fields(
    plan: &ActivityPlan,
    fields: &CommaList<PlanActivityField>,
) -> AppResult<serde_json::Value> {
    let mut value = serde_json::to_value(plan)
        .map_err(|e| AppError::Internal(format!("the plan does not serialize: {e}")))?;
    let keep = |name: &str| {
        name == PlanActivityField::Id.as_str() || fields.0.iter().any(|f| f.as_str() == name)
    };
    if let Some(sheets) = value.get_mut("sheets").and_then(|s| s.as_array_mut()) {
        for sheet in sheets {
            if let Some(lines) = sheet.get_mut("activities").and_then(|a| a.as_array_mut()) {
                for line in lines {
                    if let Some(members) = line.as_object_mut() {
                        members.retain(|name, _| keep(name));
                    }
                }
            }
        }
    }
    Ok(value)
}

fn wants_csv(format: Option<PlanFormat>, req: &HttpRequest) -> bool {
    match format {
        Some(format) => format == PlanFormat::Csv,
        None => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/csv")),
    }
}

fn sanitize_filename(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Groups the team's activities into one sheet per goal: overarching goals by number,
/// then department goals by board and number.
fn assemble(
    team: Unit,
    today: NaiveDate,
    rows: Vec<Activity>,
    goals: &HashMap<Id, Goal>,
    department_goals: &HashMap<Id, DepartmentGoal>,
    board_codes: &HashMap<Id, String>,
    params: &ActivityPlanParams,
) -> ActivityPlan {
    let mut sheets: Vec<(u8, String, i32, PlanSheet)> = Vec::new();
    for activity in rows {
        if params.goal_id.is_some() && activity.goal_id != params.goal_id {
            continue;
        }
        if params.department_goal_id.is_some()
            && activity.department_goal_id != params.department_goal_id
        {
            continue;
        }
        let (order, goal) =
            if let Some(goal) = activity.goal_id.as_ref().and_then(|id| goals.get(id)) {
                (
                    (0, String::new(), goal.number),
                    PlanGoal {
                        kind: "goal".into(),
                        id: goal.id.clone(),
                        label: goal.number.to_string(),
                        title: goal.title.clone(),
                    },
                )
            } else if let Some(goal) = activity
                .department_goal_id
                .as_ref()
                .and_then(|id| department_goals.get(id))
            {
                let code = board_codes
                    .get(&goal.owner_unit_id)
                    .cloned()
                    .unwrap_or_default();
                (
                    (1, code.clone(), goal.number),
                    PlanGoal {
                        kind: "department_goal".into(),
                        id: goal.id.clone(),
                        label: format!("{code} {}", goal.number),
                        title: goal.title.clone(),
                    },
                )
            } else {
                continue;
            };
        let line = PlanActivity {
            done: activity.status == ActivityStatus::Done,
            overdue: activity.is_overdue(today),
            activity,
        };
        match sheets
            .iter_mut()
            .find(|(_, _, _, sheet)| sheet.goal.id == goal.id)
        {
            Some((_, _, _, sheet)) => sheet.activities.push(line),
            None => sheets.push((
                order.0,
                order.1,
                order.2,
                PlanSheet {
                    goal,
                    activities: vec![line],
                    overarching_goal: None,
                    department_goal: None,
                    indicators: None,
                },
            )),
        }
    }
    sheets.sort_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
    ActivityPlan {
        team,
        plan_period_id: None,
        as_of: today,
        sheets: sheets.into_iter().map(|(_, _, _, sheet)| sheet).collect(),
        contacts: None,
    }
}

fn status_label(status: ActivityStatus) -> &'static str {
    match status {
        ActivityStatus::Planned => "Planerad",
        ActivityStatus::InProgress => "Pågår",
        ActivityStatus::Done => "Klar",
        ActivityStatus::Cancelled => "Struken",
    }
}

/// Semicolon-separated (what a Swedish spreadsheet expects), UTF-8 with a byte-order mark
/// so that å, ä and ö survive. Cells that a spreadsheet would run as a formula are
/// prefixed with an apostrophe.
fn to_csv(plan: &ActivityPlan) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut write = |cells: &[String]| {
        let safe = cells
            .iter()
            .map(|c| crate::transfer::neutralize(c).into_owned());
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(safe);
    };
    write(
        &[
            "Mål",
            "Aktivitet",
            "Beskrivning",
            "Ansvarig",
            "Klart när",
            "Status",
            "Utförd",
        ]
        .map(String::from),
    );
    for sheet in &plan.sheets {
        let goal = format!("{} {}", sheet.goal.label, sheet.goal.title);
        for line in &sheet.activities {
            let a = &line.activity;
            write(&[
                goal.clone(),
                a.title.clone(),
                a.description.clone().unwrap_or_default(),
                a.responsible.clone().unwrap_or_default(),
                a.due_date.map(|d| d.to_string()).unwrap_or_default(),
                status_label(a.status).to_string(),
                a.done_on.map(|d| d.to_string()).unwrap_or_default(),
            ]);
        }
    }
    out.extend(writer.into_inner().unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::PlanFormat;

    #[test]
    fn a_format_reads_the_same_in_json_and_in_words() {
        for format in PlanFormat::ALL {
            assert_eq!(
                serde_json::to_value(format).ok(),
                Some(serde_json::Value::String(format.to_string()))
            );
        }
    }
}
