-- A measurement is an outcome (utfall) or a full-year forecast (helårsprognos): one of each
-- per indicator and period. SQLite cannot drop a table's UNIQUE, so the table is rebuilt.
CREATE TABLE measurements_kinds (
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
    kind TEXT NOT NULL DEFAULT 'outcome',
    UNIQUE (indicator_id, period, kind),
    UNIQUE (organization_id, external_id),
    FOREIGN KEY (indicator_id, organization_id) REFERENCES indicators (id, organization_id),
    CHECK ((missing AND value IS NULL) OR (NOT missing AND value IS NOT NULL)),
    CHECK (period_end >= period_start),
    CHECK (source IN ('manual', 'survey', 'kolada')),
    CHECK (kind IN ('outcome', 'forecast'))
);
INSERT INTO measurements_kinds (id, organization_id, indicator_id, period, period_start,
    period_end, value, value_women, value_men, missing, note, source, recorded_by,
    recorded_by_name, provenance, imported_at, external_id, archived_at, created_at,
    updated_at, version, kind)
SELECT id, organization_id, indicator_id, period, period_start, period_end, value,
    value_women, value_men, missing, note, source, recorded_by, recorded_by_name, provenance,
    imported_at, external_id, archived_at, created_at, updated_at, version, 'outcome'
FROM measurements;
DROP TABLE measurements;
ALTER TABLE measurements_kinds RENAME TO measurements;
CREATE INDEX measurements_by_indicator ON measurements (indicator_id, period_end);

-- How an indicator's year-to-date outcome compares with an annual target.
ALTER TABLE indicators ADD COLUMN year_to_date TEXT NOT NULL DEFAULT 'not_comparable'
    CHECK (year_to_date IN ('not_comparable', 'as_is', 'pro_rata'));
