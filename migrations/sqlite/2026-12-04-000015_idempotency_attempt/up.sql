-- Which attempt holds a key's claim: a retry takes over a claim whose lease ran out, and
-- only the attempt holding it may store the answer (in its write's transaction).
ALTER TABLE idempotency_keys ADD COLUMN attempt TEXT NOT NULL DEFAULT '';
