-- The server's own metadata: values every replica checks at start, such as the encryption
-- key's check value. Keep the columns identical to migrations/sqlite/0002_server_meta.sql.

CREATE TABLE server_meta (
    name       TEXT   PRIMARY KEY,
    value      BYTEA  NOT NULL,
    created_at BIGINT NOT NULL
);
