-- Follow-up: indicators on goals and department goals (targets, thresholds, source),
-- their measured values per period, and the follow-ups made per reporting period.
-- Composite foreign keys over (id, organization_id) keep every reference inside one
-- organization, as in the goal model; reporting periods get the unique key that needs.

CREATE UNIQUE INDEX reporting_periods_by_id_and_organization ON reporting_periods (id, organization_id);

CREATE TABLE indicators (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    goal_id TEXT,
    department_goal_id TEXT,
    owner_unit_id TEXT,
    name TEXT NOT NULL,
    description TEXT,
    unit_of_measure TEXT NOT NULL,
    direction TEXT NOT NULL,
    baseline_value DOUBLE PRECISION,
    baseline_period TEXT,
    targets TEXT NOT NULL,
    yellow_tolerance DOUBLE PRECISION NOT NULL,
    tolerance_unit TEXT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    kolada_kpi TEXT,
    kolada_municipality TEXT,
    kolada_ou TEXT,
    update_frequency TEXT NOT NULL,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (id, organization_id),
    UNIQUE (organization_id, external_id),
    FOREIGN KEY (goal_id, organization_id) REFERENCES goals (id, organization_id),
    FOREIGN KEY (department_goal_id, organization_id) REFERENCES department_goals (id, organization_id),
    FOREIGN KEY (owner_unit_id, organization_id) REFERENCES units (id, organization_id),
    CHECK ((goal_id IS NULL AND department_goal_id IS NOT NULL)
        OR (goal_id IS NOT NULL AND department_goal_id IS NULL)),
    CHECK (direction IN ('higher_is_better', 'lower_is_better', 'target_range')),
    CHECK (tolerance_unit IN ('absolute', 'percent')),
    CHECK (yellow_tolerance >= 0),
    CHECK (weight >= 0),
    CHECK (source IN ('manual', 'survey', 'kolada')),
    CHECK (source <> 'kolada' OR kolada_kpi IS NOT NULL),
    CHECK (update_frequency IN ('monthly', 'quarterly', 'tertially', 'half_yearly', 'yearly'))
);
CREATE INDEX indicators_by_goal ON indicators (goal_id);
CREATE INDEX indicators_by_department_goal ON indicators (department_goal_id);
CREATE INDEX indicators_by_kolada_kpi ON indicators (organization_id, kolada_kpi);

CREATE TABLE measurements (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    indicator_id TEXT NOT NULL,
    period TEXT NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    value DOUBLE PRECISION,
    value_women DOUBLE PRECISION,
    value_men DOUBLE PRECISION,
    missing BOOLEAN NOT NULL,
    note TEXT,
    source TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_by_name TEXT,
    provenance TEXT,
    imported_at TIMESTAMP,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (indicator_id, period),
    UNIQUE (organization_id, external_id),
    FOREIGN KEY (indicator_id, organization_id) REFERENCES indicators (id, organization_id),
    CHECK ((missing AND value IS NULL) OR (NOT missing AND value IS NOT NULL)),
    CHECK (period_end >= period_start),
    CHECK (source IN ('manual', 'survey', 'kolada'))
);
CREATE INDEX measurements_by_indicator ON measurements (indicator_id, period_end);

CREATE TABLE follow_ups (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    reporting_period_id TEXT NOT NULL,
    goal_id TEXT,
    department_goal_id TEXT,
    reporting_unit_id TEXT NOT NULL,
    assessment TEXT NOT NULL,
    analysis TEXT,
    planned_measures TEXT,
    proposed_revision TEXT,
    state TEXT NOT NULL,
    author_subject TEXT NOT NULL,
    author_name TEXT,
    submitted_at TIMESTAMP,
    approved_at TIMESTAMP,
    published_at TIMESTAMP,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (reporting_period_id, goal_id, reporting_unit_id),
    UNIQUE (reporting_period_id, department_goal_id, reporting_unit_id),
    UNIQUE (organization_id, external_id),
    FOREIGN KEY (reporting_period_id, organization_id) REFERENCES reporting_periods (id, organization_id),
    FOREIGN KEY (goal_id, organization_id) REFERENCES goals (id, organization_id),
    FOREIGN KEY (department_goal_id, organization_id) REFERENCES department_goals (id, organization_id),
    FOREIGN KEY (reporting_unit_id, organization_id) REFERENCES units (id, organization_id),
    CHECK ((goal_id IS NULL AND department_goal_id IS NOT NULL)
        OR (goal_id IS NOT NULL AND department_goal_id IS NULL)),
    CHECK (assessment IN ('achieved', 'partly_achieved', 'not_achieved', 'not_assessed')),
    CHECK (state IN ('draft', 'submitted', 'approved', 'published'))
);
CREATE INDEX follow_ups_by_reporting_period ON follow_ups (organization_id, reporting_period_id);
CREATE INDEX follow_ups_by_goal ON follow_ups (goal_id);
CREATE INDEX follow_ups_by_department_goal ON follow_ups (department_goal_id);
