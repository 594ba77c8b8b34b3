ALTER TABLE indicators DROP COLUMN publication_lag_years;
