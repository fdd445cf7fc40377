-- What a notification says beyond its kind (issue #13: notices omitted the comment or the new
-- level): the incident's title and level, what was recorded or said, the nearest deadline, in
-- both languages, as the domain tells them (domain::incident::story::notice_detail).
ALTER TABLE notifications
    ADD COLUMN detail_zh text NOT NULL DEFAULT '',
    ADD COLUMN detail_en text NOT NULL DEFAULT '';
