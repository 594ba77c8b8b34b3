//! The permission matrix over HTTP, cell by cell: every role against every kind of record
//! and every operation, in and out of the role's unit scope and from another organization;
//! every role against the reads beyond the records (activity plan, goal tree, revisions,
//! statuses and the reporting cycle, audit trail), also without a token; every role taking
//! every step of an overarching goal's and a department goal's follow-up; every role
//! importing Kolada values. The expectations are the literal tables `MATRIX`, `VIEW_MATRIX`,
//! `STEP_MATRIX` and `KOLADA_MATRIX` below, written from the rules (never derived from the
//! service's code); each cell starts from a state in which its request could succeed, and
//! the driver runs every cell and reports every mismatch at once.

use std::cell::Cell;

use crate::common::{ids, Resp, TestApp};
use actix_web::http::Method;
use malstyrning::auth::{Claims, TokenKeys};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Organization,
    Unit,
    PlanPeriod,
    ReportingPeriod,
    Vision,
    Perspective,
    Goal,
    DepartmentGoal,
    Activity,
    Contact,
    Indicator,
    Measurement,
    FollowUp,
}

const KINDS: [Kind; 13] = [
    Kind::Organization,
    Kind::Unit,
    Kind::PlanPeriod,
    Kind::ReportingPeriod,
    Kind::Vision,
    Kind::Perspective,
    Kind::Goal,
    Kind::DepartmentGoal,
    Kind::Activity,
    Kind::Contact,
    Kind::Indicator,
    Kind::Measurement,
    Kind::FollowUp,
];

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Organization => "/api/v1/organizations",
            Kind::Unit => "/api/v1/units",
            Kind::PlanPeriod => "/api/v1/plan-periods",
            Kind::ReportingPeriod => "/api/v1/reporting-periods",
            Kind::Vision => "/api/v1/visions",
            Kind::Perspective => "/api/v1/perspectives",
            Kind::Goal => "/api/v1/goals",
            Kind::DepartmentGoal => "/api/v1/department-goals",
            Kind::Activity => "/api/v1/activities",
            Kind::Contact => "/api/v1/contacts",
            Kind::Indicator => "/api/v1/indicators",
            Kind::Measurement => "/api/v1/measurements",
            Kind::FollowUp => "/api/v1/follow-ups",
        }
    }

    /// A text field a PATCH may change.
    fn text_field(self) -> &'static str {
        match self {
            // Its name and code are the operator's; its admin changes the rest.
            Kind::Organization => "external_id",
            Kind::Unit
            | Kind::PlanPeriod
            | Kind::ReportingPeriod
            | Kind::Perspective
            | Kind::Contact
            | Kind::Indicator => "name",
            Kind::Vision => "purpose",
            Kind::Measurement => "note",
            Kind::FollowUp => "analysis",
            Kind::Goal | Kind::DepartmentGoal | Kind::Activity => "title",
        }
    }

    fn item(self, id: &str) -> String {
        format!("{}/{id}", self.path())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Admin,
    Council,
    Board,
    Manager,
    TeamMember,
    Viewer,
}

const ROLES: [Role; 6] = [
    Role::Admin,
    Role::Council,
    Role::Board,
    Role::Manager,
    Role::TeamMember,
    Role::Viewer,
];

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Council => "council",
            Role::Board => "board",
            Role::Manager => "manager",
            Role::TeamMember => "team_member",
            Role::Viewer => "viewer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// The record's unit (a department goal's board, an activity's team, an indicator's
    /// owner, a follow-up's reporting unit) lies in the caller's scope: department goal DA of
    /// board A, activities of team A1, indicators owned by and follow-ups reported by
    /// administration A (and measurements of those indicators).
    InScope,
    /// It does not: department goal DB of board B, activities of team B1, administration B's
    /// indicators (and their measurements) and follow-ups.
    OutOfScope,
    /// The caller is the same role in another organization; the records are this one's.
    OtherOrganization,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Create,
    Get,
    List,
    Update,
    Archive,
    Unarchive,
    Delete,
}

const OPS: [Op; 7] = [
    Op::Create,
    Op::Get,
    Op::List,
    Op::Update,
    Op::Archive,
    Op::Unarchive,
    Op::Delete,
];

/// What a cell expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exp {
    /// Success: create 201, delete 204, everything else 200.
    Done,
    /// 403 problem+json, and nothing changes.
    Forbidden,
    /// 404 problem+json, and nothing changes.
    NotFound,
    /// 401 problem+json: no token.
    Unauthorized,
}

const OK: Exp = Exp::Done;
const NO: Exp = Exp::Forbidden;
const NF: Exp = Exp::NotFound;

/// The role matrix: (kind, role, reads (get and list), writes in scope, writes out of
/// scope, writes from the same role in another organization). Writes are create, update,
/// archive, unarchive and delete. Kinds without a scope unit expect the same in and out of
/// scope. From another organization, a role that may write the kind at all gets 404 for
/// this organization's ids; a role that may never write it gets 403 (the role check comes
/// first). Its GET of one of this organization's ids is `OTHER_ORGANIZATION_GET`; its
/// list shows only its own rows.
#[rustfmt::skip]
const MATRIX: [(Kind, Role, Exp, Exp, Exp, Exp); 78] = [
    // kind                    role              read in   out other org
    (Kind::Organization,    Role::Admin,      OK, OK, OK, NF),
    (Kind::Organization,    Role::Council,    OK, NO, NO, NO),
    (Kind::Organization,    Role::Board,      OK, NO, NO, NO),
    (Kind::Organization,    Role::Manager,    OK, NO, NO, NO),
    (Kind::Organization,    Role::TeamMember, OK, NO, NO, NO),
    (Kind::Organization,    Role::Viewer,     OK, NO, NO, NO),

    (Kind::Unit,            Role::Admin,      OK, OK, OK, NF),
    (Kind::Unit,            Role::Council,    OK, NO, NO, NO),
    (Kind::Unit,            Role::Board,      OK, NO, NO, NO),
    (Kind::Unit,            Role::Manager,    OK, NO, NO, NO),
    (Kind::Unit,            Role::TeamMember, OK, NO, NO, NO),
    (Kind::Unit,            Role::Viewer,     OK, NO, NO, NO),

    (Kind::PlanPeriod,      Role::Admin,      OK, OK, OK, NF),
    (Kind::PlanPeriod,      Role::Council,    OK, NO, NO, NO),
    (Kind::PlanPeriod,      Role::Board,      OK, NO, NO, NO),
    (Kind::PlanPeriod,      Role::Manager,    OK, NO, NO, NO),
    (Kind::PlanPeriod,      Role::TeamMember, OK, NO, NO, NO),
    (Kind::PlanPeriod,      Role::Viewer,     OK, NO, NO, NO),

    (Kind::ReportingPeriod, Role::Admin,      OK, OK, OK, NF),
    (Kind::ReportingPeriod, Role::Council,    OK, NO, NO, NO),
    (Kind::ReportingPeriod, Role::Board,      OK, NO, NO, NO),
    (Kind::ReportingPeriod, Role::Manager,    OK, NO, NO, NO),
    (Kind::ReportingPeriod, Role::TeamMember, OK, NO, NO, NO),
    (Kind::ReportingPeriod, Role::Viewer,     OK, NO, NO, NO),

    (Kind::Vision,          Role::Admin,      OK, OK, OK, NF),
    (Kind::Vision,          Role::Council,    OK, OK, OK, NF),
    (Kind::Vision,          Role::Board,      OK, NO, NO, NO),
    (Kind::Vision,          Role::Manager,    OK, NO, NO, NO),
    (Kind::Vision,          Role::TeamMember, OK, NO, NO, NO),
    (Kind::Vision,          Role::Viewer,     OK, NO, NO, NO),

    (Kind::Perspective,     Role::Admin,      OK, OK, OK, NF),
    (Kind::Perspective,     Role::Council,    OK, OK, OK, NF),
    (Kind::Perspective,     Role::Board,      OK, NO, NO, NO),
    (Kind::Perspective,     Role::Manager,    OK, NO, NO, NO),
    (Kind::Perspective,     Role::TeamMember, OK, NO, NO, NO),
    (Kind::Perspective,     Role::Viewer,     OK, NO, NO, NO),

    (Kind::Goal,            Role::Admin,      OK, OK, OK, NF),
    (Kind::Goal,            Role::Council,    OK, OK, OK, NF),
    (Kind::Goal,            Role::Board,      OK, NO, NO, NO),
    (Kind::Goal,            Role::Manager,    OK, NO, NO, NO),
    (Kind::Goal,            Role::TeamMember, OK, NO, NO, NO),
    (Kind::Goal,            Role::Viewer,     OK, NO, NO, NO),

    (Kind::DepartmentGoal,  Role::Admin,      OK, OK, OK, NF),
    (Kind::DepartmentGoal,  Role::Council,    OK, NO, NO, NO),
    (Kind::DepartmentGoal,  Role::Board,      OK, OK, NO, NF),
    (Kind::DepartmentGoal,  Role::Manager,    OK, NO, NO, NO),
    (Kind::DepartmentGoal,  Role::TeamMember, OK, NO, NO, NO),
    (Kind::DepartmentGoal,  Role::Viewer,     OK, NO, NO, NO),

    (Kind::Activity,        Role::Admin,      OK, OK, OK, NF),
    (Kind::Activity,        Role::Council,    OK, NO, NO, NO),
    (Kind::Activity,        Role::Board,      OK, NO, NO, NO),
    (Kind::Activity,        Role::Manager,    OK, OK, NO, NF),
    (Kind::Activity,        Role::TeamMember, OK, OK, NO, NF),
    (Kind::Activity,        Role::Viewer,     OK, NO, NO, NO),

    (Kind::Contact,         Role::Admin,      OK, OK, OK, NF),
    (Kind::Contact,         Role::Council,    OK, NO, NO, NO),
    (Kind::Contact,         Role::Board,      OK, NO, NO, NO),
    (Kind::Contact,         Role::Manager,    OK, NO, NO, NO),
    (Kind::Contact,         Role::TeamMember, OK, NO, NO, NO),
    (Kind::Contact,         Role::Viewer,     OK, NO, NO, NO),

    (Kind::Indicator,       Role::Admin,      OK, OK, OK, NF),
    (Kind::Indicator,       Role::Council,    OK, OK, OK, NF),
    (Kind::Indicator,       Role::Board,      OK, OK, NO, NF),
    (Kind::Indicator,       Role::Manager,    OK, OK, NO, NF),
    (Kind::Indicator,       Role::TeamMember, OK, NO, NO, NO),
    (Kind::Indicator,       Role::Viewer,     OK, NO, NO, NO),

    (Kind::Measurement,     Role::Admin,      OK, OK, OK, NF),
    (Kind::Measurement,     Role::Council,    OK, NO, NO, NO),
    (Kind::Measurement,     Role::Board,      OK, NO, NO, NO),
    (Kind::Measurement,     Role::Manager,    OK, OK, NO, NF),
    (Kind::Measurement,     Role::TeamMember, OK, NO, NO, NO),
    (Kind::Measurement,     Role::Viewer,     OK, NO, NO, NO),

    (Kind::FollowUp,        Role::Admin,      OK, OK, OK, NF),
    (Kind::FollowUp,        Role::Council,    OK, NO, NO, NO),
    (Kind::FollowUp,        Role::Board,      OK, NO, NO, NO),
    (Kind::FollowUp,        Role::Manager,    OK, OK, NO, NF),
    (Kind::FollowUp,        Role::TeamMember, OK, NO, NO, NO),
    (Kind::FollowUp,        Role::Viewer,     OK, NO, NO, NO),
];

