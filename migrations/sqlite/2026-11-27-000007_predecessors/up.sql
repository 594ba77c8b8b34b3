-- Rolling a plan period over copies its vision, perspectives, goals, department goals,
-- indicators and open activities into the next one; each copy names the record it was
-- copied from. SQLite cannot add a composite foreign key to an existing table, so the
-- column references the id alone (which also refuses deleting a record that has a
-- successor: archive it instead) and triggers keep the link inside one organization,
-- as the composite keys do elsewhere. A trigger's refusal is a bug, never user input:
-- only the roll-over sets the column.

ALTER TABLE visions ADD COLUMN predecessor_id TEXT REFERENCES visions (id)
    CHECK (predecessor_id <> id);
ALTER TABLE perspectives ADD COLUMN predecessor_id TEXT REFERENCES perspectives (id)
    CHECK (predecessor_id <> id);
ALTER TABLE goals ADD COLUMN predecessor_id TEXT REFERENCES goals (id)
    CHECK (predecessor_id <> id);
ALTER TABLE department_goals ADD COLUMN predecessor_id TEXT REFERENCES department_goals (id)
    CHECK (predecessor_id <> id);
ALTER TABLE indicators ADD COLUMN predecessor_id TEXT REFERENCES indicators (id)
    CHECK (predecessor_id <> id);
ALTER TABLE activities ADD COLUMN predecessor_id TEXT REFERENCES activities (id)
    CHECK (predecessor_id <> id);

CREATE TRIGGER visions_predecessor_insert BEFORE INSERT ON visions
WHEN NEW.predecessor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM visions p WHERE p.id = NEW.predecessor_id AND p.organization_id = NEW.organization_id)
BEGIN
    SELECT RAISE(ABORT, 'a predecessor must be of the same organization');
END;
CREATE TRIGGER visions_predecessor_update BEFORE UPDATE OF predecessor_id, organization_id ON visions
WHEN NEW.predecessor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM visions p WHERE p.id = NEW.predecessor_id AND p.organization_id = NEW.organization_id)
BEGIN
    SELECT RAISE(ABORT, 'a predecessor must be of the same organization');
END;
CREATE TRIGGER perspectives_predecessor_insert BEFORE INSERT ON perspectives
WHEN NEW.predecessor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM perspectives p WHERE p.id = NEW.predecessor_id AND p.organization_id = NEW.organization_id)
BEGIN
    SELECT RAISE(ABORT, 'a predecessor must be of the same organization');
END;
CREATE TRIGGER perspectives_predecessor_update BEFORE UPDATE OF predecessor_id, organization_id ON perspectives
WHEN NEW.predecessor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM perspectives p WHERE p.id = NEW.predecessor_id AND p.organization_id = NEW.organization_id)
BEGIN
    SELECT RAISE(ABORT, 'a predecessor must be of the same organization');
END;
CREATE TRIGGER goals_predecessor_insert BEFORE INSERT ON goals
WHEN NEW.predecessor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM goals p WHERE p.id = NEW.predecessor_id AND p.organization_id = NEW.organization_id)
BEGIN
    SELECT RAISE(ABORT, 'a predecessor must be of the same organization');
END;
CREATE TRIGGER goals_predecessor_update BEFORE UPDATE OF predecessor_id, organization_id ON goals
WHEN NEW.predecessor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM goals p WHERE p.id = NEW.predecessor_id AND p.organization_id = NEW.organization_id)
BEGIN
    SELECT RAISE(ABORT, 'a predecessor must be of the same organization');
END;
CREATE TRIGGER department_goals_predecessor_insert BEFORE INSERT ON department_goals
WHEN NEW.predecessor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM department_goals p WHERE p.id = NEW.predecessor_id AND p.organization_id = NEW.organization_id)
BEGIN
    SELECT RAISE(ABORT, 'a predecessor must be of the same organization');
END;
CREATE TRIGGER department_goals_predecessor_update BEFORE UPDATE OF predecessor_id, organization_id ON department_goals
WHEN NEW.predecessor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM department_goals p WHERE p.id = NEW.predecessor_id AND p.organization_id = NEW.organization_id)
BEGIN
    SELECT RAISE(ABORT, 'a predecessor must be of the same organization');
END;
CREATE TRIGGER indicators_predecessor_insert BEFORE INSERT ON indicators
WHEN NEW.predecessor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM indicators p WHERE p.id = NEW.predecessor_id AND p.organization_id = NEW.organization_id)
BEGIN
    SELECT RAISE(ABORT, 'a predecessor must be of the same organization');
END;
CREATE TRIGGER indicators_predecessor_update BEFORE UPDATE OF predecessor_id, organization_id ON indicators
WHEN NEW.predecessor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM indicators p WHERE p.id = NEW.predecessor_id AND p.organization_id = NEW.organization_id)
BEGIN
    SELECT RAISE(ABORT, 'a predecessor must be of the same organization');
END;
CREATE TRIGGER activities_predecessor_insert BEFORE INSERT ON activities
WHEN NEW.predecessor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM activities p WHERE p.id = NEW.predecessor_id AND p.organization_id = NEW.organization_id)
BEGIN
    SELECT RAISE(ABORT, 'a predecessor must be of the same organization');
END;
CREATE TRIGGER activities_predecessor_update BEFORE UPDATE OF predecessor_id, organization_id ON activities
WHEN NEW.predecessor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM activities p WHERE p.id = NEW.predecessor_id AND p.organization_id = NEW.organization_id)
BEGIN
    SELECT RAISE(ABORT, 'a predecessor must be of the same organization');
END;

-- Deleting a record looks for successors that still name it.
CREATE INDEX visions_by_predecessor ON visions (predecessor_id);
CREATE INDEX perspectives_by_predecessor ON perspectives (predecessor_id);
CREATE INDEX goals_by_predecessor ON goals (predecessor_id);
CREATE INDEX department_goals_by_predecessor ON department_goals (predecessor_id);
CREATE INDEX indicators_by_predecessor ON indicators (predecessor_id);
CREATE INDEX activities_by_predecessor ON activities (predecessor_id);
