-- The end-user, organization and expiry indexes hold only the connections that have a value
-- for them. Every query through them compares the column (`end_user_id = ?`,
-- `credentials_expires_at < ?` with `IS NOT NULL`), which the planner proves implies the
-- index's condition, so none loses its index; a connection without an end user (a flow started
-- with a public key) or without an expiry no longer writes to them.
DROP INDEX connections_env_end_user;
DROP INDEX connections_env_organization;
DROP INDEX connections_expiry;
CREATE INDEX connections_env_end_user ON connections (environment_id, end_user_id, id)
    WHERE end_user_id IS NOT NULL;
CREATE INDEX connections_env_organization ON connections (environment_id, end_user_organization_id, id)
    WHERE end_user_organization_id IS NOT NULL;
CREATE INDEX connections_expiry ON connections (credentials_expires_at)
    WHERE credentials_expires_at IS NOT NULL;
