-- TAXII 2.1 (#17 item 3): a token may carry the `share` scope (domain::tokens::TokenScope::Share),
-- which reads the TAXII collections and nothing else.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scopes_known;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_known
    CHECK (scopes <@ ARRAY['read', 'file', 'act', 'share'] AND cardinality(scopes) > 0);

-- The TAXII objects endpoint pages through a collection's indicators in the order they were
-- added to it.
CREATE INDEX indicators_added_idx ON indicators (created_at, id);
