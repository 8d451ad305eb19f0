-- Columns the connection list filters on (Nango's `endUserId`, `endUserOrganizationId`,
-- `search`), kept by the store from `end_user` on every write: `end_user_search` is the end
-- user's display name and email, lower-cased. `webhook_url_override` is the connection's own
-- webhook URL (`PATCH /connections/{id}`).

ALTER TABLE connections ADD COLUMN end_user_id TEXT;
ALTER TABLE connections ADD COLUMN end_user_organization_id TEXT;
ALTER TABLE connections ADD COLUMN end_user_search TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN webhook_url_override TEXT;

UPDATE connections SET
    end_user_id = end_user::jsonb ->> 'id',
    end_user_organization_id = end_user::jsonb -> 'organization' ->> 'id',
    end_user_search = lower(coalesce(end_user::jsonb ->> 'display_name', '') || chr(10) || coalesce(end_user::jsonb ->> 'email', ''))
WHERE end_user IS NOT NULL;

CREATE INDEX connections_env_end_user ON connections (environment_id, end_user_id, id);
CREATE INDEX connections_env_organization ON connections (environment_id, end_user_organization_id, id);
