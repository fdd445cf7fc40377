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
