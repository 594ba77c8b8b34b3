-- The vision's life cycle, like a goal's: draft → adopted → retired, the deciding body (a
-- council) of the decision in force, and its revisions in the revisions table.
ALTER TABLE visions ADD COLUMN state TEXT NOT NULL DEFAULT 'draft'
    CHECK (state IN ('draft', 'adopted', 'retired'));
ALTER TABLE visions ADD COLUMN decided_by_unit_id TEXT;

-- A vision with its decision was adopted; where the organization has one council, that
-- council decided it.
UPDATE visions SET state = 'adopted'
    WHERE decision_reference IS NOT NULL AND decided_on IS NOT NULL;
UPDATE visions SET decided_by_unit_id = (
        SELECT MIN(u.id) FROM units u
        WHERE u.organization_id = visions.organization_id AND u.kind = 'council')
    WHERE state = 'adopted'
      AND (SELECT COUNT(*) FROM units u
           WHERE u.organization_id = visions.organization_id AND u.kind = 'council') = 1;

-- SQLite cannot change a CHECK in place: the revisions table is rebuilt with 'vision'
-- allowed, keeping its rows and index (it has no triggers, and no table references it).
CREATE TABLE revisions_new (
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
INSERT INTO revisions_new SELECT * FROM revisions;
DROP TABLE revisions;
ALTER TABLE revisions_new RENAME TO revisions;
CREATE INDEX revisions_by_entity ON revisions (organization_id, entity_type, entity_id, number);
