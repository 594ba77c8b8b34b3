-- A list of activities by teams and status (a board's or a team's list) finds its page
-- from this index alone: `archived_at` joins it so that hiding archived activities needs no
-- row, and only the page's rows are then read.
DROP INDEX activities_by_team;
CREATE INDEX activities_by_team ON activities (organization_id, team_id, status, archived_at, id);
