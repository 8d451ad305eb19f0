-- Connect sessions (SPEC §7): short-lived tokens the app's backend mints for one end user.
-- Only the token's SHA-256 is stored. JSON is stored as text.

CREATE TABLE connect_sessions (
    token_hash                   TEXT   PRIMARY KEY NOT NULL,
    environment_id               BIGINT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    end_user                     TEXT,
    organization                 TEXT,
    tags                         TEXT   NOT NULL DEFAULT '{}',
    allowed_integrations         TEXT   NOT NULL DEFAULT '[]',
    integrations_config_defaults TEXT   NOT NULL DEFAULT '{}',
    -- The id a flow of this session uses: pinned by the backend, or the reconnected one.
    connection_id                TEXT,
    -- For a reconnect session: the integration of that connection.
    reconnect_integration        TEXT,
    webhook_url_override         TEXT,
    created_at                   BIGINT NOT NULL,
    expires_at                   BIGINT NOT NULL
);

CREATE INDEX connect_sessions_expires_at ON connect_sessions (expires_at);
