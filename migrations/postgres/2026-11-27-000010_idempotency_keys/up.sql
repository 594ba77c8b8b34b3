-- Idempotency keys: what a POST sent with `Idempotency-Key` answered, kept so that a retry with
-- the same key gets the same answer instead of a second write. A key belongs to one caller
-- (the token's organization and subject). While the request runs the row is `in_progress`
-- without a response; when it has answered, `done` with the status, the headers that matter
-- (a JSON object) and the body. Rows past `expires_at` are pruned hourly.
CREATE TABLE idempotency_keys (
    organization_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    response_status INTEGER,
    response_headers TEXT,
    response_body BYTEA,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, subject, key),
    CHECK (state IN ('in_progress', 'done'))
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
