-- Webhooks: an admin subscribes a URL to event types ("goal.update", "goal.*", "*"); every
-- change in the feed that matches becomes a delivery, in the write's own transaction, and a
-- background worker sends it, signed, retrying with exponential backoff. Deliveries are rows,
-- so they survive a restart.
CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    description TEXT,
    active BOOLEAN NOT NULL,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (id, organization_id),
    UNIQUE (organization_id, external_id)
);
CREATE INDEX webhook_subscriptions_by_organization ON webhook_subscriptions (organization_id);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    change_seq BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (subscription_id, organization_id)
        REFERENCES webhook_subscriptions (id, organization_id) ON DELETE CASCADE,
    CHECK (state IN ('pending', 'delivered', 'failed')),
    CHECK (attempts >= 0)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, id);
