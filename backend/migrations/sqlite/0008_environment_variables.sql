-- Environment variables (Nango's `getEnvironmentVariables()`): names and values an app keeps
-- beside its integrations. Each value is sealed (`sealed:v1:<base64>`), bound to its
-- environment and name by the AEAD additional data.

CREATE TABLE environment_variables (
    environment_id BIGINT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    name           TEXT   NOT NULL,
    value          TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (environment_id, name)
);
