-- TLP 2.0 markings on indicators (#17 item 2; the rules are domain::tlp). Unmarked indicators
-- are TLP:AMBER. The reading rule is repeated here so that a query that forgets it still cannot
-- hand a supervising agency what must stay within the agency: AMBER+STRICT and RED rows are
-- read only by the agency whose incident they are on.
ALTER TABLE indicators ADD COLUMN tlp text NOT NULL DEFAULT 'amber'
    CONSTRAINT indicators_tlp_known CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red'));

-- A re-recorded indicator may take a stricter marking (services::indicators).
GRANT UPDATE (tlp) ON indicators TO portal_app;

DROP POLICY indicators_read ON indicators;
CREATE POLICY indicators_read ON indicators FOR SELECT USING (
    agency_id = (SELECT portal_acting_agency())
    OR (tlp IN ('clear', 'green', 'amber')
        AND ((SELECT portal_sees_all())
             OR agency_id = ANY ((SELECT portal_visible_agencies())::uuid[]))));
