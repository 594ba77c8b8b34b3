-- How many years after a year its statistics are published (emissions: one or two).
ALTER TABLE indicators ADD COLUMN publication_lag_years INTEGER NOT NULL DEFAULT 0
    CHECK (publication_lag_years BETWEEN 0 AND 5);
