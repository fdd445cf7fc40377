-- Drill results (演練結果) go to the competent authority within one month of the drill
-- (資通安全事件通報應變及演練辦法 第10條). Each drill records the date its results were sent
-- (NULL: not yet) and who recorded it; the due date is the domain's (drill date + 1 month).
ALTER TABLE drills
    ADD COLUMN results_reported_on  date,
    ADD COLUMN results_recorded_by  uuid REFERENCES users(id),
    ADD COLUMN results_recorded_at  timestamptz,
    ADD CONSTRAINT drills_results_not_before_drill
        CHECK (results_reported_on IS NULL OR results_reported_on >= held_on);

-- The agency's security officer records the date (row-level security: own agency only).
GRANT UPDATE (results_reported_on, results_recorded_by, results_recorded_at) ON drills TO portal_app;

-- The reminder job looks only at recent drills whose results are not sent yet.
CREATE INDEX drills_results_unreported_idx ON drills (held_on) WHERE results_reported_on IS NULL;
