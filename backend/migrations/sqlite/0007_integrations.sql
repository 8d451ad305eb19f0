-- Integrations carry the app's `display_name` (SPEC §9; none: the provider's is shown) and the
-- operator's `allowed_hosts`: host patterns (a JSON array of text) that a connecting user may
-- choose for the requests carrying the integration's credentials (catalog::hosts).

ALTER TABLE integrations ADD COLUMN display_name TEXT;
ALTER TABLE integrations ADD COLUMN allowed_hosts TEXT NOT NULL DEFAULT '[]';
