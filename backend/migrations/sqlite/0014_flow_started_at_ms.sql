-- The start of a flow in milliseconds, so the `flow ended` log line's duration is exact
-- (`created_at` is in seconds). Older rows keep it NULL and fall back to `created_at`.

ALTER TABLE oauth_flows ADD COLUMN started_at_ms INTEGER;
