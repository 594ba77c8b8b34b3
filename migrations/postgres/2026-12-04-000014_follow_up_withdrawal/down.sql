ALTER TABLE follow_ups DROP COLUMN withdrawal_reason;
