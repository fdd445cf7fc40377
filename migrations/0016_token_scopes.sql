-- Tokens for systems (issue #14): a name, scopes (read / file / act) and a revocation that
-- stays: re-enabling a user does not bring their tokens back.
ALTER TABLE api_tokens
    ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    ADD COLUMN name text NOT NULL DEFAULT '',
    ADD COLUMN scopes text[] NOT NULL DEFAULT '{read,file,act}',
    ADD COLUMN revoked_at timestamptz,
    ADD COLUMN revoked_by uuid REFERENCES users (id);
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_known
    CHECK (scopes <@ ARRAY['read', 'file', 'act'] AND cardinality(scopes) > 0);
GRANT UPDATE (revoked_at, revoked_by) ON api_tokens TO portal_app;
