-- A measurement is an outcome (utfall) or a full-year forecast (helårsprognos): one of each
-- per indicator and period.
ALTER TABLE measurements ADD COLUMN kind TEXT NOT NULL DEFAULT 'outcome'
    CHECK (kind IN ('outcome', 'forecast'));
ALTER TABLE measurements DROP CONSTRAINT measurements_indicator_id_period_key;
ALTER TABLE measurements ADD CONSTRAINT measurements_indicator_id_period_kind_key
    UNIQUE (indicator_id, period, kind);

-- How an indicator's year-to-date outcome compares with an annual target.
ALTER TABLE indicators ADD COLUMN year_to_date TEXT NOT NULL DEFAULT 'not_comparable'
    CHECK (year_to_date IN ('not_comparable', 'as_is', 'pro_rata'));