/// Another organization's GET of one of this organization's ids, for every role.
const OTHER_ORGANIZATION_GET: Exp = NF;

fn expected(kind: Kind, role: Role, case: Case, op: Op) -> Exp {
    let rows: Vec<_> = MATRIX
        .iter()
        .filter(|row| row.0 == kind && row.1 == role)
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "the matrix has one row for {kind:?} {role:?}"
    );
    let &(_, _, read, in_scope, out_of_scope, other) = rows[0];
    match (case, op) {
        (Case::OtherOrganization, Op::Get) => OTHER_ORGANIZATION_GET,
        (_, Op::Get | Op::List) => read,
        (Case::InScope, _) => in_scope,
        (Case::OutOfScope, _) => out_of_scope,
        (Case::OtherOrganization, _) => other,
    }
}

fn status_of(op: Op, exp: Exp) -> u16 {
    match (exp, op) {
        (Exp::Done, Op::Create) => 201,
        (Exp::Done, Op::Delete) => 204,
        (Exp::Done, _) => 200,
        (Exp::Forbidden, _) => 403,
        (Exp::NotFound, _) => 404,
        (Exp::Unauthorized, _) => 401,
    }
}

/// The reads beyond a record's own GET and list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    /// `GET /units/{team}/activity-plan`: team A1 in scope, team B1 out of scope.
    ActivityPlan,
    /// The same as CSV (`?format=csv`).
    ActivityPlanCsv,
    /// `GET /plan-periods/{id}/goal-tree`.
    GoalTree,
    /// `GET /goals/{id}/revisions`.
    GoalRevisions,
    /// `GET /department-goals/{id}/revisions`: DA in scope, DB out of scope.
    DepartmentGoalRevisions,
    /// `GET /visions/{id}/revisions`.
    VisionRevisions,
    /// `GET /indicators/{id}/status?reporting_period_id=`: indicator A in scope, B out.
    IndicatorStatus,
    /// `GET /indicators/{id}/series`: indicator A in scope, B out.
    IndicatorSeries,
    /// `GET /goals/{id}/status?reporting_period_id=`.
    GoalStatus,
    /// `GET /department-goals/{id}/status?reporting_period_id=`: DA in scope, DB out.
    DepartmentGoalStatus,
    /// `GET /reporting-periods/{id}/overview`.
    CycleOverview,
    /// `GET /audit`.
    Audit,
}

const VIEWS: [View; 12] = [
    View::ActivityPlan,
    View::ActivityPlanCsv,
    View::GoalTree,
    View::GoalRevisions,
    View::DepartmentGoalRevisions,
    View::VisionRevisions,
    View::IndicatorStatus,
    View::IndicatorSeries,
    View::GoalStatus,
    View::DepartmentGoalStatus,
    View::CycleOverview,
    View::Audit,
];

/// Who reads what beyond the records: (view, role, in scope, out of scope, the same role in
/// another organization). Every role reads the internal views whatever its unit scope;
/// another organization's role gets 404 for this organization's ids. Only admin reads the
/// audit trail; another organization's admin reads its own (200, none of this one's entries).
#[rustfmt::skip]
const VIEW_MATRIX: [(View, Role, Exp, Exp, Exp); 72] = [
    // view                            role              in  out other org
    (View::ActivityPlan,            Role::Admin,      OK, OK, NF),
    (View::ActivityPlan,            Role::Council,    OK, OK, NF),
    (View::ActivityPlan,            Role::Board,      OK, OK, NF),
    (View::ActivityPlan,            Role::Manager,    OK, OK, NF),
    (View::ActivityPlan,            Role::TeamMember, OK, OK, NF),
    (View::ActivityPlan,            Role::Viewer,     OK, OK, NF),

    (View::ActivityPlanCsv,         Role::Admin,      OK, OK, NF),
    (View::ActivityPlanCsv,         Role::Council,    OK, OK, NF),
    (View::ActivityPlanCsv,         Role::Board,      OK, OK, NF),
    (View::ActivityPlanCsv,         Role::Manager,    OK, OK, NF),
    (View::ActivityPlanCsv,         Role::TeamMember, OK, OK, NF),
    (View::ActivityPlanCsv,         Role::Viewer,     OK, OK, NF),

    (View::GoalTree,                Role::Admin,      OK, OK, NF),
    (View::GoalTree,                Role::Council,    OK, OK, NF),
    (View::GoalTree,                Role::Board,      OK, OK, NF),
    (View::GoalTree,                Role::Manager,    OK, OK, NF),
    (View::GoalTree,                Role::TeamMember, OK, OK, NF),
    (View::GoalTree,                Role::Viewer,     OK, OK, NF),

    (View::GoalRevisions,           Role::Admin,      OK, OK, NF),
    (View::GoalRevisions,           Role::Council,    OK, OK, NF),
    (View::GoalRevisions,           Role::Board,      OK, OK, NF),
    (View::GoalRevisions,           Role::Manager,    OK, OK, NF),
    (View::GoalRevisions,           Role::TeamMember, OK, OK, NF),
    (View::GoalRevisions,           Role::Viewer,     OK, OK, NF),

    (View::DepartmentGoalRevisions, Role::Admin,      OK, OK, NF),
    (View::DepartmentGoalRevisions, Role::Council,    OK, OK, NF),
    (View::DepartmentGoalRevisions, Role::Board,      OK, OK, NF),
    (View::DepartmentGoalRevisions, Role::Manager,    OK, OK, NF),
    (View::DepartmentGoalRevisions, Role::TeamMember, OK, OK, NF),
    (View::DepartmentGoalRevisions, Role::Viewer,     OK, OK, NF),

    (View::VisionRevisions,         Role::Admin,      OK, OK, NF),
    (View::VisionRevisions,         Role::Council,    OK, OK, NF),
    (View::VisionRevisions,         Role::Board,      OK, OK, NF),
    (View::VisionRevisions,         Role::Manager,    OK, OK, NF),
    (View::VisionRevisions,         Role::TeamMember, OK, OK, NF),
    (View::VisionRevisions,         Role::Viewer,     OK, OK, NF),

    (View::IndicatorStatus,         Role::Admin,      OK, OK, NF),
    (View::IndicatorStatus,         Role::Council,    OK, OK, NF),
    (View::IndicatorStatus,         Role::Board,      OK, OK, NF),
    (View::IndicatorStatus,         Role::Manager,    OK, OK, NF),
    (View::IndicatorStatus,         Role::TeamMember, OK, OK, NF),
    (View::IndicatorStatus,         Role::Viewer,     OK, OK, NF),

    (View::IndicatorSeries,         Role::Admin,      OK, OK, NF),
    (View::IndicatorSeries,         Role::Council,    OK, OK, NF),
    (View::IndicatorSeries,         Role::Board,      OK, OK, NF),
    (View::IndicatorSeries,         Role::Manager,    OK, OK, NF),
    (View::IndicatorSeries,         Role::TeamMember, OK, OK, NF),
    (View::IndicatorSeries,         Role::Viewer,     OK, OK, NF),

    (View::GoalStatus,              Role::Admin,      OK, OK, NF),
    (View::GoalStatus,              Role::Council,    OK, OK, NF),
    (View::GoalStatus,              Role::Board,      OK, OK, NF),
    (View::GoalStatus,              Role::Manager,    OK, OK, NF),
    (View::GoalStatus,              Role::TeamMember, OK, OK, NF),
    (View::GoalStatus,              Role::Viewer,     OK, OK, NF),

    (View::DepartmentGoalStatus,    Role::Admin,      OK, OK, NF),
    (View::DepartmentGoalStatus,    Role::Council,    OK, OK, NF),
    (View::DepartmentGoalStatus,    Role::Board,      OK, OK, NF),
    (View::DepartmentGoalStatus,    Role::Manager,    OK, OK, NF),
    (View::DepartmentGoalStatus,    Role::TeamMember, OK, OK, NF),
    (View::DepartmentGoalStatus,    Role::Viewer,     OK, OK, NF),

    (View::CycleOverview,           Role::Admin,      OK, OK, NF),
    (View::CycleOverview,           Role::Council,    OK, OK, NF),
    (View::CycleOverview,           Role::Board,      OK, OK, NF),
    (View::CycleOverview,           Role::Manager,    OK, OK, NF),
    (View::CycleOverview,           Role::TeamMember, OK, OK, NF),
    (View::CycleOverview,           Role::Viewer,     OK, OK, NF),

    (View::Audit,                   Role::Admin,      OK, OK, OK),
    (View::Audit,                   Role::Council,    NO, NO, NO),
    (View::Audit,                   Role::Board,      NO, NO, NO),
    (View::Audit,                   Role::Manager,    NO, NO, NO),
    (View::Audit,                   Role::TeamMember, NO, NO, NO),
    (View::Audit,                   Role::Viewer,     NO, NO, NO),
];

/// Every view asked without a token.
const WITHOUT_A_TOKEN: Exp = Exp::Unauthorized;

