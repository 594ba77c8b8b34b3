-- The targets of an adopted goal's indicators are in force by decision: their revisions go in
-- the revisions table.
ALTER TABLE revisions DROP CONSTRAINT revisions_entity_type_check;
ALTER TABLE revisions ADD CONSTRAINT revisions_entity_type_check
    CHECK (entity_type IN ('goal', 'department_goal', 'vision', 'indicator'));
