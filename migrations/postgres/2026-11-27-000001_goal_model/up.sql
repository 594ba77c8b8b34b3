-- The goal model: organizations, the unit tree, periods, vision, perspectives,
-- overarching goals, department goals and activities.
-- Composite foreign keys over (id, organization_id[, plan_period_id]) make the
-- database itself refuse references that cross organizations or plan periods; those over
-- (id, organization_id, kind) refuse a department goal whose owner is not a board and an
-- activity whose team is not a team (the *_kind columns are constants, not in the API).

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    municipality_code TEXT NOT NULL UNIQUE,
    external_id TEXT UNIQUE,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    CHECK (length(municipality_code) = 4)
);

CREATE TABLE units (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    parent_id TEXT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    short_code TEXT,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (id, organization_id),
    UNIQUE (id, organization_id, kind),
    UNIQUE (organization_id, external_id),
    FOREIGN KEY (parent_id, organization_id) REFERENCES units (id, organization_id),
    CHECK (parent_id IS NULL OR parent_id <> id),
    CHECK (kind IN ('municipality', 'council', 'board', 'administration', 'unit', 'team'))
);
CREATE INDEX units_by_parent ON units (organization_id, parent_id);

CREATE TABLE plan_periods (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (id, organization_id),
    UNIQUE (organization_id, external_id),
    CHECK (end_date >= start_date)
);

CREATE TABLE reporting_periods (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    plan_period_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    follow_up_deadline DATE,
    status TEXT NOT NULL,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (organization_id, external_id),
    FOREIGN KEY (plan_period_id, organization_id) REFERENCES plan_periods (id, organization_id),
    CHECK (end_date >= start_date),
    CHECK (kind IN ('month', 'quarter', 'tertial', 'interim_report', 'annual_report', 'other')),
    CHECK (status IN ('open', 'closed'))
);
CREATE INDEX reporting_periods_by_plan_period ON reporting_periods (plan_period_id);

CREATE TABLE visions (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    plan_period_id TEXT NOT NULL,
    vision TEXT NOT NULL,
    purpose TEXT NOT NULL,
    decision_reference TEXT,
    decided_on DATE,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (organization_id, plan_period_id),
    UNIQUE (organization_id, external_id),
    FOREIGN KEY (plan_period_id, organization_id) REFERENCES plan_periods (id, organization_id)
);

CREATE TABLE perspectives (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    plan_period_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    focus TEXT NOT NULL,
    position INTEGER NOT NULL,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (id, organization_id, plan_period_id),
    UNIQUE (organization_id, external_id),
    FOREIGN KEY (plan_period_id, organization_id) REFERENCES plan_periods (id, organization_id),
    CHECK (focus IN ('external', 'internal', 'both'))
);
CREATE INDEX perspectives_by_plan_period ON perspectives (plan_period_id);

CREATE TABLE goals (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    plan_period_id TEXT NOT NULL,
    perspective_id TEXT NOT NULL,
    owner_unit_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    footnotes TEXT NOT NULL,
    decision_reference TEXT,
    decided_on DATE,
    state TEXT NOT NULL,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (id, organization_id),
    UNIQUE (id, organization_id, plan_period_id),
    UNIQUE (organization_id, plan_period_id, number),
    UNIQUE (organization_id, external_id),
    FOREIGN KEY (perspective_id, organization_id, plan_period_id)
        REFERENCES perspectives (id, organization_id, plan_period_id),
    FOREIGN KEY (owner_unit_id, organization_id) REFERENCES units (id, organization_id),
    CHECK (number > 0),
    CHECK (state IN ('draft', 'adopted', 'retired'))
);
CREATE INDEX goals_by_plan_period ON goals (organization_id, plan_period_id);

CREATE TABLE department_goals (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    plan_period_id TEXT NOT NULL,
    goal_id TEXT NOT NULL,
    owner_unit_id TEXT NOT NULL,
    owner_kind TEXT NOT NULL DEFAULT 'board' CHECK (owner_kind = 'board'),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    footnotes TEXT NOT NULL,
    decision_reference TEXT,
    decided_on DATE,
    state TEXT NOT NULL,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (id, organization_id),
    UNIQUE (organization_id, owner_unit_id, plan_period_id, number),
    UNIQUE (organization_id, external_id),
    FOREIGN KEY (goal_id, organization_id, plan_period_id)
        REFERENCES goals (id, organization_id, plan_period_id),
    FOREIGN KEY (owner_unit_id, organization_id, owner_kind) REFERENCES units (id, organization_id, kind),
    CHECK (number > 0),
    CHECK (state IN ('draft', 'adopted', 'retired'))
);
CREATE INDEX department_goals_by_goal ON department_goals (goal_id);
CREATE INDEX department_goals_by_owner ON department_goals (owner_unit_id);

CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    team_id TEXT NOT NULL,
    team_kind TEXT NOT NULL DEFAULT 'team' CHECK (team_kind = 'team'),
    goal_id TEXT,
    department_goal_id TEXT,
    title TEXT NOT NULL,
    description TEXT,
    responsible TEXT,
    due_date DATE,
    status TEXT NOT NULL,
    done_on DATE,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (organization_id, external_id),
    FOREIGN KEY (team_id, organization_id, team_kind) REFERENCES units (id, organization_id, kind),
    FOREIGN KEY (goal_id, organization_id) REFERENCES goals (id, organization_id),
    FOREIGN KEY (department_goal_id, organization_id) REFERENCES department_goals (id, organization_id),
    CHECK ((goal_id IS NULL AND department_goal_id IS NOT NULL)
        OR (goal_id IS NOT NULL AND department_goal_id IS NULL)),
    CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
    CHECK ((status = 'done' AND done_on IS NOT NULL) OR (status <> 'done' AND done_on IS NULL))
);
CREATE INDEX activities_by_team ON activities (organization_id, team_id);
CREATE INDEX activities_by_goal ON activities (goal_id);
CREATE INDEX activities_by_department_goal ON activities (department_goal_id);
