ALTER TABLE follow_ups DROP COLUMN return_reason;
ALTER TABLE follow_ups DROP COLUMN decided_by_unit_id;
ALTER TABLE follow_ups DROP COLUMN decided_on;
ALTER TABLE follow_ups DROP COLUMN decision_reference;
ALTER TABLE follow_ups DROP COLUMN published_by_name;
ALTER TABLE follow_ups DROP COLUMN published_by;
ALTER TABLE follow_ups DROP COLUMN approved_by_name;
ALTER TABLE follow_ups DROP COLUMN approved_by;
