ALTER TABLE indicators DROP COLUMN year_to_date;
DELETE FROM measurements WHERE kind = 'forecast';
CREATE TABLE measurements_outcomes (
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
INSERT INTO measurements_outcomes SELECT id, organization_id, indicator_id, period,
    period_start, period_end, value, value_women, value_men, missing, note, source,
    recorded_by, recorded_by_name, provenance, imported_at, external_id, archived_at,
    created_at, updated_at, version
FROM measurements;
DROP TABLE measurements;
ALTER TABLE measurements_outcomes RENAME TO measurements;
CREATE INDEX measurements_by_indicator ON measurements (indicator_id, period_end);
