-- An agent's row is rewritten for its last contact (many rows a statement, every few seconds while it is
-- connected). Pages kept half empty let each rewrite stay on its page, beside the old version (a heap-only
-- update: no index is written, as none covers the last contact), instead of moving the row and writing every
-- index again.
ALTER TABLE agents SET (fillfactor = 50);
