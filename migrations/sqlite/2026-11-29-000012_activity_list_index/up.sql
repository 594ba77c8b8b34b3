-- Listing a board's or a team's activities by status reads the index alone until the page is
-- chosen (the status was read from every row of the teams before), and one team's list by
-- status comes out of the index in page order.
DROP INDEX activities_by_team;
CREATE INDEX activities_by_team ON activities (organization_id, team_id, status, id);
