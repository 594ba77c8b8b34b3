DELETE FROM revisions WHERE entity_type = 'indicator';
CREATE TABLE revisions_old (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    snapshot TEXT NOT NULL,
    changes TEXT NOT NULL,
    reason TEXT,
    decision_reference TEXT NOT NULL,
    decided_on DATE NOT NULL,
    decided_by_unit_id TEXT NOT NULL REFERENCES units (id),
    actor_subject TEXT NOT NULL,
    actor_name TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (entity_type, entity_id, number),
    CHECK (entity_type IN ('goal', 'department_goal', 'vision')),
    CHECK (number >= 1),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
INSERT INTO revisions_old SELECT * FROM revisions;
DROP TABLE revisions;
ALTER TABLE revisions_old RENAME TO revisions;
CREATE INDEX revisions_by_entity ON revisions (organization_id, entity_type, entity_id, number);
