-- Multi-factor sign-in (TOTP, RFC 6238). Every row carries the agency key; row-level security
-- (0022) keeps each row to its user and their agency's administrators.

-- An agency may require MFA of everyone in it (its administrator's choice); some roles always do.
ALTER TABLE agencies ADD COLUMN mfa_for_everyone boolean NOT NULL DEFAULT false;

CREATE TABLE user_mfa (
    user_id        uuid PRIMARY KEY REFERENCES users (id),
    agency_id      uuid NOT NULL REFERENCES agencies (id),
    -- The TOTP secret itself: a code is computed from it at each sign-in, so it cannot be
    -- hashed like a password. A database copy therefore lets codes be made; the password
    -- (argon2) is still needed beside them.
    secret         bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- NULL while enrolment is pending: set when the first code confirms the app holds it.
    enrolled_at    timestamptz,
    -- The time step of the last code accepted: no code of it or of an earlier step is taken.
    last_used_step bigint
);

CREATE TABLE mfa_recovery_codes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id  uuid NOT NULL REFERENCES agencies (id),
    user_id    uuid NOT NULL REFERENCES users (id),
    -- SHA-256 of the code: the codes are random and long enough (about 79 bits) that a fast
    -- hash cannot be reversed by guessing, and the code is then found by its hash alone.
    code_hash  bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz,
    UNIQUE (user_id, code_hash)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON user_mfa TO portal_app;
GRANT SELECT, INSERT, DELETE ON mfa_recovery_codes TO portal_app;
GRANT UPDATE (used_at) ON mfa_recovery_codes TO portal_app;
