DROP TABLE revisions;
ALTER TABLE department_goals DROP COLUMN decided_by_unit_id;
ALTER TABLE goals DROP COLUMN decided_by_unit_id;
