ALTER TABLE indicators DROP COLUMN year_to_date;
DELETE FROM measurements WHERE kind = 'forecast';
ALTER TABLE measurements DROP CONSTRAINT measurements_indicator_id_period_kind_key;
ALTER TABLE measurements ADD CONSTRAINT measurements_indicator_id_period_key
    UNIQUE (indicator_id, period);
ALTER TABLE measurements DROP COLUMN kind;
