-- A connect session's `webhook_url_override` (SPEC §7), carried by the flow it starts: the
-- auth webhook of that flow goes there instead of the environment's webhook URL.

ALTER TABLE oauth_flows ADD COLUMN webhook_url_override TEXT;
