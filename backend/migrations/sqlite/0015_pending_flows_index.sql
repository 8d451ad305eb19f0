-- The per-environment cap on unfinished flows (SPEC §13 "Limits") counts them on every
-- `/oauth/connect`. Through `oauth_flows_expires_at` that count visited every flow of the last
-- flow lifetime (finished ones too), so each new flow cost more than the one before it under
-- load (`cargo xtask bench`, BENCHMARKS.md). This index holds only the unfinished ones.
CREATE INDEX oauth_flows_pending ON oauth_flows (environment_id, expires_at)
    WHERE outcome_status = 'pending' AND consumed_at IS NULL;
