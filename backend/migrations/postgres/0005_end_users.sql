-- The end user, organization and tags of a connect session (SPEC §7), carried by the flow and
-- recorded on the connection. JSON as text; `end_user` holds the organization too.

ALTER TABLE connections ADD COLUMN end_user TEXT;
ALTER TABLE connections ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
ALTER TABLE oauth_flows ADD COLUMN end_user TEXT;
ALTER TABLE oauth_flows ADD COLUMN tags TEXT;
