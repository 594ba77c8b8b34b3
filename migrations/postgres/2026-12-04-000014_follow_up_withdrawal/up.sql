-- A withdrawn follow-up: archived by the body that approved it, with the reason it gave.
ALTER TABLE follow_ups ADD COLUMN withdrawal_reason TEXT;
