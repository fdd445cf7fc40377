-- Tenants (機關), their users, role grants and sign-in attempts.
-- Every tenant table carries agency_id so that the data can be distributed by agency later.

CREATE TABLE agencies (
    id                      uuid PRIMARY KEY,
    code                    text NOT NULL,
    name_zh                 text NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 200),
    name_en                 text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    kind                    text NOT NULL CHECK (kind IN ('government', 'specific_non_government', 'competent_authority')),
    superior_id             uuid REFERENCES agencies (id),
    sector_authority_id     uuid REFERENCES agencies (id),
    supervising_id          uuid REFERENCES agencies (id),
    responsibility_level    text NOT NULL CHECK (responsibility_level IN ('A', 'B', 'C', 'D', 'E')),
    critical_infrastructure boolean NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agencies_code_format CHECK (code ~ '^[A-Z0-9-]{2,20}$'),
    CONSTRAINT agencies_not_own_superior CHECK (superior_id IS DISTINCT FROM id
        AND sector_authority_id IS DISTINCT FROM id AND supervising_id IS DISTINCT FROM id)
);
CREATE UNIQUE INDEX agencies_code_key ON agencies (code);
-- There is exactly one competent authority (資通安全署).
CREATE UNIQUE INDEX agencies_one_competent_authority ON agencies ((kind)) WHERE kind = 'competent_authority';
CREATE INDEX agencies_superior_idx ON agencies (superior_id);
CREATE INDEX agencies_sector_authority_idx ON agencies (sector_authority_id);
CREATE INDEX agencies_supervising_idx ON agencies (supervising_id);

CREATE TABLE users (
    id                 uuid PRIMARY KEY,
    agency_id          uuid NOT NULL REFERENCES agencies (id),
    email              text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    display_name       text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    password_hash      text NOT NULL,
    preferred_language text NOT NULL DEFAULT 'zh-TW' CHECK (preferred_language IN ('zh-TW', 'en')),
    disabled           boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now()
);
-- E-mail addresses are unique regardless of case.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE INDEX users_agency_idx ON users (agency_id, display_name);

CREATE TABLE role_grants (
    agency_id  uuid NOT NULL REFERENCES agencies (id),
    user_id    uuid NOT NULL REFERENCES users (id),
    role       text NOT NULL CHECK (role IN ('security_officer', 'ciso', 'commander', 'executive_secretary',
        'press_officer', 'intel_planning', 'response_execution', 'logistics', 'finance_admin',
        'reviewer', 'agency_admin')),
    granted_by uuid REFERENCES users (id),
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, role)
);
CREATE INDEX role_grants_agency_idx ON role_grants (agency_id);

-- Every sign-in attempt, kept for throttling (recent failures) and for the audit trail.
CREATE TABLE sign_in_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_lower text NOT NULL,
    client_ip   text NOT NULL,
    user_id     uuid REFERENCES users (id),
    agency_id   uuid REFERENCES agencies (id),
    succeeded   boolean NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_attempts_email_idx ON sign_in_attempts (email_lower, at) WHERE NOT succeeded;
CREATE INDEX sign_in_attempts_ip_idx ON sign_in_attempts (client_ip, at) WHERE NOT succeeded;