/// What a view expects for a role (`None`: no token).
fn expected_view(view: View, role: Option<Role>, case: Case) -> Exp {
    let Some(role) = role else {
        return WITHOUT_A_TOKEN;
    };
    let rows: Vec<_> = VIEW_MATRIX
        .iter()
        .filter(|row| row.0 == view && row.1 == role)
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "the view matrix has one row for {view:?} {role:?}"
    );
    let &(_, _, in_scope, out_of_scope, other) = rows[0];
    match case {
        Case::InScope => in_scope,
        Case::OutOfScope => out_of_scope,
        Case::OtherOrganization => other,
    }
}

/// A step of a follow-up: `POST /follow-ups/{id}/{step}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// draft → submitted.
    Submit,
    /// submitted → approved.
    Approve,
    /// approved → published.
    Publish,
    /// submitted (here) or approved → draft.
    Return,
}

const STEPS: [Step; 4] = [Step::Submit, Step::Approve, Step::Publish, Step::Return];

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Approve => "approve",
            Step::Publish => "publish",
            Step::Return => "return",
        }
    }

    /// The state a follow-up is in for the step to be possible, and the state it leads to.
    fn states(self) -> (&'static str, &'static str) {
        match self {
            Step::Submit => ("draft", "submitted"),
            Step::Approve => ("submitted", "approved"),
            Step::Publish => ("approved", "published"),
            Step::Return => ("submitted", "draft"),
        }
    }

    /// The steps admin takes from a new draft to the state this step starts from.
    fn path_to_start(self) -> &'static [Step] {
        match self {
            Step::Submit => &[],
            Step::Approve | Step::Return => &[Step::Submit],
            Step::Publish => &[Step::Submit, Step::Approve],
        }
    }
}

/// What the followed-up goal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Of {
    /// The overarching goal; in scope the follow-up is reported by administration A, out of
    /// scope by administration B.
    Overarching,
    /// In scope department goal DA (board A) reported by administration A, out of scope DB
    /// (board B) by administration B.
    DepartmentGoal,
}

/// Who takes which step: (step, goal, role, in scope, out of scope, the same role in another
/// organization), each on a follow-up in the state the step starts from. Submitting is the
/// manager's for its reporting units; approving and returning a department goal's follow-up
/// the board's whose scope holds the department goal's board, an overarching goal's the
/// council's; the council publishes them all. Another organization's follow-up is not
/// there for any role (404): whether a role may take a step depends on the follow-up.
#[rustfmt::skip]
const STEP_MATRIX: [(Step, Of, Role, Exp, Exp, Exp); 48] = [
    // step          goal of              role              in  out other org
    (Step::Submit,   Of::Overarching,     Role::Admin,      OK, OK, NF),
    (Step::Submit,   Of::Overarching,     Role::Council,    NO, NO, NF),
    (Step::Submit,   Of::Overarching,     Role::Board,      NO, NO, NF),
    (Step::Submit,   Of::Overarching,     Role::Manager,    OK, NO, NF),
    (Step::Submit,   Of::Overarching,     Role::TeamMember, NO, NO, NF),
    (Step::Submit,   Of::Overarching,     Role::Viewer,     NO, NO, NF),

    (Step::Submit,   Of::DepartmentGoal,  Role::Admin,      OK, OK, NF),
    (Step::Submit,   Of::DepartmentGoal,  Role::Council,    NO, NO, NF),
    (Step::Submit,   Of::DepartmentGoal,  Role::Board,      NO, NO, NF),
    (Step::Submit,   Of::DepartmentGoal,  Role::Manager,    OK, NO, NF),
    (Step::Submit,   Of::DepartmentGoal,  Role::TeamMember, NO, NO, NF),
    (Step::Submit,   Of::DepartmentGoal,  Role::Viewer,     NO, NO, NF),

    (Step::Approve,  Of::Overarching,     Role::Admin,      OK, OK, NF),
    (Step::Approve,  Of::Overarching,     Role::Council,    OK, OK, NF),
    (Step::Approve,  Of::Overarching,     Role::Board,      NO, NO, NF),
    (Step::Approve,  Of::Overarching,     Role::Manager,    NO, NO, NF),
    (Step::Approve,  Of::Overarching,     Role::TeamMember, NO, NO, NF),
    (Step::Approve,  Of::Overarching,     Role::Viewer,     NO, NO, NF),

    (Step::Approve,  Of::DepartmentGoal,  Role::Admin,      OK, OK, NF),
    (Step::Approve,  Of::DepartmentGoal,  Role::Council,    NO, NO, NF),
    (Step::Approve,  Of::DepartmentGoal,  Role::Board,      OK, NO, NF),
    (Step::Approve,  Of::DepartmentGoal,  Role::Manager,    NO, NO, NF),
    (Step::Approve,  Of::DepartmentGoal,  Role::TeamMember, NO, NO, NF),
    (Step::Approve,  Of::DepartmentGoal,  Role::Viewer,     NO, NO, NF),

    (Step::Publish,  Of::Overarching,     Role::Admin,      OK, OK, NF),
    (Step::Publish,  Of::Overarching,     Role::Council,    OK, OK, NF),
    (Step::Publish,  Of::Overarching,     Role::Board,      NO, NO, NF),
    (Step::Publish,  Of::Overarching,     Role::Manager,    NO, NO, NF),
    (Step::Publish,  Of::Overarching,     Role::TeamMember, NO, NO, NF),
    (Step::Publish,  Of::Overarching,     Role::Viewer,     NO, NO, NF),

    (Step::Publish,  Of::DepartmentGoal,  Role::Admin,      OK, OK, NF),
    (Step::Publish,  Of::DepartmentGoal,  Role::Council,    OK, OK, NF),
    (Step::Publish,  Of::DepartmentGoal,  Role::Board,      NO, NO, NF),
    (Step::Publish,  Of::DepartmentGoal,  Role::Manager,    NO, NO, NF),
    (Step::Publish,  Of::DepartmentGoal,  Role::TeamMember, NO, NO, NF),
    (Step::Publish,  Of::DepartmentGoal,  Role::Viewer,     NO, NO, NF),

    (Step::Return,   Of::Overarching,     Role::Admin,      OK, OK, NF),
    (Step::Return,   Of::Overarching,     Role::Council,    OK, OK, NF),
    (Step::Return,   Of::Overarching,     Role::Board,      NO, NO, NF),
    (Step::Return,   Of::Overarching,     Role::Manager,    NO, NO, NF),
    (Step::Return,   Of::Overarching,     Role::TeamMember, NO, NO, NF),
    (Step::Return,   Of::Overarching,     Role::Viewer,     NO, NO, NF),

    (Step::Return,   Of::DepartmentGoal,  Role::Admin,      OK, OK, NF),
    (Step::Return,   Of::DepartmentGoal,  Role::Council,    NO, NO, NF),
    (Step::Return,   Of::DepartmentGoal,  Role::Board,      OK, NO, NF),
    (Step::Return,   Of::DepartmentGoal,  Role::Manager,    NO, NO, NF),
    (Step::Return,   Of::DepartmentGoal,  Role::TeamMember, NO, NO, NF),
    (Step::Return,   Of::DepartmentGoal,  Role::Viewer,     NO, NO, NF),
];

/// Every step without a token.
const STEP_WITHOUT_A_TOKEN: Exp = Exp::Unauthorized;

fn expected_step(step: Step, of: Of, role: Option<Role>, case: Case) -> Exp {
    let Some(role) = role else {
        return STEP_WITHOUT_A_TOKEN;
    };
    let rows: Vec<_> = STEP_MATRIX
        .iter()
        .filter(|row| row.0 == step && row.1 == of && row.2 == role)
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "the step matrix has one row for {step:?} {of:?} {role:?}"
    );
    let &(_, _, _, in_scope, out_of_scope, other) = rows[0];
    match case {
        Case::InScope => in_scope,
        Case::OutOfScope => out_of_scope,
        Case::OtherOrganization => other,
    }
}

/// Who imports Kolada values (`POST /kolada/import`): (role, a document feeding indicator A
/// (administration A), one feeding indicator B (administration B), the same role of another
/// organization with the first document). Importing writes measurements: admin anywhere, a
/// manager only into indicators its units own. Another organization's import reaches only
/// its own indicators, none of which take this organization's municipality: it changes
/// nothing here.
#[rustfmt::skip]
const KOLADA_MATRIX: [(Role, Exp, Exp, Exp); 6] = [
    // role             in  out other org
    (Role::Admin,      OK, OK, OK),
    (Role::Council,    NO, NO, NO),
    (Role::Board,      NO, NO, NO),
    (Role::Manager,    OK, NO, OK),
    (Role::TeamMember, NO, NO, NO),
    (Role::Viewer,     NO, NO, NO),
];

fn expected_import(role: Option<Role>, case: Case) -> Exp {
    let Some(role) = role else {
        return Exp::Unauthorized;
    };
    let rows: Vec<_> = KOLADA_MATRIX.iter().filter(|row| row.0 == role).collect();
    assert_eq!(rows.len(), 1, "the Kolada matrix has one row for {role:?}");
    let &(_, in_scope, out_of_scope, other) = rows[0];
    match case {
        Case::InScope => in_scope,
        Case::OutOfScope => out_of_scope,
        Case::OtherOrganization => other,
    }
}

/// A token for any organization with one role, scoped to these units.
fn token_in(org: &str, role: Role, units: &[String]) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: format!("permissions-{}", role.name()),
        org: org.into(),
        roles: vec![role.name().to_string()],
        units: units.to_vec(),
        exp: now + 600,
        iat: Some(now),
        name: None,
    };
    TokenKeys::hs256(crate::common::SECRET)
        .issue(&claims)
        .expect("a token")
}

/// A token for the test organization with one role, scoped to these units.
fn scoped(app: &TestApp, role: Role, units: &[String]) -> String {
    token_in(&app.org, role, units)
}

/// POSTs as the given (admin) token, asserting 201; returns the id.
async fn made(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let response = app.post(path, token, body).await;
    assert_eq!(
        response.status,
        201,
        "setting up POST {path}: {}",
        response.text()
    );
    response.id()
}

