-- Secrets at rest (SPEC §13): the environment's secret key is sealed, so it is looked up by
-- its SHA-256 instead. The server fills the column (and seals the plain-text secrets of older
-- rows) at start, right after the migrations.

ALTER TABLE environments ADD COLUMN secret_key_hash TEXT;
CREATE UNIQUE INDEX environments_secret_key_hash ON environments (secret_key_hash);
