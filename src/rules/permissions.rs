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

/// The roles that may write each kind (admin may write everything).
fn writers(kind: Kind) -> &'static [Role] {
    match kind {
        Kind::Organization | Kind::Unit | Kind::PlanPeriod | Kind::ReportingPeriod => &[],
        Kind::Vision | Kind::Perspective | Kind::Goal => &[Role::Council],
        Kind::DepartmentGoal => &[Role::Board],
        Kind::Activity => &[Role::Manager, Role::TeamMember],
    }
}

pub fn allows(roles: &[Role], action: Action) -> bool {
    match action {
        Action::Read => !roles.is_empty(),
        Action::ReadAudit => roles.contains(&Role::Admin),
        Action::Write(kind) => roles
            .iter()
            .any(|role| *role == Role::Admin || writers(kind).contains(role)),
    }
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
    }
}