/// The records every organization of a test holds.
struct Fixture {
    council: String,
    board_a: String,
    administration_a: String,
    team_a1: String,
    board_b: String,
    administration_b: String,
    team_b1: String,
    plan_period: String,
    perspective: String,
    goal: String,
    reporting_period: String,
    vision: String,
    department_goal_a: String,
    department_goal_b: String,
    activity_a1: String,
    activity_b1: String,
    /// Of department goal DA, owned by administration A, fed from Kolada (`KPI_A`).
    indicator_a: String,
    /// Of department goal DB, owned by administration B, fed from Kolada (`KPI_B`).
    indicator_b: String,
    /// The period of the one measurement of each indicator.
    measurement_period: String,
    measurement_a: String,
    measurement_b: String,
    /// Draft follow-ups of DA by administration A and of DB by administration B.
    follow_up_a: String,
    follow_up_b: String,
}

/// The Kolada KPIs of indicators A and B.
const KPI_A: &str = "N15419";
const KPI_B: &str = "U21468";

impl Fixture {
    async fn build(app: &TestApp, admin: &str) -> Fixture {
        let unit = |body: Value| made(app, admin, "/api/v1/units", body);
        let council =
            unit(json!({"kind": "council", "name": "Kommunfullmäktige", "short_code": "KF"})).await;
        let board_a = unit(
            json!({"kind": "board", "name": "Barn- och utbildningsnämnden", "short_code": "BUN"}),
        )
        .await;
        let administration_a = unit(json!({"kind": "administration",
            "name": "Barn- och utbildningsförvaltningen", "parent_id": board_a}))
        .await;
        let team_a1 = unit(
            json!({"kind": "team", "name": "Arbetslag Blå", "short_code": "A1",
            "parent_id": administration_a}),
        )
        .await;
        let board_b =
            unit(json!({"kind": "board", "name": "Omsorgsnämnden", "short_code": "ON"})).await;
        let administration_b = unit(json!({"kind": "administration",
            "name": "Omsorgsförvaltningen", "parent_id": board_b}))
        .await;
        let team_b1 = unit(
            json!({"kind": "team", "name": "Hemtjänst Norr", "short_code": "B1",
            "parent_id": administration_b}),
        )
        .await;
        let plan_period = made(
            app,
            admin,
            "/api/v1/plan-periods",
            json!({"name": "Mandatperioden 2011–2014", "start_date": "2011-01-01",
                   "end_date": "2014-12-31"}),
        )
        .await;
        let perspective = made(
            app,
            admin,
            "/api/v1/perspectives",
            json!({"plan_period_id": plan_period, "name": "Medborgar/kundmål",
                   "focus": "external", "position": 1}),
        )
        .await;
        let goal = made(
            app,
            admin,
            "/api/v1/goals",
            json!({"plan_period_id": plan_period, "perspective_id": perspective,
                   "owner_unit_id": council, "number": 1, "state": "adopted", "decision_reference": "KF 2010-11-25 § 123", "decided_on": "2010-11-25", "decided_by_unit_id": council,
                   "title": "Invånarna i Värnamo kommun ska känna sig trygga."}),
        )
        .await;
        let reporting_period = made(
            app,
            admin,
            "/api/v1/reporting-periods",
            json!({"plan_period_id": plan_period, "kind": "tertial", "name": "Tertial 1 2011",
                   "start_date": "2011-01-01", "end_date": "2011-04-30"}),
        )
        .await;
        let vision = made(
            app,
            admin,
            "/api/v1/visions",
            json!({"plan_period_id": plan_period,
                   "vision": "Värnamo – den mänskliga tillväxtkommunen.",
                   "purpose": "Service med god kvalitet.", "state": "adopted",
                   "decision_reference": "KF 2010-11-25 § 123", "decided_on": "2010-11-25",
                   "decided_by_unit_id": council}),
        )
        .await;
        let department_goal_a = made(
            app,
            admin,
            "/api/v1/department-goals",
            json!({"goal_id": goal, "owner_unit_id": board_a, "number": 1,
                   "title": "Alla elever ska känna sig trygga i skolan.", "state": "adopted",
                   "decision_reference": "BUN 2011-02-15 § 12", "decided_on": "2011-02-15",
                   "decided_by_unit_id": board_a}),
        )
        .await;
        let department_goal_b = made(
            app,
            admin,
            "/api/v1/department-goals",
            json!({"goal_id": goal, "owner_unit_id": board_b, "number": 1,
                   "title": "Alla brukare ska känna sig trygga i hemtjänsten.", "state": "adopted",
                   "decision_reference": "ON 2011-02-17 § 9", "decided_on": "2011-02-17",
                   "decided_by_unit_id": board_b}),
        )
        .await;
        let activity_a1 = made(
            app,
            admin,
            "/api/v1/activities",
            json!({"team_id": team_a1, "goal_id": goal, "title": "Trygghetsvandring med eleverna"}),
        )
        .await;
        let activity_b1 = made(
            app,
            admin,
            "/api/v1/activities",
            json!({"team_id": team_b1, "goal_id": goal, "title": "Trygghetsbesök hos brukarna"}),
        )
        .await;
        let indicator = |department_goal: &str, owner: &str, kpi: &str, name: &str| {
            made(
                app,
                admin,
                "/api/v1/indicators",
                json!({"department_goal_id": department_goal, "owner_unit_id": owner,
                       "name": name, "unit_of_measure": "%", "direction": "higher_is_better",
                       "source": "kolada", "kolada_kpi": kpi,
                       "targets": [{"from": "2011", "to": "2014", "value": 90.0}]}),
            )
        };
        let indicator_a = indicator(
            &department_goal_a,
            &administration_a,
            KPI_A,
            "Andel elever som känner sig trygga i skolan",
        )
        .await;
        let indicator_b = indicator(
            &department_goal_b,
            &administration_b,
            KPI_B,
            "Andel brukare som känner sig trygga med hemtjänsten",
        )
        .await;
        let measurement_period = "2010".to_string();
        let measurement = |indicator: &str, value: f64| {
            made(
                app,
                admin,
                "/api/v1/measurements",
                json!({"indicator_id": indicator, "period": measurement_period, "value": value}),
            )
        };
        let measurement_a = measurement(&indicator_a, 84.0).await;
        let measurement_b = measurement(&indicator_b, 91.0).await;
        let follow_up = |department_goal: &str, unit: &str| {
            made(
                app,
                admin,
                "/api/v1/follow-ups",
                json!({"reporting_period_id": reporting_period,
                       "department_goal_id": department_goal, "reporting_unit_id": unit,
                       "assessment": "partly_achieved",
                       "analysis": "Tryggheten har ökat men inte nått målet."}),
            )
        };
        let follow_up_a = follow_up(&department_goal_a, &administration_a).await;
        let follow_up_b = follow_up(&department_goal_b, &administration_b).await;
        Fixture {
            council,
            board_a,
            administration_a,
            team_a1,
            board_b,
            administration_b,
            team_b1,
            plan_period,
            perspective,
            goal,
            reporting_period,
            vision,
            department_goal_a,
            department_goal_b,
            activity_a1,
            activity_b1,
            indicator_a,
            indicator_b,
            measurement_period,
            measurement_a,
            measurement_b,
            follow_up_a,
            follow_up_b,
        }
    }

    /// The `units` claim of each role's token.
    fn scope(&self, role: Role) -> Vec<String> {
        match role {
            Role::Admin | Role::Council | Role::Viewer => vec![],
            Role::Board => vec![self.board_a.clone()],
            Role::Manager => vec![self.administration_a.clone()],
            Role::TeamMember => vec![self.team_a1.clone()],
        }
    }

    /// Every record of a kind this fixture holds, in creation order.
    fn all(&self, kind: Kind) -> Vec<String> {
        match kind {
            Kind::Organization => vec![],
            Kind::Unit => vec![
                self.council.clone(),
                self.board_a.clone(),
                self.administration_a.clone(),
                self.team_a1.clone(),
                self.board_b.clone(),
                self.administration_b.clone(),
                self.team_b1.clone(),
            ],
            Kind::PlanPeriod => vec![self.plan_period.clone()],
            Kind::ReportingPeriod => vec![self.reporting_period.clone()],
            Kind::Vision => vec![self.vision.clone()],
            Kind::Perspective => vec![self.perspective.clone()],
            Kind::Goal => vec![self.goal.clone()],
            Kind::DepartmentGoal => {
                vec![
                    self.department_goal_a.clone(),
                    self.department_goal_b.clone(),
                ]
            }
            Kind::Activity => vec![self.activity_a1.clone(), self.activity_b1.clone()],
            Kind::Contact => vec![],
            Kind::Indicator => vec![self.indicator_a.clone(), self.indicator_b.clone()],
            Kind::Measurement => vec![self.measurement_a.clone(), self.measurement_b.clone()],
            Kind::FollowUp => vec![self.follow_up_a.clone(), self.follow_up_b.clone()],
        }
    }
}

/// A record a cell acts on, and the organization it belongs to.
struct Rec {
    id: String,
    org: String,
}

/// Runs cells and collects every mismatch.
struct Matrix<'a> {
    app: &'a TestApp,
    fx: Fixture,
    /// Another organization with the same fixture, for `Case::OtherOrganization`.
    other: Option<(String, Fixture)>,
    seq: Cell<i32>,
    next_code: Cell<u32>,
    cells: usize,
    mismatches: Vec<String>,
}

impl<'a> Matrix<'a> {
    async fn new(app: &'a TestApp) -> Matrix<'a> {
        let fx = Fixture::build(app, &app.admin()).await;
        Matrix {
            app,
            fx,
            other: None,
            seq: Cell::new(100),
            next_code: Cell::new(0),
            cells: 0,
            mismatches: Vec::new(),
        }
    }

    async fn with_other_organization(mut self) -> Matrix<'a> {
        let org = self.app.another_organization().await;
        let fx = Fixture::build(self.app, &token_in(&org, Role::Admin, &[])).await;
        self.other = Some((org, fx));
        self
    }

    fn next(&self) -> i32 {
        let n = self.seq.get();
        self.seq.set(n + 1);
        n
    }

    fn admin_of(&self, org: &str) -> String {
        token_in(org, Role::Admin, &[])
    }

