//! Who may do what. One table, checked by `Caller::require`; the unit scoping of the
//! full role matrix builds on this.

use crate::store::follow_ups::FollowUpState;
use crate::text_enum;

text_enum! {
    /// A role named in a token's `roles` claim.
    Role {
        Admin => "admin",
        Council => "council",
        Board => "board",
        Manager => "manager",
        TeamMember => "team_member",
        Viewer => "viewer",
    }
}

/// The kinds of record the API holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
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
    WebhookSubscription,
}

impl Kind {
    /// The kind with this machine-readable name (`as_str`), if any.
    pub fn named(name: &str) -> Option<Kind> {
        KINDS.iter().copied().find(|kind| kind.as_str() == name)
    }

    /// The name in machine-readable places (the audit trail's `entity_type`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Organization => "organization",
            Kind::Unit => "unit",
            Kind::PlanPeriod => "plan_period",
            Kind::ReportingPeriod => "reporting_period",
            Kind::Vision => "vision",
            Kind::Perspective => "perspective",
            Kind::Goal => "goal",
            Kind::DepartmentGoal => "department_goal",
            Kind::Activity => "activity",
            Kind::Contact => "contact",
            Kind::Indicator => "indicator",
            Kind::Measurement => "measurement",
            Kind::FollowUp => "follow_up",
            Kind::WebhookSubscription => "webhook_subscription",
        }
    }

    pub fn noun(&self) -> &'static str {
        match self {
            Kind::Organization => "organization",
            Kind::Unit => "unit",
            Kind::PlanPeriod => "plan period",
            Kind::ReportingPeriod => "reporting period",
            Kind::Vision => "vision",
            Kind::Perspective => "perspective",
            Kind::Goal => "goal",
            Kind::DepartmentGoal => "department goal",
            Kind::Activity => "activity",
            Kind::Contact => "contact",
            Kind::Indicator => "indicator",
            Kind::Measurement => "measurement",
            Kind::FollowUp => "follow-up",
            Kind::WebhookSubscription => "webhook subscription",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read anything internal of the caller's organization.
    Read,
    /// Create, change, archive or delete records of a kind.
    Write(Kind),
    /// Read the audit trail.
    ReadAudit,
    /// Roll a plan period over into a new one (`ROLL_OVER`).
    RollOver,
}

impl Action {
    pub fn describe(&self) -> String {
        match self {
            Action::Read => "reading this organization's data".to_string(),
            Action::Write(kind) => format!("changing {}s", kind.noun()),
            Action::ReadAudit => "reading the audit trail".to_string(),
            Action::RollOver => "rolling a plan period over".to_string(),
        }
    }
}

/// How far a role's right to write a kind reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Every record of the kind in the organization.
    Organization,
    /// Records whose unit (a department goal's board, an activity's team) lies in the
    /// caller's unit scope: the units of its token and everything below them.
    Scope,
}

/// The role matrix for writes: who besides admin may write each kind, and how far.
/// Every role of the organization may read everything internal; only admin reads the
/// audit trail. `docs/permissions.md` is rendered from this table.
pub fn writers(kind: Kind) -> &'static [(Role, Reach)] {
    match kind {
        Kind::Organization
        | Kind::Unit
        | Kind::PlanPeriod
        | Kind::ReportingPeriod
        | Kind::Contact
        | Kind::WebhookSubscription => &[],
        Kind::Vision | Kind::Perspective | Kind::Goal => &[(Role::Council, Reach::Organization)],
        Kind::DepartmentGoal => &[(Role::Board, Reach::Scope)],
        Kind::Activity => &[
            (Role::Manager, Reach::Scope),
            (Role::TeamMember, Reach::Scope),
        ],
        Kind::Indicator => &[
            (Role::Council, Reach::Organization),
            (Role::Board, Reach::Scope),
            (Role::Manager, Reach::Scope),
        ],
        Kind::Measurement | Kind::FollowUp => &[(Role::Manager, Reach::Scope)],
    }
}

