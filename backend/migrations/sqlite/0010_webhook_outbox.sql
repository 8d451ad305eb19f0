-- The webhook outbox (SPEC §12): every auth event waiting for delivery, delivered or given up,
-- and each attempt to deliver it. Times here are unix MILLISECONDS (back-off and Retry-After
-- work below the second). Keep the columns identical to migrations/postgres/0010.

CREATE TABLE webhook_events (
    -- Insertion order: the order of a connection's events.
    seq                    INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The stable event id (UUIDv4), sent as `Nango-Webhook-Id` on every attempt.
    id                     TEXT    NOT NULL UNIQUE,
    environment_id         BIGINT  NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    -- NULL for test events (`POST /webhooks/test`).
    integration_key        TEXT,
    connection_id          TEXT,
    -- Chosen when the event was written: the connection's override, else the environment's URL.
    url                    TEXT    NOT NULL,
    body                   TEXT    NOT NULL,
    -- pending | delivered | failed
    status                 TEXT    NOT NULL DEFAULT 'pending',
    attempts               BIGINT  NOT NULL DEFAULT 0,
    -- `attempts` when the event was last replayed: the back-off counts the attempts since.
    attempts_before_replay BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at        BIGINT  NOT NULL,
    -- Retries stop after this time (the ~24 h window, from creation or the last replay).
    retry_until            BIGINT  NOT NULL,
    -- The worker delivering it right now, until when.
    lease_holder           TEXT,
    lease_until            BIGINT,
    last_error             TEXT,
    created_at             BIGINT  NOT NULL,
    finished_at            BIGINT
);

-- The worker's claim: pending events by due time; and "an older pending event of the same
-- connection" (order per connection).
CREATE INDEX webhook_events_due ON webhook_events (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_events_pending_connection
    ON webhook_events (environment_id, integration_key, connection_id, seq) WHERE status = 'pending';
-- The deliveries list, newest first, per environment and per connection.
CREATE INDEX webhook_events_env_seq ON webhook_events (environment_id, seq);
CREATE INDEX webhook_events_env_connection_seq ON webhook_events (environment_id, connection_id, seq);
-- Purging finished events.
CREATE INDEX webhook_events_finished_at ON webhook_events (finished_at);

CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_seq    BIGINT  NOT NULL REFERENCES webhook_events (seq) ON DELETE CASCADE,
    attempted_at BIGINT  NOT NULL,
    -- The receiver's HTTP status; NULL when none came (network error, time-out).
    status_code  BIGINT,
    latency_ms   BIGINT  NOT NULL,
    -- What went wrong, without the URL (its path may hold a token) and without any secret.
    error        TEXT
);

CREATE INDEX webhook_attempts_event ON webhook_attempts (event_seq, id);
