-- Bearer tokens for API v1. Only a hash is kept: a leaked table gives no usable token.
CREATE TABLE api_tokens (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    agency_id  uuid NOT NULL REFERENCES agencies (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
GRANT SELECT, INSERT ON api_tokens TO portal_app;
