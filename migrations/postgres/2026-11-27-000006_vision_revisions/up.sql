-- The vision's life cycle, like a goal's: draft → adopted → retired, the deciding body (a
-- council) of the decision in force, and its revisions in the revisions table.
ALTER TABLE visions ADD COLUMN state TEXT NOT NULL DEFAULT 'draft'
    CHECK (state IN ('draft', 'adopted', 'retired'));
ALTER TABLE visions ADD COLUMN decided_by_unit_id TEXT REFERENCES units (id);

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

ALTER TABLE revisions DROP CONSTRAINT revisions_entity_type_check;
ALTER TABLE revisions ADD CONSTRAINT revisions_entity_type_check
    CHECK (entity_type IN ('goal', 'department_goal', 'vision'));
