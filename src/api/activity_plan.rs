//! A work team's activity plan (aktivitetsplan): the source document's sheet, one per goal,
//! with what the team does, who is responsible and when it is due; done activities struck
//! through. Served as JSON and as CSV that a spreadsheet opens.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::QueryParams;
use crate::auth::Caller;
use crate::db::types::Id;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Action;
use crate::store::activities::{self, Activity, ActivityStatus};
use crate::store::department_goals::DepartmentGoal;
use crate::store::goals::Goal;
use crate::store::units::{Unit, UnitKind};
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

/// One line of the plan.
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
}

/// A team's activity plan, one sheet per goal it works on.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityPlan {
    pub team: Unit,
    /// The day `overdue` was judged against.
    pub as_of: NaiveDate,
    pub sheets: Vec<PlanSheet>,
}

/// Which part of the plan to read, and in which format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityPlanParams {
    /// Only the sheet for this overarching goal.
    pub goal_id: Option<Id>,
    /// Only the sheet for this department goal.
    pub department_goal_id: Option<Id>,
    /// `json` (default) or `csv`; `Accept: text/csv` also selects CSV.
    #[param(inline)]
    pub format: Option<PlanFormat>,
}

text_enum! {
    /// The format of an activity plan.
    PlanFormat {
        Json => "json",
        Csv => "csv",
    }
}

/// A work team's activity plan, grouped by goal, as JSON or CSV.
#[utoipa::path(
    tag = "activities",
    params(("id" = uuid::Uuid, Path, description = "The team's id"), ActivityPlanParams),
    responses(
        (status = 200, description = "The plan", content(
            (ActivityPlan = "application/json"),
            (String = "text/csv", example = "\u{feff}Mål;Aktivitet;Beskrivning;Ansvarig;Klart när;Status;Utförd\r\n1 Invånarna ska känna sig trygga;Trygghetsvandring;;Arbetslagsledaren;2011-05-31;Klar;2011-05-20\r\n"),
        )),
        (status = 400, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow this", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable; retry shortly", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
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
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    caller.require(Action::Read)?;
    let params = params.0;
    let csv = wants_csv(params.format, &req);
    let org = caller.organization_id.clone();
    let team_id = id.into_inner();
    let today = chrono::Utc::now().date_naive();
    let plan = store
        .run(move |conn| {
            let team =
                Unit::find(conn, &org, &team_id)?.ok_or_else(|| AppError::not_found("unit"))?;
            if team.kind != UnitKind::Team {
                return Err(AppError::invalid(
                    "id",
                    format!("{} is a {}, not a work team", team.name, team.kind),
                ));
            }
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
            Ok(assemble(
                team,
                today,
                rows,
                &goals,
                &department_goals,
                &board_codes,
                &params,
            ))
        })
        .await?;
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
        Ok(HttpResponse::Ok().json(plan))
    }
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
                },
            )),
        }
    }
    sheets.sort_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
    ActivityPlan {
        team,
        as_of: today,
        sheets: sheets.into_iter().map(|(_, _, _, sheet)| sheet).collect(),
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
        let safe: Vec<String> = cells.iter().map(|c| neutralize(c)).collect();
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(&safe);
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

fn neutralize(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}
