-- Webhook endpoints choose what they hear and can be paused (#17; domain::webhooks::hears): a
-- LINE group for the duty officers may want the filings and the missed deadlines only, and an
-- endpoint under maintenance is paused rather than deleted with its secret. Existing endpoints
-- keep hearing everything.
ALTER TABLE webhook_endpoints
    ADD COLUMN events text[] NOT NULL DEFAULT ARRAY[
        'incident.filed', 'incident.level_changed', 'incident.reviewed',
        'incident.deadline_soon', 'incident.deadline_missed', 'incident.commander_decided',
        'incident.report_submitted', 'incident.closed'],
    ADD COLUMN paused boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT webhook_endpoints_hear_something CHECK (cardinality(events) > 0);
GRANT UPDATE (events, paused) ON webhook_endpoints TO portal_app;

CREATE OR REPLACE FUNCTION portal_webhook_enqueue(
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
    FROM webhook_endpoints e
    WHERE e.agency_id = ANY (p_agencies) AND NOT e.paused AND p_event = ANY (e.events);
    GET DIAGNOSTICS queued = ROW_COUNT;
    RETURN queued;
END $$;
