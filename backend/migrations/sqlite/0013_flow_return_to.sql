-- Redirect mode (SPEC §10): the URL a flow started with `return_to` sends the browser back to
-- (303) once it ends, in place of a result page posting to an opener.

ALTER TABLE oauth_flows ADD COLUMN return_to TEXT;
