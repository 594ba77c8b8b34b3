-- The change feed (an outbox): one row per create, update, archive, unarchive or delete of a
-- resource, written in the write's own transaction, numbered in commit order. Unlike the
-- audit trail it carries no actor, and old rows are pruned after the retention period; the
-- horizon remembers, per organization, the last number pruned, so a consumer whose cursor is
-- older can be told (410) rather than silently miss changes.
CREATE TABLE changes (
    seq BIGSERIAL PRIMARY KEY,
    organization_id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    state TEXT,
    CHECK (action IN ('create', 'update', 'archive', 'unarchive', 'delete'))
);
CREATE INDEX changes_by_organization ON changes (organization_id, seq);
CREATE INDEX changes_by_time ON changes (occurred_at);

CREATE TABLE change_horizons (
    organization_id TEXT PRIMARY KEY,
    pruned_through BIGINT NOT NULL
);