    /// A body that creates a record of the kind in (or out of) the board A / team A1 scope,
    /// creating what it needs (a vision needs a plan period of its own) as admin.
    async fn create_body(&self, kind: Kind, case: Case) -> Value {
        let fx = &self.fx;
        let n = self.next();
        let in_scope = case != Case::OutOfScope;
        match kind {
            Kind::Organization => unreachable!("organizations are registered, not created"),
            Kind::Unit => {
                let parent = if in_scope {
                    &fx.administration_a
                } else {
                    &fx.administration_b
                };
                json!({"kind": "unit", "name": format!("Enhet {n}"), "parent_id": parent})
            }
            Kind::PlanPeriod => json!({"name": format!("Planperiod {n}"),
                "start_date": "2015-01-01", "end_date": "2018-12-31"}),
            Kind::ReportingPeriod => json!({"plan_period_id": fx.plan_period, "kind": "month",
                "name": format!("Månad {n}"), "start_date": "2012-03-01", "end_date": "2012-03-31"}),
            Kind::Vision => {
                let period = made(
                    self.app,
                    &self.app.admin(),
                    "/api/v1/plan-periods",
                    json!({"name": format!("Planperiod för vision {n}"),
                           "start_date": "2019-01-01", "end_date": "2022-12-31"}),
                )
                .await;
                json!({"plan_period_id": period, "vision": format!("Vision {n}"),
                       "purpose": "Service med god kvalitet."})
            }
            Kind::Perspective => json!({"plan_period_id": fx.plan_period,
                "name": format!("Perspektiv {n}"), "focus": "internal", "position": n}),
            Kind::Goal => json!({"plan_period_id": fx.plan_period,
                "perspective_id": fx.perspective, "owner_unit_id": fx.council, "number": n,
                "title": format!("Övergripande mål {n}")}),
            Kind::DepartmentGoal => {
                let board = if in_scope { &fx.board_a } else { &fx.board_b };
                json!({"goal_id": fx.goal, "owner_unit_id": board, "number": n,
                       "title": format!("Nämndmål {n}")})
            }
            Kind::Activity => {
                let team = if in_scope { &fx.team_a1 } else { &fx.team_b1 };
                json!({"team_id": team, "goal_id": fx.goal, "title": format!("Aktivitet {n}")})
            }
            Kind::Contact => {
                let administration = if in_scope {
                    &fx.administration_a
                } else {
                    &fx.administration_b
                };
                json!({"role": "key_person", "name": format!("Kontakt {n}"),
                       "unit_id": administration})
            }
            Kind::Indicator => {
                let owner = if in_scope {
                    &fx.administration_a
                } else {
                    &fx.administration_b
                };
                json!({"goal_id": fx.goal, "owner_unit_id": owner,
                       "name": format!("Nyckeltal {n}"), "unit_of_measure": "%",
                       "direction": "higher_is_better"})
            }
            Kind::Measurement => {
                // A year of its own: an indicator has one measurement per period.
                let indicator = if in_scope {
                    &fx.indicator_a
                } else {
                    &fx.indicator_b
                };
                json!({"indicator_id": indicator, "period": format!("{}", 2000 + n),
                       "value": n})
            }
            Kind::FollowUp => {
                // A reporting period of its own: a unit follows a goal up once per period.
                let unit = if in_scope {
                    &fx.administration_a
                } else {
                    &fx.administration_b
                };
                json!({"reporting_period_id": self.open_reporting_period(n).await,
                       "goal_id": fx.goal, "reporting_unit_id": unit,
                       "assessment": "not_achieved",
                       "analysis": format!("Analys {n}")})
            }
        }
    }

    /// A new open reporting period of the fixture's plan period, made by admin.
    async fn open_reporting_period(&self, n: i32) -> String {
        made(
            self.app,
            &self.app.admin(),
            "/api/v1/reporting-periods",
            json!({"plan_period_id": self.fx.plan_period, "kind": "month",
                   "name": format!("Uppföljning {n}"), "start_date": "2012-05-01",
                   "end_date": "2012-05-31"}),
        )
        .await
    }

    /// Registers a new, empty organization as the operator does; returns its id.
    async fn fresh_organization(&self) -> String {
        use malstyrning::rules::municipalities::MUNICIPALITIES;
        let mine = crate::common::code_for(&self.app.org);
        let mut next = self.next_code.get() as usize;
        if MUNICIPALITIES[next % MUNICIPALITIES.len()].0 == mine {
            next += 1;
        }
        self.next_code.set(next as u32 + 1);
        let (code, name) = MUNICIPALITIES[next % MUNICIPALITIES.len()];
        let org = uuid::Uuid::new_v4().to_string();
        self.app.register(&org, name, code).await;
        org
    }

    /// The record a cell acts on, made fresh by admin (archived first for unarchive).
    /// Organizations: this one, except that admin's writes go to a freshly registered one.
    async fn record(&self, kind: Kind, role: Role, case: Case, op: Op) -> Rec {
        let app = self.app;
        let rec = if kind == Kind::Organization {
            let writes = matches!(op, Op::Update | Op::Archive | Op::Unarchive | Op::Delete);
            if role == Role::Admin && case != Case::OtherOrganization && writes {
                let org = self.fresh_organization().await;
                Rec {
                    id: org.clone(),
                    org,
                }
            } else {
                Rec {
                    id: app.org.clone(),
                    org: app.org.clone(),
                }
            }
        } else {
            let case = if case == Case::OutOfScope {
                Case::OutOfScope
            } else {
                Case::InScope
            };
            let body = self.create_body(kind, case).await;
            Rec {
                id: made(app, &app.admin(), kind.path(), body).await,
                org: app.org.clone(),
            }
        };
        if op == Op::Unarchive {
            self.post_action(kind, &rec.id, "archive", &self.admin_of(&rec.org))
                .await
                .expect(200);
        }
        rec
    }

    /// The acting token: the role with its scope, in this organization, the freshly
    /// registered one, or the other organization.
    fn token(&self, role: Role, case: Case, rec_org: &str) -> String {
        match (case, &self.other) {
            (Case::OtherOrganization, Some((org, fx))) => token_in(org, role, &fx.scope(role)),
            (Case::OtherOrganization, None) => panic!("no other organization set up"),
            _ if rec_org != self.app.org => token_in(rec_org, role, &[]),
            _ => scoped(self.app, role, &self.fx.scope(role)),
        }
    }

    async fn post_action(&self, kind: Kind, id: &str, action: &str, token: &str) -> Resp {
        self.app
            .send(
                Method::POST,
                &format!("{}/{action}", kind.item(id)),
                Some(token),
                None,
                &[],
            )
            .await
    }

    /// The record as admin of its organization sees it (Null when not 200).
    async fn admin_view(&self, kind: Kind, rec: &Rec) -> (u16, Value) {
        let response = self
            .app
            .get(&kind.item(&rec.id), &self.admin_of(&rec.org))
            .await;
        let body = if response.status == 200 {
            response.json()
        } else {
            Value::Null
        };
        (response.status, body)
    }

    /// How many records of a kind this organization holds, archived included.
    async fn count(&self, kind: Kind) -> usize {
        let listed = self
            .app
            .get(
                &format!("{}?limit=500&include_archived=true", kind.path()),
                &self.app.admin(),
            )
            .await
            .expect(200);
        ids(&listed).len()
    }

    /// Records a mismatch when the status is not the one wanted, a refusal is not
    /// problem+json, or what a later GET shows does not fit the response.
    fn judge(&mut self, label: String, want: u16, response: &Resp, effect: Option<String>) {
        self.cells += 1;
        let mut body = response.text();
        if body.len() > 300 {
            let mut end = 300;
            while !body.is_char_boundary(end) {
                end -= 1;
            }
            body.truncate(end);
        }
        if response.status != want {
            self.mismatches.push(format!(
                "{label}: expected {want}, got {}: {body}",
                response.status
            ));
        } else if response.status >= 400 && response.content_type() != "application/problem+json" {
            self.mismatches.push(format!(
                "{label}: {} is not problem+json ({}): {body}",
                response.status,
                response.content_type()
            ));
        }
        if let Some(effect) = effect {
            self.mismatches.push(format!("{label}: {effect}"));
        }
    }

    /// Runs one cell of the matrix.
    async fn cell(&mut self, kind: Kind, role: Role, case: Case, op: Op) {
        let want = status_of(op, expected(kind, role, case, op));
        let label = format!("{kind:?} / {} / {case:?} / {op:?}", role.name());
        let app = self.app;
        let (response, effect) = match op {
            Op::Create => {
                let body = self.create_body(kind, case).await;
                let before = self.count(kind).await;
                let token = self.token(role, case, &app.org);
                let response = app.post(kind.path(), &token, body).await;
                let effect = if response.status == 201 {
                    let id = response.json()["id"].as_str().unwrap_or("-").to_string();
                    let (seen, _) = self
                        .admin_view(
                            kind,
                            &Rec {
                                id,
                                org: app.org.clone(),
                            },
                        )
                        .await;
                    (seen != 200).then(|| format!("created, but admin's GET gives {seen}"))
                } else {
                    let after = self.count(kind).await;
                    (after != before).then(|| {
                        format!("refused, but the collection went from {before} to {after} records")
                    })
                };
                (response, effect)
            }
            Op::Get => {
                let rec = self.record(kind, role, case, op).await;
                let token = self.token(role, case, &rec.org);
                let response = app.get(&kind.item(&rec.id), &token).await;
                let effect = (response.status == 200 && response.json()["id"] != json!(rec.id))
                    .then(|| format!("GET answered another record than {}", rec.id));
                (response, effect)
            }
            Op::List => {
                let rec = self.record(kind, role, case, op).await;
                let token = self.token(role, case, &rec.org);
                let response = app.get(&format!("{}?limit=500", kind.path()), &token).await;
                let effect = if response.status != 200 {
                    None
                } else if let Some((org, fx)) = self
                    .other
                    .as_ref()
                    .filter(|_| case == Case::OtherOrganization)
                {
                    let mut want_ids = if kind == Kind::Organization {
                        vec![org.clone()]
                    } else {
                        fx.all(kind)
                    };
                    let mut got_ids = ids(&response.json());
                    want_ids.sort();
                    got_ids.sort();
                    (got_ids != want_ids).then(|| {
                        format!(
                            "the other organization lists {got_ids:?}, not its own {want_ids:?}"
                        )
                    })
                } else {
                    let listed = ids(&response.json());
                    (!listed.contains(&rec.id))
                        .then(|| format!("the list does not show {}", rec.id))
                };
                (response, effect)
            }
            Op::Update => {
                let rec = self.record(kind, role, case, op).await;
                let token = self.token(role, case, &rec.org);
                let field = kind.text_field();
                let value = format!("Ändrad {}", self.next());
                let (_, before) = self.admin_view(kind, &rec).await;
                let response = app
                    .patch(&kind.item(&rec.id), &token, json!({ field: value }))
                    .await;
                let (_, after) = self.admin_view(kind, &rec).await;
                let effect = if response.status == 200 {
                    (after[field] != json!(value))
                        .then(|| format!("updated, but admin's GET shows {field} {}", after[field]))
                } else {
                    (after != before).then(|| format!("refused, but the record changed: {after}"))
                };
                (response, effect)
            }
            Op::Archive | Op::Unarchive => {
                let rec = self.record(kind, role, case, op).await;
                let token = self.token(role, case, &rec.org);
                let action = if op == Op::Archive {
                    "archive"
                } else {
                    "unarchive"
                };
                let response = self.post_action(kind, &rec.id, action, &token).await;
                let (_, after) = self.admin_view(kind, &rec).await;
                let archived = !after["archived_at"].is_null();
                let should_be_archived = (op == Op::Archive) == (response.status == 200);
                let effect = (archived != should_be_archived).then(|| {
                    format!(
                        "{action} answered {}, but admin's GET shows archived_at {}",
                        response.status, after["archived_at"]
                    )
                });
                if archived && rec.id == app.org {
                    // This organization was archived for the cell: restore it.
                    self.post_action(kind, &rec.id, "unarchive", &app.admin())
                        .await
                        .expect(200);
                }
                (response, effect)
            }
            Op::Delete => {
                let rec = self.record(kind, role, case, op).await;
                let token = self.token(role, case, &rec.org);
                let response = app.delete(&kind.item(&rec.id), &token).await;
                let (seen, _) = self.admin_view(kind, &rec).await;
                let effect = if response.status == 204 {
                    (seen != 404).then(|| format!("deleted, but admin's GET gives {seen}"))
                } else {
                    (seen != 200).then(|| format!("refused, but admin's GET gives {seen}"))
                };
                (response, effect)
            }
        };
        self.judge(label, want, &response, effect);
    }

