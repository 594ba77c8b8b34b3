DROP TABLE follow_ups;
DROP TABLE measurements;
DROP TABLE indicators;
DROP INDEX reporting_periods_by_id_and_organization;