/// What reading records of a kind needs: any role of the organization, except webhook
/// subscriptions, which are integration settings read by those who may write them (admin).
pub const fn read_action(kind: Kind) -> Action {
    match kind {
        Kind::WebhookSubscription => Action::Write(Kind::WebhookSubscription),
        _ => Action::Read,
    }
}

/// How far the caller's roles let it write a kind: `None` is not at all.
pub fn write_reach(roles: &[Role], kind: Kind) -> Option<Reach> {
    reach_in(roles, writers(kind))
}

/// The widest reach any of the roles has in a table; admin reaches everything.
fn reach_in(roles: &[Role], table: &[(Role, Reach)]) -> Option<Reach> {
    if roles.contains(&Role::Admin) {
        return Some(Reach::Organization);
    }
    let reaches = table
        .iter()
        .filter(|(role, _)| roles.contains(role))
        .map(|(_, reach)| *reach);
    reaches.max_by_key(|reach| *reach == Reach::Organization)
}

pub fn allows(roles: &[Role], action: Action) -> bool {
    match action {
        Action::Read => !roles.is_empty(),
        Action::ReadAudit => roles.contains(&Role::Admin),
        Action::Write(kind) => write_reach(roles, kind).is_some(),
        Action::RollOver => reach_in(roles, ROLL_OVER).is_some(),
    }
}

/// Who besides admin may roll a plan period over: the council, which writes the goal model
/// organization-wide. The roll-over also creates the plan period and copies department goals
/// and activities, which the council does not otherwise write; it copies them as they are,
/// as drafts and open activities of the same boards and teams.
pub const ROLL_OVER: &[(Role, Reach)] = &[(Role::Council, Reach::Organization)];

text_enum! {
    /// A step of a follow-up's way from draft to published.
    FollowUpStep {
        /// draft → submitted.
        Submit => "submit",
        /// submitted → approved.
        Approve => "approve",
        /// approved → published.
        Publish => "publish",
        /// submitted or approved → draft.
        Return => "return",
        /// approved or published → withdrawn: archived, with the reason, by whoever may
        /// approve it (its author cannot take back what was approved).
        Withdraw => "withdraw",
    }
}

impl FollowUpStep {
    pub const ALL_STEPS: [FollowUpStep; 5] = [
        FollowUpStep::Submit,
        FollowUpStep::Approve,
        FollowUpStep::Publish,
        FollowUpStep::Return,
        FollowUpStep::Withdraw,
    ];

    /// The states it starts from and the state it leads to (none: the state stays, the
    /// follow-up is archived).
    pub fn states(&self) -> (&'static [FollowUpState], Option<FollowUpState>) {
        use FollowUpState::*;
        match self {
            FollowUpStep::Submit => (&[Draft], Some(Submitted)),
            FollowUpStep::Approve => (&[Submitted], Some(Approved)),
            FollowUpStep::Publish => (&[Approved], Some(Published)),
            FollowUpStep::Return => (&[Submitted, Approved], Some(Draft)),
            FollowUpStep::Withdraw => (&[Approved, Published], None),
        }
    }

    pub fn past_tense(&self) -> &'static str {
        match self {
            FollowUpStep::Submit => "submitted",
            FollowUpStep::Approve => "approved",
            FollowUpStep::Publish => "published",
            FollowUpStep::Return => "returned to draft",
            FollowUpStep::Withdraw => "withdrawn",
        }
    }

    /// The life cycle, for error messages.
    pub fn rule(&self) -> &'static str {
        "follow-ups go draft → submitted → approved → published; a submitted or approved one can be returned to draft, and an approved or published one withdrawn by whoever may approve it"
    }

    pub fn forbidden(&self, of_department_goal: bool) -> String {
        let whose = if of_department_goal {
            "a department goal's"
        } else {
            "an overarching goal's"
        };
        format!("your roles may not {self} {whose} follow-up")
    }
}

