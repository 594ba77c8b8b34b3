//! Who may do what. One table, checked by `Caller::require`; the unit scoping of the
//! full role matrix builds on this.

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
}

impl Kind {
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
}

impl Action {
    pub fn describe(&self) -> String {
        match self {
            Action::Read => "reading this organization's data".to_string(),
            Action::Write(kind) => format!("changing {}s", kind.noun()),
            Action::ReadAudit => "reading the audit trail".to_string(),
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
        | Kind::Contact => &[],
        Kind::Vision | Kind::Perspective | Kind::Goal => &[(Role::Council, Reach::Organization)],
        Kind::DepartmentGoal => &[(Role::Board, Reach::Scope)],
        Kind::Activity => &[
            (Role::Manager, Reach::Scope),
            (Role::TeamMember, Reach::Scope),
        ],
    }
}

/// How far the caller's roles let it write a kind: `None` is not at all.
pub fn write_reach(roles: &[Role], kind: Kind) -> Option<Reach> {
    if roles.contains(&Role::Admin) {
        return Some(Reach::Organization);
    }
    let reaches = writers(kind)
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
    }
}

/// Every kind, in the order the matrix lists them.
pub const KINDS: [Kind; 10] = [
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
];

/// The reads beyond a record's own GET and list, and the action each needs (what their
/// handlers `require`); `docs/permissions.md` lists them.
pub const VIEWS: [(&str, Action); 4] = [
    (
        "a team's activity plan, JSON or CSV: `GET /api/v1/units/{id}/activity-plan`",
        Action::Read,
    ),
    (
        "a plan period's goal tree: `GET /api/v1/plan-periods/{id}/goal-tree`",
        Action::Read,
    ),
    (
        "the revisions of a goal, department goal or vision: `GET /api/v1/goals/{id}/revisions`, \
         `/department-goals/{id}/revisions`, `/visions/{id}/revisions` (and `?as_of=` on their reads)",
        Action::Read,
    ),
    ("the audit trail: `GET /api/v1/audit`", Action::ReadAudit),
];

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
        out.push_str(&format!("| {} | every role |", kind.noun()));
        for role in Role::ALL {
            let cell = match write_reach(&[*role], kind) {
                Some(Reach::Organization) => "yes",
                Some(Reach::Scope) => "in scope",
                None => "–",
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out.push_str(
        "\n- **in scope**: a department goal whose owning board, or an activity whose team, is in \
         the caller's scope; moving one out of the scope is refused too. A token with such a role \
         and no `units` writes nothing of that kind.\n\
         - Writes are create, change (PATCH), archive, unarchive and delete; a refused write is 403 \
         and changes nothing.\n\n\
         Besides the records, who reads what (whatever the unit scope: a board reads every team's \
         activity plan; without a token 401, another organization's ids 404, a role not allowed \
         403):\n\n| read |",
    );
    for role in Role::ALL {
        out.push_str(&format!(" `{role}` |"));
    }
    out.push_str("\n|---|");
    for _ in Role::ALL {
        out.push_str("---|");
    }
    out.push('\n');
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
    }
}