    /// Runs every cell of the matrix for a case.
    async fn run_case(&mut self, case: Case) {
        for kind in KINDS {
            for role in ROLES {
                for op in OPS {
                    let skipped = op == Op::Create
                        && (kind == Kind::Organization || case == Case::OtherOrganization);
                    if !skipped {
                        self.cell(kind, role, case, op).await;
                    }
                }
            }
        }
    }

    /// The path of a view, on the in-scope or out-of-scope record where that differs.
    fn view_path(&self, view: View, case: Case) -> String {
        let fx = &self.fx;
        let out = case == Case::OutOfScope;
        let team = if out { &fx.team_b1 } else { &fx.team_a1 };
        let department_goal = if out {
            &fx.department_goal_b
        } else {
            &fx.department_goal_a
        };
        let indicator = if out {
            &fx.indicator_b
        } else {
            &fx.indicator_a
        };
        let period = &fx.reporting_period;
        match view {
            View::ActivityPlan => format!("/api/v1/units/{team}/activity-plan"),
            View::ActivityPlanCsv => format!("/api/v1/units/{team}/activity-plan?format=csv"),
            View::GoalTree => format!("/api/v1/plan-periods/{}/goal-tree", fx.plan_period),
            View::GoalRevisions => format!("/api/v1/goals/{}/revisions", fx.goal),
            View::DepartmentGoalRevisions => {
                format!("/api/v1/department-goals/{department_goal}/revisions")
            }
            View::VisionRevisions => format!("/api/v1/visions/{}/revisions", fx.vision),
            View::IndicatorStatus => {
                format!("/api/v1/indicators/{indicator}/status?reporting_period_id={period}")
            }
            View::IndicatorSeries => format!("/api/v1/indicators/{indicator}/series"),
            View::GoalStatus => format!(
                "/api/v1/goals/{}/status?reporting_period_id={period}",
                fx.goal
            ),
            View::DepartmentGoalStatus => format!(
                "/api/v1/department-goals/{department_goal}/status?reporting_period_id={period}"
            ),
            View::CycleOverview => format!("/api/v1/reporting-periods/{period}/overview"),
            View::Audit => "/api/v1/audit?limit=500".to_string(),
        }
    }

