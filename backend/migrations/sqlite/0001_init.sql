-- Initial schema (SQLite). Timestamps are unix seconds; JSON is stored as text.
-- Keep the columns identical to migrations/postgres/0001_init.sql.

CREATE TABLE environments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    secret_key      TEXT    NOT NULL UNIQUE,
    public_key      TEXT    NOT NULL UNIQUE,
    callback_url    TEXT,
    hmac_enabled    BOOLEAN NOT NULL DEFAULT FALSE,
    hmac_key        TEXT,
    webhook_url     TEXT,
    allowed_origins TEXT    NOT NULL DEFAULT '[]',
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);

CREATE TABLE integrations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    environment_id BIGINT  NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    unique_key     TEXT    NOT NULL,
    provider       TEXT    NOT NULL,
    client_id      TEXT,
    client_secret  TEXT,
    scopes         TEXT    NOT NULL DEFAULT '[]',
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    UNIQUE (environment_id, unique_key)
);

-- A connection belongs to an integration: renaming the integration carries its
-- connections along, deleting it deletes them.
CREATE TABLE connections (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    environment_id      BIGINT  NOT NULL,
    integration_key     TEXT    NOT NULL,
    connection_id       TEXT    NOT NULL,
    provider            TEXT    NOT NULL,
    connection_config   TEXT    NOT NULL DEFAULT '{}',
    metadata            TEXT    NOT NULL DEFAULT '{}',
    credentials         BLOB    NOT NULL,
    status              TEXT    NOT NULL DEFAULT 'active',
    -- How many times the connection was (re-)authorized: 1 right after creation.
    auth_count          BIGINT  NOT NULL DEFAULT 1,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL,
    last_fetched_at     BIGINT,
    refresh_lock_holder TEXT,
    refresh_lock_until  BIGINT,
    UNIQUE (environment_id, integration_key, connection_id),
    FOREIGN KEY (environment_id, integration_key)
        REFERENCES integrations (environment_id, unique_key)
        ON DELETE CASCADE ON UPDATE CASCADE
);

-- Keyset pagination (`id > after ORDER BY id`) per environment, per integration,
-- and per connection id across integrations.
CREATE INDEX connections_env_id ON connections (environment_id, id);
CREATE INDEX connections_env_integration_id ON connections (environment_id, integration_key, id);
CREATE INDEX connections_env_connection_id ON connections (environment_id, connection_id, id);

-- A flow record is the single source of truth for a flow's outcome (SPEC §7). Records of
-- errors found before a flow existed have no state and no request fields.
CREATE TABLE oauth_flows (
    flow_id               TEXT    PRIMARY KEY NOT NULL,
    state                 TEXT    UNIQUE,
    environment_id        BIGINT,
    integration_key       TEXT,
    connection_id         TEXT,
    pkce_verifier         TEXT,
    params                TEXT,
    authorization_params  TEXT,
    origin                TEXT,
    redirect_uri          TEXT,
    created_at            BIGINT  NOT NULL,
    expires_at            BIGINT  NOT NULL,
    consumed_at           BIGINT,
    finished_at           BIGINT,
    outcome_status        TEXT    NOT NULL DEFAULT 'pending',
    outcome_code          TEXT,
    outcome_message       TEXT,
    outcome_integration   TEXT,
    outcome_connection    TEXT
);

CREATE INDEX oauth_flows_expires_at ON oauth_flows (expires_at);
