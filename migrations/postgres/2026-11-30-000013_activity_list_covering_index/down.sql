DROP INDEX activities_by_team;
CREATE INDEX activities_by_team ON activities (organization_id, team_id, status, id);
