-- Outgoing webhooks and chat alerts (#17). An agency's administrator configures endpoints; an
-- incident's events are queued, in the transaction that records them, for the endpoints of its
-- agency and of every agency above it; the job delivers them as the owner, each claimed with
-- FOR UPDATE SKIP LOCKED and leased so no transaction is held across the HTTP call; every
-- attempt is logged for the agency's delivery log.

CREATE TABLE webhook_endpoints (
    id            uuid PRIMARY KEY,
    agency_id     uuid NOT NULL REFERENCES agencies (id),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind          text NOT NULL CHECK (kind IN ('generic', 'line', 'slack', 'teams')),
    -- Generic: the receiver's URL; LINE: the user or group id; Slack/Teams: empty (the
    -- address is the secret).
    address       text NOT NULL,
    -- The secret (HMAC key, LINE token, Slack/Teams URL), XChaCha20-Poly1305 under a key
    -- derived from the timeline key, bound to the endpoint's id: nonce || ciphertext.
    secret_sealed bytea NOT NULL,
    -- What the pages may show of it: its last four characters at most.
    secret_hint   text NOT NULL DEFAULT '',
    created_by    uuid REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_agency_idx ON webhook_endpoints (agency_id, created_at);

-- One event for one endpoint. Its id is the delivery id receivers drop second copies by.
CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id       uuid NOT NULL REFERENCES agencies (id),
    -- A deleted endpoint's undelivered events are not sent anywhere else.
    endpoint_id     uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event           text NOT NULL,
    kind            text NOT NULL,
    incident_id     uuid REFERENCES incidents (id),
    number          text NOT NULL DEFAULT '',
    level           smallint,
    level_from      smallint,
    deadline        timestamptz,
    occurred_at     timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    failed_at       timestamptz,
    last_error      text
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id);

-- Every attempt, for the delivery log. It outlives its endpoint (the name is kept), so that
-- what was sent where stays on record.
CREATE TABLE webhook_attempts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id     uuid NOT NULL REFERENCES agencies (id),
    delivery_id   uuid NOT NULL,
    endpoint_id   uuid REFERENCES webhook_endpoints (id) ON DELETE SET NULL,
    endpoint_name text NOT NULL,
    event         text NOT NULL,
    number        text NOT NULL DEFAULT '',
    attempt       integer NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    http_status   integer,
    error         text
);
CREATE INDEX webhook_attempts_agency_idx ON webhook_attempts (agency_id, at DESC, id DESC);

-- An agency's administrator sees and changes their own agency's endpoints, and sees its
-- deliveries and their log; they queue test events for their own endpoints. Nobody else reaches
-- them; the job runs as the owner.
ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_endpoints_admin ON webhook_endpoints
    USING (agency_id = (SELECT portal_acting_agency()) AND (SELECT portal_acting_admin()))
    WITH CHECK (agency_id = (SELECT portal_acting_agency()) AND (SELECT portal_acting_admin()));
GRANT SELECT, INSERT, DELETE ON webhook_endpoints TO portal_app;

ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_deliveries_read ON webhook_deliveries FOR SELECT
    USING (agency_id = (SELECT portal_acting_agency()) AND (SELECT portal_acting_admin()));
CREATE POLICY webhook_deliveries_test ON webhook_deliveries FOR INSERT
    WITH CHECK (agency_id = (SELECT portal_acting_agency()) AND (SELECT portal_acting_admin())
                AND event = 'portal.test');
GRANT SELECT, INSERT ON webhook_deliveries TO portal_app;

ALTER TABLE webhook_attempts ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_attempts_read ON webhook_attempts FOR SELECT
    USING (agency_id = (SELECT portal_acting_agency()) AND (SELECT portal_acting_admin()));
GRANT SELECT ON webhook_attempts TO portal_app;

-- Queuing an incident's event reaches endpoints the acting user cannot see (their agency's
-- administrator's, a supervising agency's), as portal_recipients reaches people: for exactly
-- the incident named, which the acting user must be able to see, and for the agencies the
-- domain named (domain::webhooks::receiving_agencies).
CREATE FUNCTION portal_webhook_enqueue(
    p_incident uuid, p_agencies uuid[], p_event text, p_kind text, p_number text,
    p_level smallint, p_level_from smallint, p_deadline timestamptz, p_occurred_at timestamptz)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    queued integer;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM incidents i
        WHERE i.id = p_incident AND portal_acting_agency() IS NOT NULL
          AND (i.agency_id = portal_acting_agency()
               OR i.agency_id = ANY (coalesce(portal_visible_agencies(), '{}')))) THEN
        RAISE EXCEPTION 'webhook event for an incident the acting user cannot see'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO webhook_deliveries (agency_id, endpoint_id, event, kind, incident_id, number,
                                    level, level_from, deadline, occurred_at)
    SELECT e.agency_id, e.id, p_event, p_kind, p_incident, p_number, p_level, p_level_from,
           p_deadline, p_occurred_at
    FROM webhook_endpoints e WHERE e.agency_id = ANY (p_agencies);
    GET DIAGNOSTICS queued = ROW_COUNT;
    RETURN queued;
END $$;
REVOKE ALL ON FUNCTION portal_webhook_enqueue(uuid, uuid[], text, text, text, smallint, smallint,
    timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portal_webhook_enqueue(uuid, uuid[], text, text, text, smallint,
    smallint, timestamptz, timestamptz) TO portal_app;
