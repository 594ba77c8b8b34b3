-- Who approved and who published a follow-up, the council's decision that published it,
-- and why it was last returned.
ALTER TABLE follow_ups ADD COLUMN approved_by TEXT;
ALTER TABLE follow_ups ADD COLUMN approved_by_name TEXT;
ALTER TABLE follow_ups ADD COLUMN published_by TEXT;
ALTER TABLE follow_ups ADD COLUMN published_by_name TEXT;
ALTER TABLE follow_ups ADD COLUMN decision_reference TEXT;
ALTER TABLE follow_ups ADD COLUMN decided_on DATE;
ALTER TABLE follow_ups ADD COLUMN decided_by_unit_id TEXT;
ALTER TABLE follow_ups ADD COLUMN return_reason TEXT;
