-- The level's review in rounds (src/domain/incident/review.rs): every review, re-check, relay,
-- follow-up report and extension request is kept in the stage record; the columns reviewed_at,
-- review_relayed_at and report_extended_until become values derived from it (the current
-- round's), written by db::incidents::save. Existing reviews become round 0's.
UPDATE incidents
SET record = record
    || jsonb_build_object('reviews', CASE WHEN reviewed_at IS NULL THEN '[]'::jsonb ELSE
           jsonb_build_array(jsonb_build_object(
               'kind', 'notified_agency',
               'round', 0, 'at', reviewed_at,
               'agency', COALESCE(escalation_target_id, (SELECT id FROM agencies WHERE kind = 'competent_authority')),
               'agency_name', '', 'by', '', 'from', proposed_level, 'to', level, 'reason', '')) END)
    || jsonb_build_object('review_relays', CASE WHEN review_relayed_at IS NULL THEN '[]'::jsonb ELSE
           jsonb_build_array(jsonb_build_object('round', 0, 'at', review_relayed_at, 'basis', '', 'by', '')) END)
    || jsonb_build_object('extension_requests', CASE WHEN report_extended_until IS NULL THEN '[]'::jsonb ELSE
           jsonb_build_array(jsonb_build_object('requested_at', updated_at, 'until', report_extended_until,
               'reason', '', 'by', '',
               'decision', jsonb_build_object('at', updated_at, 'consent', true, 'comment', '', 'by', '',
                   'agency_name', ''))) END)
WHERE NOT (record ? 'reviews');

-- The review queue lists the incidents an agency is the notified agency of.
CREATE INDEX incidents_notified_review_idx ON incidents (escalation_target_id, review_due)
    WHERE reviewed_at IS NULL AND status <> 'closed';

-- Regular tracking (追蹤管考, point 3(五)6): improvement items an incident closed with.
CREATE TABLE tracking_items (
    id             uuid PRIMARY KEY,
    agency_id      uuid NOT NULL REFERENCES agencies (id),
    incident_id    uuid NOT NULL REFERENCES incidents (id),
    item_index     integer NOT NULL,
    description    text NOT NULL,
    horizon        text NOT NULL,
    owner          text NOT NULL DEFAULT '',
    planned_on     date NOT NULL,
    due_on         date NOT NULL,
    done_on        date,
    done_by        uuid REFERENCES users (id),
    handed_over_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (incident_id, item_index)
);
CREATE INDEX tracking_items_agency_idx ON tracking_items (agency_id, done_on, due_on);
CREATE INDEX tracking_items_open_idx ON tracking_items (due_on) WHERE done_on IS NULL;

ALTER TABLE tracking_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY tracking_visible ON tracking_items FOR SELECT
    USING ((SELECT portal_sees_all()) OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]));
CREATE POLICY tracking_own_insert ON tracking_items FOR INSERT
    WITH CHECK (agency_id = (SELECT portal_acting_agency()));
CREATE POLICY tracking_own_update ON tracking_items FOR UPDATE
    USING (agency_id = (SELECT portal_acting_agency()))
    WITH CHECK (agency_id = (SELECT portal_acting_agency()));
GRANT SELECT, INSERT ON tracking_items TO portal_app;
GRANT UPDATE (done_on, done_by) ON tracking_items TO portal_app;
