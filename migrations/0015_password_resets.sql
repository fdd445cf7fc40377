-- Password resets (issue #14): a single-use link, valid for a short while, e-mailed to the
-- user's address. Only the SHA-256 of its token is kept, so a copy of this table resets nobody's
-- password. Every row carries the agency key like every tenant table.
CREATE TABLE password_resets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id   uuid NOT NULL REFERENCES agencies (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);

-- Asked for and used by people who are not signed in, like sign_in_attempts: there is no
-- acting agency to scope a policy to. Rows are reached only by the hash of a token the user
-- holds (db::passwords); the pool role may not delete them.
GRANT SELECT, INSERT ON password_resets TO portal_app;
GRANT UPDATE (used_at) ON password_resets TO portal_app;
