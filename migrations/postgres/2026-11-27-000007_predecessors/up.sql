-- Rolling a plan period over copies its vision, perspectives, goals, department goals,
-- indicators and open activities into the next one; each copy names the record it was
-- copied from. A composite foreign key over (id, organization_id), as everywhere in the
-- goal model, keeps that link inside one organization; the tables that had no such key
-- get one. A record that has a successor cannot be deleted (archive it instead).

ALTER TABLE visions ADD CONSTRAINT visions_id_organization_id_key UNIQUE (id, organization_id);
ALTER TABLE perspectives ADD CONSTRAINT perspectives_id_organization_id_key UNIQUE (id, organization_id);
ALTER TABLE activities ADD CONSTRAINT activities_id_organization_id_key UNIQUE (id, organization_id);

ALTER TABLE visions ADD COLUMN predecessor_id TEXT,
    ADD FOREIGN KEY (predecessor_id, organization_id) REFERENCES visions (id, organization_id),
    ADD CHECK (predecessor_id <> id);
ALTER TABLE perspectives ADD COLUMN predecessor_id TEXT,
    ADD FOREIGN KEY (predecessor_id, organization_id) REFERENCES perspectives (id, organization_id),
    ADD CHECK (predecessor_id <> id);
ALTER TABLE goals ADD COLUMN predecessor_id TEXT,
    ADD FOREIGN KEY (predecessor_id, organization_id) REFERENCES goals (id, organization_id),
    ADD CHECK (predecessor_id <> id);
ALTER TABLE department_goals ADD COLUMN predecessor_id TEXT,
    ADD FOREIGN KEY (predecessor_id, organization_id) REFERENCES department_goals (id, organization_id),
    ADD CHECK (predecessor_id <> id);
ALTER TABLE indicators ADD COLUMN predecessor_id TEXT,
    ADD FOREIGN KEY (predecessor_id, organization_id) REFERENCES indicators (id, organization_id),
    ADD CHECK (predecessor_id <> id);
ALTER TABLE activities ADD COLUMN predecessor_id TEXT,
    ADD FOREIGN KEY (predecessor_id, organization_id) REFERENCES activities (id, organization_id),
    ADD CHECK (predecessor_id <> id);

-- Deleting a record looks for successors that still name it.
CREATE INDEX visions_by_predecessor ON visions (predecessor_id);
CREATE INDEX perspectives_by_predecessor ON perspectives (predecessor_id);
CREATE INDEX goals_by_predecessor ON goals (predecessor_id);
CREATE INDEX department_goals_by_predecessor ON department_goals (predecessor_id);
CREATE INDEX indicators_by_predecessor ON indicators (predecessor_id);
CREATE INDEX activities_by_predecessor ON activities (predecessor_id);