    /// What a 200 must show: the record asked about (for the audit trail, only entries of
    /// the asker's organization, and some).
    fn view_effect(
        &self,
        view: View,
        case: Case,
        asker_org: &str,
        response: &Resp,
    ) -> Option<String> {
        let fx = &self.fx;
        let out = case == Case::OutOfScope;
        let (team, activity, activity_title) = if out {
            (&fx.team_b1, &fx.activity_b1, "Trygghetsbesök hos brukarna")
        } else {
            (
                &fx.team_a1,
                &fx.activity_a1,
                "Trygghetsvandring med eleverna",
            )
        };
        let department_goal = if out {
            &fx.department_goal_b
        } else {
            &fx.department_goal_a
        };
        let indicator = if out {
            &fx.indicator_b
        } else {
            &fx.indicator_a
        };
        let period = &fx.reporting_period;
        // The record asked about, and the status of the reporting period asked for.
        let about = |pointer: &str, id: &str| {
            let body = response.json();
            (body.pointer(pointer) != Some(&json!(id)))
                .then(|| format!("{pointer} is not {id}: {body}"))
        };
        let revisions_of = |id: &str| {
            let body = response.json();
            let items = body["items"].as_array().cloned().unwrap_or_default();
            (items.is_empty() || items.iter().any(|r| r["entity_id"] != json!(id)))
                .then(|| format!("the revisions are not those of {id}: {body}"))
        };
        match view {
            View::ActivityPlan => {
                let body = response.json();
                let activities: Vec<&Value> = body["sheets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|sheet| sheet["activities"].as_array().into_iter().flatten())
                    .map(|a| &a["id"])
                    .collect();
                (body["team"]["id"] != json!(team) || !activities.contains(&&json!(activity)))
                    .then(|| format!("not the plan of {team} with {activity}"))
            }
            View::ActivityPlanCsv => (!response.content_type().starts_with("text/csv")
                || !response.text().contains(activity_title))
            .then(|| {
                format!(
                    "not a CSV plan with {activity_title}: {}",
                    response.content_type()
                )
            }),
            View::GoalTree => (response.json()["plan_period"]["id"] != json!(fx.plan_period))
                .then(|| "not the plan period's tree".to_string()),
            View::GoalRevisions => revisions_of(&fx.goal),
            View::DepartmentGoalRevisions => revisions_of(department_goal),
            View::VisionRevisions => revisions_of(&fx.vision),
            View::IndicatorStatus => about("/indicator_id", indicator),
            View::IndicatorSeries => about("/indicator/id", indicator)
                .or_else(|| about("/points/0/period", &fx.measurement_period)),
            View::GoalStatus => {
                about("/id", &fx.goal).or_else(|| about("/reporting_period_id", period))
            }
            View::DepartmentGoalStatus => {
                about("/id", department_goal).or_else(|| about("/reporting_period_id", period))
            }
            View::CycleOverview => about("/reporting_period/id", period),
            View::Audit => {
                let body = response.json();
                let items = body["items"].as_array().cloned().unwrap_or_default();
                (items.is_empty()
                    || items
                        .iter()
                        .any(|e| e["organization_id"] != json!(asker_org)))
                .then(|| format!("the trail is not {asker_org}'s own (or empty)"))
            }
        }
    }

    /// Runs one view cell: a role (or no token) reads a view of this organization's records.
    async fn view_cell(&mut self, view: View, role: Option<Role>, case: Case) {
        let want = status_of(Op::Get, expected_view(view, role, case));
        let who = role.map_or("(no token)", Role::name);
        let label = format!("{view:?} / {who} / {case:?}");
        let path = self.view_path(view, case);
        let asker_org = match (case, &self.other) {
            (Case::OtherOrganization, Some((org, _))) => org.clone(),
            _ => self.app.org.clone(),
        };
        let token = role.map(|role| self.token(role, case, &self.app.org));
        let response = self
            .app
            .send(Method::GET, &path, token.as_deref(), None, &[])
            .await;
        let effect = if response.status == 200 {
            self.view_effect(view, case, &asker_org, &response)
        } else {
            None
        };
        self.judge(label, want, &response, effect);
    }

    /// Runs every view for every role, and without a token unless the case is another
    /// organization (a missing token names none).
    async fn run_views(&mut self, case: Case) {
        for view in VIEWS {
            for role in ROLES {
                self.view_cell(view, Some(role), case).await;
            }
            if case != Case::OtherOrganization {
                self.view_cell(view, None, case).await;
            }
        }
    }

    /// A new follow-up made by admin in an open reporting period of its own: of the
    /// overarching goal, or of DA (`goal_case` in scope) or DB, reported by `unit`, taken by
    /// admin to the state `step` starts from.
    async fn follow_up_for(&self, step: Step, of: Of, goal_case: Case, unit: &str) -> Rec {
        let app = self.app;
        let fx = &self.fx;
        let n = self.next();
        let mut body = json!({"reporting_period_id": self.open_reporting_period(n).await,
            "reporting_unit_id": unit, "assessment": "partly_achieved",
            "analysis": format!("Analys {n}")});
        match (of, goal_case) {
            (Of::Overarching, _) => body["goal_id"] = json!(fx.goal),
            (Of::DepartmentGoal, Case::OutOfScope) => {
                body["department_goal_id"] = json!(fx.department_goal_b)
            }
            (Of::DepartmentGoal, _) => body["department_goal_id"] = json!(fx.department_goal_a),
        }
        let id = made(app, &app.admin(), Kind::FollowUp.path(), body).await;
        for earlier in step.path_to_start() {
            self.take(*earlier, &id, Some(&app.admin()))
                .await
                .expect(200);
        }
        Rec {
            id,
            org: app.org.clone(),
        }
    }

    async fn take(&self, step: Step, id: &str, token: Option<&str>) -> Resp {
        let path = format!("{}/{}", Kind::FollowUp.item(id), step.name());
        // A return says why.
        let body = (step == Step::Return).then(|| {
            json!({"reason": "Komplettera analysen."})
                .to_string()
                .into_bytes()
        });
        self.app.send(Method::POST, &path, token, body, &[]).await
    }

    /// Runs one step cell: `token` (or none) takes the step on a fresh follow-up in the
    /// state the step starts from; admin's GET afterwards shows the state it leads to, or
    /// the one it started from.
    #[allow(clippy::too_many_arguments)]
    async fn step_cell(
        &mut self,
        label: String,
        step: Step,
        of: Of,
        goal_case: Case,
        unit: &str,
        token: Option<String>,
        want: u16,
    ) {
        let rec = self.follow_up_for(step, of, goal_case, unit).await;
        let response = self.take(step, &rec.id, token.as_deref()).await;
        let (_, after) = self.admin_view(Kind::FollowUp, &rec).await;
        let (from, to) = step.states();
        let should_be = if response.status == 200 { to } else { from };
        let effect = (after["state"] != json!(should_be)).then(|| {
            format!(
                "{} answered {}, but admin's GET shows state {}",
                step.name(),
                response.status,
                after["state"]
            )
        });
        self.judge(label, want, &response, effect);
    }

    /// Runs every step on both kinds of follow-up for every role, and without a token
    /// unless the case is another organization.
    async fn run_steps(&mut self, case: Case) {
        let unit = if case == Case::OutOfScope {
            self.fx.administration_b.clone()
        } else {
            self.fx.administration_a.clone()
        };
        for step in STEPS {
            for of in [Of::Overarching, Of::DepartmentGoal] {
                let mut roles: Vec<Option<Role>> = ROLES.iter().copied().map(Some).collect();
                if case != Case::OtherOrganization {
                    roles.push(None);
                }
                for role in roles {
                    let want = status_of(Op::Update, expected_step(step, of, role, case));
                    let who = role.map_or("(no token)", Role::name);
                    let label = format!("{step:?} {of:?} / {who} / {case:?}");
                    let token = role.map(|role| self.token(role, case, &self.app.org));
                    self.step_cell(label, step, of, case, &unit, token, want)
                        .await;
                }
            }
        }
    }

    /// This organization's measurements of an indicator for a period, archived included.
    async fn measurements_of(&self, indicator: &str, period: &str) -> Vec<Value> {
        let page = self
            .app
            .get(
                &format!(
                    "/api/v1/measurements?indicator_id={indicator}&period={period}&include_archived=true"
                ),
                &self.app.admin(),
            )
            .await
            .expect(200);
        page["items"].as_array().cloned().unwrap_or_default()
    }

    /// Runs one import cell: a role (or no token) imports a Kolada page with one value, of
    /// a year no measurement has yet, for indicator A's KPI (in scope, and from another
    /// organization) or B's (out of scope), in this organization's municipality.
    async fn import_cell(&mut self, role: Option<Role>, case: Case, municipality: &str) {
        let want = status_of(Op::Update, expected_import(role, case));
        let who = role.map_or("(no token)", Role::name);
        let label = format!("Kolada import / {who} / {case:?}");
        let (indicator, kpi) = if case == Case::OutOfScope {
            (self.fx.indicator_b.clone(), KPI_B)
        } else {
            (self.fx.indicator_a.clone(), KPI_A)
        };
        let year = 2000 + self.next();
        let value = f64::from(year % 100);
        let document = json!({"count": 1, "next_url": null, "previous_url": null, "values": [
            {"kpi": kpi, "municipality": municipality, "period": year,
             "values": [{"gender": "T", "count": 1, "status": "", "value": value,
                         "isdeleted": false}]}
        ]});
        let token = role.map(|role| self.token(role, case, &self.app.org));
        let response = self
            .app
            .send(
                Method::POST,
                "/api/v1/kolada/import",
                token.as_deref(),
                Some(document.to_string().into_bytes()),
                &[],
            )
            .await;
        let here = self.measurements_of(&indicator, &year.to_string()).await;
        let imported_here = response.status == 200 && case != Case::OtherOrganization;
        let effect = if imported_here {
            (here.len() != 1 || here[0]["value"] != json!(value))
                .then(|| format!("imported, but admin sees for {year}: {here:?}"))
        } else {
            (!here.is_empty())
                .then(|| format!("answered {}, but {year} has {here:?}", response.status))
        };
        self.judge(label, want, &response, effect);
    }

    /// Runs the import for every role, and without a token unless the case is another
    /// organization.
    async fn run_imports(&mut self, case: Case) {
        let organization = self
            .app
            .get(
                &format!("/api/v1/organizations/{}", self.app.org),
                &self.app.admin(),
            )
            .await
            .expect(200);
        let municipality = organization["municipality_code"]
            .as_str()
            .expect("a municipality code")
            .to_string();
        for role in ROLES {
            self.import_cell(Some(role), case, &municipality).await;
        }
        if case != Case::OtherOrganization {
            self.import_cell(None, case, &municipality).await;
        }
    }

    /// Asserts that no cell mismatched, printing every mismatch.
    fn finish(self, name: &str) {
        eprintln!(
            "{name} ({}): {} cells run, {} mismatches",
            self.app.backend,
            self.cells,
            self.mismatches.len()
        );
        assert!(
            self.mismatches.is_empty(),
            "{name} ({}): {} of {} cells do not match the permission matrix:\n{}",
            self.app.backend,
            self.mismatches.len(),
            self.cells,
            self.mismatches.join("\n")
        );
    }
}

/// Every role on records whose unit is in its scope (board A, administration A, team A1).
async fn in_scope(app: TestApp) {
    let mut matrix = Matrix::new(&app).await;
    matrix.run_case(Case::InScope).await;
    matrix.finish("in_scope");
}

/// Every role on records whose unit is outside its scope (board B, team B1).
async fn out_of_scope(app: TestApp) {
    let mut matrix = Matrix::new(&app).await;
    matrix.run_case(Case::OutOfScope).await;
    matrix.finish("out_of_scope");
}

/// Every role of another organization on this organization's records.
async fn other_organization(app: TestApp) {
    let mut matrix = Matrix::new(&app).await.with_other_organization().await;
    matrix.run_case(Case::OtherOrganization).await;
    matrix.finish("other_organization");
}

/// Every role, and no token, on the views of records in its scope (team A1, department goal
/// DA) and of those that need none (goal tree, goal and vision revisions, audit trail).
async fn views_in_scope(app: TestApp) {
    let mut matrix = Matrix::new(&app).await;
    matrix.run_views(Case::InScope).await;
    matrix.finish("views_in_scope");
}

/// The same on team B1 and department goal DB, outside every scoped role's units.
async fn views_out_of_scope(app: TestApp) {
    let mut matrix = Matrix::new(&app).await;
    matrix.run_views(Case::OutOfScope).await;
    matrix.finish("views_out_of_scope");
}

/// Every role of another organization on this organization's views.
async fn views_other_organization(app: TestApp) {
    let mut matrix = Matrix::new(&app).await.with_other_organization().await;
    matrix.run_views(Case::OtherOrganization).await;
    matrix.finish("views_other_organization");
}

/// Moving a record out of the caller's scope (or into it from outside) is refused and
/// changes nothing; a scoped role whose token has no units writes nothing of its kind.
async fn moves_and_missing_scope(app: TestApp) {
    let mut matrix = Matrix::new(&app).await;
    let fx = &matrix.fx;
    let (board_a, board_b) = (fx.board_a.clone(), fx.board_b.clone());
    let (team_a1, team_b1) = (fx.team_a1.clone(), fx.team_b1.clone());
    let (administration_a, administration_b) =
        (fx.administration_a.clone(), fx.administration_b.clone());
    let board_scope = vec![board_a.clone()];
    let manager_scope = vec![administration_a.clone()];
    let into_a = ("administration A", json!(administration_a));
    let into_b = ("administration B", json!(administration_b));

    // (role, its units claim, kind of a fresh record, where it is, field moved, to, expected)
    let moves = [
        (
            Role::Board,
            "board A",
            board_scope.clone(),
            Kind::DepartmentGoal,
            Case::InScope,
            "owner_unit_id",
            ("board B", json!(board_b)),
            403,
        ),
        (
            Role::TeamMember,
            "team A1",
            vec![team_a1],
            Kind::Activity,
            Case::InScope,
            "team_id",
            ("team B1", json!(team_b1)),
            403,
        ),
        (
            Role::Board,
            "board A",
            board_scope.clone(),
            Kind::Indicator,
            Case::InScope,
            "owner_unit_id",
            into_b.clone(),
            403,
        ),
        (
            Role::Manager,
            "administration A",
            manager_scope.clone(),
            Kind::Indicator,
            Case::InScope,
            "owner_unit_id",
            into_b.clone(),
            403,
        ),
        // An indicator without an owner is in no one's scope.
        (
            Role::Manager,
            "administration A",
            manager_scope.clone(),
            Kind::Indicator,
            Case::InScope,
            "owner_unit_id",
            ("no owner", Value::Null),
            403,
        ),
        (
            Role::Manager,
            "administration A",
            manager_scope.clone(),
            Kind::Indicator,
            Case::OutOfScope,
            "owner_unit_id",
            into_a.clone(),
            403,
        ),
        (
            Role::Manager,
            "administration A",
            manager_scope.clone(),
            Kind::FollowUp,
            Case::InScope,
            "reporting_unit_id",
            into_b.clone(),
            403,
        ),
        (
            Role::Manager,
            "administration A",
            manager_scope.clone(),
            Kind::FollowUp,
            Case::OutOfScope,
            "reporting_unit_id",
            into_a.clone(),
            403,
        ),
        // The same moves are valid requests: admin makes them, and the council moves
        // indicators anywhere.
        (
            Role::Admin,
            "no units",
            vec![],
            Kind::DepartmentGoal,
            Case::InScope,
            "owner_unit_id",
            ("board B", json!(board_b)),
            200,
        ),
        (
            Role::Admin,
            "no units",
            vec![],
            Kind::Activity,
            Case::InScope,
            "team_id",
            ("team B1", json!(team_b1)),
            200,
        ),
        (
            Role::Admin,
            "no units",
            vec![],
            Kind::Indicator,
            Case::InScope,
            "owner_unit_id",
            into_b.clone(),
            200,
        ),
        (
            Role::Council,
            "no units",
            vec![],
            Kind::Indicator,
            Case::InScope,
            "owner_unit_id",
            into_b.clone(),
            200,
        ),
        (
            Role::Council,
            "no units",
            vec![],
            Kind::Indicator,
            Case::InScope,
            "owner_unit_id",
            ("no owner", Value::Null),
            200,
        ),
        (
            Role::Admin,
            "no units",
            vec![],
            Kind::FollowUp,
            Case::InScope,
            "reporting_unit_id",
            into_b.clone(),
            200,
        ),
    ];
    for (role, scope, units, kind, from, field, (target, to), want) in moves {
        let body = matrix.create_body(kind, from).await;
        let rec = Rec {
            id: made(&app, &app.admin(), kind.path(), body).await,
            org: app.org.clone(),
        };
        let (_, before) = matrix.admin_view(kind, &rec).await;
        let response = app
            .patch(
                &kind.item(&rec.id),
                &scoped(&app, role, &units),
                json!({ field: to }),
            )
            .await;
        let (_, after) = matrix.admin_view(kind, &rec).await;
        let effect = if response.status == 200 {
            (after[field] != to).then(|| format!("moved, but admin's GET shows {after}"))
        } else {
            (after != before).then(|| format!("refused, but the record changed: {after}"))
        };
        let whence = if from == Case::InScope {
            ""
        } else {
            " from out of scope"
        };
        let label = format!(
            "{kind:?}{whence} / {} ({scope}) / move {field} to {target}",
            role.name()
        );
        matrix.judge(label, want, &response, effect);
    }

    // (role with no units claim, kind, where the new record goes, expected)
    let unscoped = [
        (
            Role::Board,
            Kind::DepartmentGoal,
            (Case::InScope, "owned by board A"),
            403,
        ),
        (
            Role::Board,
            Kind::DepartmentGoal,
            (Case::OutOfScope, "owned by board B"),
            403,
        ),
        (
            Role::TeamMember,
            Kind::Activity,
            (Case::InScope, "on team A1"),
            403,
        ),
        (
            Role::TeamMember,
            Kind::Activity,
            (Case::OutOfScope, "on team B1"),
            403,
        ),
        (
            Role::Board,
            Kind::Indicator,
            (Case::InScope, "owned by administration A"),
            403,
        ),
        (
            Role::Board,
            Kind::Indicator,
            (Case::OutOfScope, "owned by administration B"),
            403,
        ),
        (
            Role::Manager,
            Kind::Indicator,
            (Case::InScope, "owned by administration A"),
            403,
        ),
        (
            Role::Manager,
            Kind::Indicator,
            (Case::OutOfScope, "owned by administration B"),
            403,
        ),
        (
            Role::Manager,
            Kind::Measurement,
            (Case::InScope, "of indicator A"),
            403,
        ),
        (
            Role::Manager,
            Kind::Measurement,
            (Case::OutOfScope, "of indicator B"),
            403,
        ),
        (
            Role::Manager,
            Kind::FollowUp,
            (Case::InScope, "reported by administration A"),
            403,
        ),
        (
            Role::Manager,
            Kind::FollowUp,
            (Case::OutOfScope, "reported by administration B"),
            403,
        ),
    ];
    for (role, kind, (case, place), want) in unscoped {
        let body = matrix.create_body(kind, case).await;
        let before = matrix.count(kind).await;
        let response = app.post(kind.path(), &scoped(&app, role, &[]), body).await;
        let after = matrix.count(kind).await;
        let effect = (response.status != 201 && after != before)
            .then(|| format!("refused, but the collection went from {before} to {after}"));
        let label = format!("{kind:?} / {} (no units) / create {place}", role.name());
        matrix.judge(label, want, &response, effect);
    }
    matrix.finish("moves_and_missing_scope");
}

/// Every role takes every step on an overarching goal's and a department goal's follow-up
/// in its scope (administration A reports; DA is board A's).
async fn steps_in_scope(app: TestApp) {
    let mut matrix = Matrix::new(&app).await;
    matrix.run_steps(Case::InScope).await;
    matrix.finish("steps_in_scope");
}

/// The same outside every scoped role's units (administration B reports; DB is board B's).
async fn steps_out_of_scope(app: TestApp) {
    let mut matrix = Matrix::new(&app).await;
    matrix.run_steps(Case::OutOfScope).await;
    matrix.finish("steps_out_of_scope");
}

/// Every role of another organization takes every step on this organization's follow-ups.
async fn steps_other_organization(app: TestApp) {
    let mut matrix = Matrix::new(&app).await.with_other_organization().await;
    matrix.run_steps(Case::OtherOrganization).await;
    matrix.finish("steps_other_organization");
}

/// Whose scope a step needs: submitting, the reporting unit's; approving and returning a
/// department goal's follow-up, the department goal's board's (not the reporting unit's);
/// a token's scope reaches down its units' subtrees, not up; without units, nothing.
async fn step_scopes(app: TestApp) {
    let mut matrix = Matrix::new(&app).await;
    let fx = &matrix.fx;
    let (board_a, administration_a, administration_b, team_a1) = (
        fx.board_a.clone(),
        fx.administration_a.clone(),
        fx.administration_b.clone(),
        fx.team_a1.clone(),
    );
    let (da, db) = (("DA", Case::InScope), ("DB", Case::OutOfScope));
    let (by_a, by_b) = (
        ("administration A", &administration_a),
        ("administration B", &administration_b),
    );
    let board = ("board A", vec![board_a]);
    let board_below = ("administration A", vec![administration_a.clone()]);
    let manager = ("administration A", vec![administration_a.clone()]);
    let manager_below = ("team A1", vec![team_a1]);
    let none = ("no units", vec![]);
    // (role, its units claim, step, department goal, reported by, expected)
    #[rustfmt::skip]
    let cells = [
        (Role::Board,   board.clone(),       Step::Approve, da, by_b, 200),
        (Role::Board,   board.clone(),       Step::Return,  da, by_b, 200),
        (Role::Board,   board.clone(),       Step::Approve, db, by_a, 403),
        (Role::Board,   board,               Step::Return,  db, by_a, 403),
        (Role::Board,   board_below,         Step::Approve, da, by_a, 403),
        (Role::Board,   none.clone(),        Step::Approve, da, by_a, 403),
        (Role::Manager, manager.clone(),     Step::Submit,  db, by_a, 200),
        (Role::Manager, manager,             Step::Submit,  da, by_b, 403),
        (Role::Manager, manager_below,       Step::Submit,  da, by_a, 403),
        (Role::Manager, none,                Step::Submit,  da, by_a, 403),
    ];
    for (role, (scope, units), step, (goal, goal_case), (reporter, unit), want) in cells {
        let label = format!(
            "{step:?} {goal}'s follow-up by {reporter} / {} ({scope})",
            role.name()
        );
        let token = Some(scoped(&app, role, &units));
        matrix
            .step_cell(
                label,
                step,
                Of::DepartmentGoal,
                goal_case,
                unit,
                token,
                want,
            )
            .await;
    }
    matrix.finish("step_scopes");
}

/// A follow-up is changed and deleted only as a draft, and not at all in a closed reporting
/// period (409) by those who may write it; for a manager outside its scope, the same
/// requests are refused as such (403). Nothing changes.
async fn follow_up_states(app: TestApp) {
    let mut matrix = Matrix::new(&app).await;
    let fx = &matrix.fx;
    let (administration_a, administration_b) =
        (fx.administration_a.clone(), fx.administration_b.clone());
    let callers = [
        (Role::Admin, "no units", vec![], Case::InScope, 409),
        (
            Role::Manager,
            "administration A",
            vec![administration_a.clone()],
            Case::InScope,
            409,
        ),
        (
            Role::Manager,
            "administration A",
            vec![administration_a.clone()],
            Case::OutOfScope,
            403,
        ),
    ];
    // (the follow-up's state, the request)
    let requests = [
        ("submitted", "PATCH"),
        ("submitted", "DELETE"),
        ("draft in a closed period", "PATCH"),
        ("draft in a closed period", "DELETE"),
        ("draft in a closed period", "archive"),
        ("draft in a closed period", "submit"),
    ];
    for (role, scope, units, case, want) in callers {
        let unit = if case == Case::InScope {
            &administration_a
        } else {
            &administration_b
        };
        for (state, request) in requests {
            let closed = state != "submitted";
            let start = if closed { Step::Submit } else { Step::Approve };
            let rec = matrix
                .follow_up_for(start, Of::DepartmentGoal, case, unit)
                .await;
            let (_, before) = matrix.admin_view(Kind::FollowUp, &rec).await;
            if closed {
                let period = before["reporting_period_id"].as_str().unwrap_or("-");
                app.patch(
                    &Kind::ReportingPeriod.item(period),
                    &app.admin(),
                    json!({"status": "closed"}),
                )
                .await
                .expect(200);
            }
            let token = scoped(&app, role, &units);
            let item = Kind::FollowUp.item(&rec.id);
            let response = match request {
                "PATCH" => {
                    app.patch(&item, &token, json!({"analysis": "Ändrad"}))
                        .await
                }
                "DELETE" => app.delete(&item, &token).await,
                "archive" => {
                    matrix
                        .post_action(Kind::FollowUp, &rec.id, "archive", &token)
                        .await
                }
                _ => matrix.take(Step::Submit, &rec.id, Some(&token)).await,
            };
            let (_, after) = matrix.admin_view(Kind::FollowUp, &rec).await;
            let effect =
                (after != before).then(|| format!("refused, but the record changed: {after}"));
            let label = format!("{request} a {state}, {case:?} / {} ({scope})", role.name());
            matrix.judge(label, want, &response, effect);
        }
    }
    matrix.finish("follow_up_states");
}

/// Every role imports Kolada values for an indicator in its scope, one outside it, and
/// from another organization; and without a token.
async fn kolada_import(app: TestApp) {
    let mut matrix = Matrix::new(&app).await.with_other_organization().await;
    for case in [Case::InScope, Case::OutOfScope, Case::OtherOrganization] {
        matrix.run_imports(case).await;
    }
    matrix.finish("kolada_import");
}

backend_tests!(
    in_scope,
    out_of_scope,
    other_organization,
    moves_and_missing_scope,
    views_in_scope,
    views_out_of_scope,
    views_other_organization,
    steps_in_scope,
    steps_out_of_scope,
    steps_other_organization,
    step_scopes,
    follow_up_states,
    kolada_import,
);
