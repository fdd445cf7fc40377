-- The incident aggregate (src/domain/incident): every fact stored once.
--
-- The stage record (JSON) no longer repeats what the incident's columns hold: the level, the
-- personal-data flag, the report time, the completion of damage control (containment_completed_at)
-- and the submission of the investigation report (report_submitted_at).
UPDATE incidents
SET containment_completed_at = COALESCE(containment_completed_at,
        (record->>'containment_completion_notified_at')::timestamptz),
    report_submitted_at = COALESCE(report_submitted_at, (record->>'report_submitted_at')::timestamptz);
UPDATE incidents
SET record = record - 'level' - 'personal_data' - 'reported_at'
                    - 'containment_completion_notified_at' - 'report_submitted_at';

-- Values derived from the facts by the domain (Incident::schedule) and kept for lists, queues and
-- the reminder job; written only by db::incidents::save.
ALTER TABLE incidents
    ADD COLUMN awaiting_commander     boolean NOT NULL DEFAULT false,
    ADD COLUMN reminder_at            timestamptz,
    ADD COLUMN last_control_report_at timestamptz;

UPDATE incidents
SET awaiting_commander = status = 'root_cause'
        AND record->>'submitted_to_commander_at' IS NOT NULL
        AND coalesce(record->'commander_decision', 'null'::jsonb) = 'null'::jsonb,
    last_control_report_at = (SELECT max(x::timestamptz)
                              FROM jsonb_array_elements_text(record->'control_effect_reports') x),
    -- The reminder job looks at every open incident once and stores when to look again.
    reminder_at = CASE WHEN status <> 'closed' THEN now() END;

DROP INDEX IF EXISTS incidents_awaiting_commander_idx;
CREATE INDEX incidents_awaiting_commander_idx ON incidents (agency_id, next_due) WHERE awaiting_commander;
CREATE INDEX incidents_reminder_idx ON incidents (reminder_at) WHERE reminder_at IS NOT NULL;

-- The scheduler no longer scans deadline columns: it follows reminder_at.
DROP INDEX IF EXISTS incidents_containment_open_idx;
DROP INDEX IF EXISTS incidents_report_open_idx;
