-- A connection's health (SPEC §11): why its status is what it is and since when, how its
-- last refresh went, the back-off of a failing refresh (`next_refresh_at`), and when its
-- credentials expire (`credentials_expires_at`, in clear: the proactive refresher finds
-- connections about to expire without opening their sealed credentials).

ALTER TABLE connections ADD COLUMN status_reason TEXT;
ALTER TABLE connections ADD COLUMN status_changed_at BIGINT;
ALTER TABLE connections ADD COLUMN last_refresh_at BIGINT;
ALTER TABLE connections ADD COLUMN last_refresh_error TEXT;
ALTER TABLE connections ADD COLUMN refresh_failing_since BIGINT;
ALTER TABLE connections ADD COLUMN refresh_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN next_refresh_at BIGINT;
ALTER TABLE connections ADD COLUMN credentials_expires_at BIGINT;

CREATE INDEX connections_expiry ON connections (credentials_expires_at);

-- The last status transitions of each connection, newest last.
CREATE TABLE connection_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_ref BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    at             BIGINT NOT NULL,
    from_status    TEXT   NOT NULL,
    to_status      TEXT   NOT NULL,
    reason         TEXT
);

CREATE INDEX connection_events_connection ON connection_events (connection_ref, id);
