DELETE FROM revisions WHERE entity_type = 'vision';
ALTER TABLE revisions DROP CONSTRAINT revisions_entity_type_check;
ALTER TABLE revisions ADD CONSTRAINT revisions_entity_type_check
    CHECK (entity_type IN ('goal', 'department_goal'));
ALTER TABLE visions DROP COLUMN decided_by_unit_id;
ALTER TABLE visions DROP COLUMN state;
