-- People (issue 20): API tokens expire and keep why they ended; a deactivated user keeps when.
ALTER TABLE api_tokens ADD COLUMN expires_at {ts};
ALTER TABLE api_tokens ADD COLUMN revoked_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN deactivated_at {ts};
CREATE INDEX api_tokens_live ON api_tokens (revoked_at, expires_at);
-- A sign-in attempt is written before its password is checked (pending) and kept as a failure once
-- the password proves wrong; only checked failures count towards an address's spray limit.
ALTER TABLE login_failures ADD COLUMN pending BOOLEAN NOT NULL DEFAULT FALSE;