/// Who besides admin may take a follow-up step, and how far: the manager submits for the
/// units in its scope; the board approves its department goals' follow-ups (scope: the board
/// owning the department goal), the council overarching ones, and the council publishes them all.
/// Returning to draft and withdrawing are for whoever may approve.
pub fn step_takers(step: FollowUpStep, of_department_goal: bool) -> &'static [(Role, Reach)] {
    use FollowUpStep::*;
    match (step, of_department_goal) {
        (Submit, _) => &[(Role::Manager, Reach::Scope)],
        (Approve | Return | Withdraw, true) => &[(Role::Board, Reach::Scope)],
        (Approve | Return | Withdraw, false) | (Publish, _) => {
            &[(Role::Council, Reach::Organization)]
        }
    }
}

/// How far the caller's roles let it take a step: `None` is not at all.
pub fn step_reach(roles: &[Role], step: FollowUpStep, of_department_goal: bool) -> Option<Reach> {
    reach_in(roles, step_takers(step, of_department_goal))
}

/// Every kind, in the order the matrix lists them.
pub const KINDS: [Kind; 14] = [
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
    Kind::WebhookSubscription,
];

/// The reads beyond a record's own GET and list, and the action each needs (what their
/// handlers `require`); `docs/permissions.md` lists them.
pub const VIEWS: [(&str, Action); 5] = [
    (
        "a team's activity plan, JSON or CSV: `GET /api/v1/units/{id}/activity-plan`",
        Action::Read,
    ),
    (
        "a plan period's goal tree: `GET /api/v1/plan-periods/{id}/goal-tree`",
        Action::Read,
    ),
    (
        "the revisions of a goal, department goal, vision or indicator: \
         `GET /api/v1/goals/{id}/revisions`, `/department-goals/{id}/revisions`, \
         `/visions/{id}/revisions`, `/indicators/{id}/revisions` (and `?as_of=` on their reads)",
        Action::Read,
    ),
    (
        "statuses and the reporting cycle: `GET /api/v1/indicators/{id}/status`, \
         `/indicators/{id}/series`, `/goals/{id}/status`, `/department-goals/{id}/status`, \
         `/reporting-periods/{id}/overview`",
        Action::Read,
    ),
    ("the audit trail: `GET /api/v1/audit`", Action::ReadAudit),
];

/// The writes of many records at once and who besides admin may make them;
/// `docs/permissions.md` lists them.
pub const OPERATIONS: [(&str, &[(Role, Reach)]); 1] = [(
    "roll a plan period over into a new one (copies of its goal model as drafts): \
     `POST /api/v1/plan-periods/{id}/roll-over`",
    ROLL_OVER,
)];

