-- The audit trail: one entry per write, in the same transaction as the write.
-- Append-only: the database itself refuses to change or delete an entry. No foreign key
-- to organizations, so that the trail outlives what it describes.
CREATE TABLE audit_entries (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_subject TEXT NOT NULL,
    actor_name TEXT,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before TEXT,
    after TEXT,
    request_id TEXT,
    CHECK (action IN ('create', 'update', 'archive', 'unarchive', 'delete'))
);
CREATE INDEX audit_entries_by_entity ON audit_entries (organization_id, entity_type, entity_id);
CREATE INDEX audit_entries_by_actor ON audit_entries (organization_id, actor_subject);

CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;
