-- Each new copy of a source (and each new source) takes a revision above every other, so a
-- process holding the merged catalog can tell, with one small query, that another process added,
-- refreshed or removed a source.
ALTER TABLE catalog_sources ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