/// The role matrix as Markdown: what `docs/permissions.md` holds.
pub fn matrix_markdown() -> String {
    let mut out = String::from(
        "# Who may do what\n\n\
         Generated from `src/rules/permissions.rs` by `malstyrning permissions`; a test fails when \
         this file differs.\n\n\
         A token names one organization, its `roles` and the `units` they apply to. A role's \
         **scope** is those units and every unit below them in the tree (a board's scope covers its \
         administrations and teams). Nothing of another organization is visible: its ids answer 404.\n\n\
         | kind | read |",
    );
    for role in Role::ALL {
        out.push_str(&format!(" write: `{role}` |"));
    }
    out.push_str("\n|---|---|");
    for _ in Role::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for kind in KINDS {
        let read = match read_action(kind) {
            Action::Read => "every role",
            _ => "admin",
        };
        out.push_str(&format!("| {} | {read} |", kind.noun()));
        for role in Role::ALL {
            out.push_str(&format!(" {} |", reach_cell(write_reach(&[*role], kind))));
        }
        out.push('\n');
    }
    out.push_str(
        "\n- **in scope**: a department goal whose owning board, an activity whose team, an \
         indicator whose owner unit, a measurement whose indicator's owner unit, or a follow-up \
         whose reporting unit is in the caller's scope; moving one out of the scope is refused \
         too. A token with such a role and no `units` writes nothing of that kind.\n\
         - Writes are create, change (PATCH), archive, unarchive and delete; a refused write is 403 \
         and changes nothing.\n\
         - A follow-up is changed and deleted only as a draft, and not at all once its reporting \
         period is closed (409).\n\n\
         Besides the records, who reads what (whatever the unit scope: a board reads every team's \
         activity plan; without a token 401, another organization's ids 404, a role not allowed \
         403):\n\n| read | ",
    );
    out.push_str(&roles_header(1));
    for (view, action) in VIEWS {
        out.push_str(&format!("| {view} |"));
        for role in Role::ALL {
            let cell = if allows(&[*role], action) {
                "yes"
            } else {
                "–"
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out.push_str(
        "\nWrites of many records at once, in one transaction with every record audited as a \
         create (a refused one is 403 and writes nothing; the Kolada import writes measurements \
         as the table above says):\n\n| write | ",
    );
    out.push_str(&roles_header(1));
    for (operation, table) in OPERATIONS {
        out.push_str(&format!("| {operation} |"));
        for role in Role::ALL {
            out.push_str(&format!(" {} |", reach_cell(reach_in(&[*role], table))));
        }
        out.push('\n');
    }
    out.push_str(
        "\n## Follow-up steps\n\n\
         `POST /api/v1/follow-ups/{id}/{step}`. For a department goal's follow-up, the board's \
         scope is the board that owns the department goal; for submitting, the scope is the \
         follow-up's reporting unit.\n\n\
         | step | from → to | goal of | ",
    );
    out.push_str(&roles_header(3));
    for step in FollowUpStep::ALL_STEPS {
        for of_department_goal in [false, true] {
            let (from, to) = step.states();
            let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
            let to = to.map_or("withdrawn (archived, with a reason)", |to| to.as_str());
            let goal = if of_department_goal {
                "department goal"
            } else {
                "overarching goal"
            };
            out.push_str(&format!(
                "| `{step}` | {} → {to} | {goal} |",
                from.join(", ")
            ));
            for role in Role::ALL {
                let reach = step_reach(&[*role], step, of_department_goal);
                out.push_str(&format!(" {} |", reach_cell(reach)));
            }
            out.push('\n');
        }
    }
    out
}

fn reach_cell(reach: Option<Reach>) -> &'static str {
    match reach {
        Some(Reach::Organization) => "yes",
        Some(Reach::Scope) => "in scope",
        None => "–",
    }
}

/// The role columns' titles and the separator row, after `leading` columns whose titles
/// the caller wrote.
fn roles_header(leading: usize) -> String {
    let mut out = String::new();
    for role in Role::ALL {
        out.push_str(&format!("`{role}` | "));
    }
    out = out.trim_end().to_string();
    out.push_str("\n|");
    for _ in 0..leading {
        out.push_str("---|");
    }
    for _ in Role::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn politicians_decide_what_and_staff_decide_how() {
        assert!(allows(&[Role::Council], Action::Write(Kind::Goal)));
        assert!(!allows(&[Role::TeamMember], Action::Write(Kind::Goal)));
        assert!(allows(&[Role::TeamMember], Action::Write(Kind::Activity)));
        assert!(!allows(&[Role::Viewer], Action::Write(Kind::Activity)));
        assert!(allows(&[Role::Viewer], Action::Read));
        assert!(!allows(&[], Action::Read));
        assert!(allows(&[Role::Admin], Action::Write(Kind::Unit)));
        assert!(!allows(&[Role::Council], Action::Write(Kind::Unit)));
        assert!(allows(&[Role::Admin], Action::Write(Kind::Contact)));
        assert!(!allows(&[Role::Manager], Action::Write(Kind::Contact)));
        assert_eq!(
            write_reach(&[Role::Board], Kind::DepartmentGoal),
            Some(Reach::Scope)
        );
        assert_eq!(
            write_reach(&[Role::Board, Role::Admin], Kind::DepartmentGoal),
            Some(Reach::Organization)
        );
        assert_eq!(
            write_reach(&[Role::Viewer, Role::Manager], Kind::Goal),
            None
        );
        assert!(allows(&[Role::Council], Action::RollOver));
        assert!(allows(&[Role::Admin], Action::RollOver));
        assert!(!allows(&[Role::Board, Role::Manager], Action::RollOver));
    }
}
