DELETE FROM revisions WHERE entity_type = 'indicator';
ALTER TABLE revisions DROP CONSTRAINT revisions_entity_type_check;
ALTER TABLE revisions ADD CONSTRAINT revisions_entity_type_check
    CHECK (entity_type IN ('goal', 'department_goal', 'vision'));
