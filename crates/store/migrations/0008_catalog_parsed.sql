-- The parsed form of each source's last good copy, so the catalog is rebuilt from what was read
-- once instead of reading the copy again (whatever it would cost) in every process.
ALTER TABLE catalog_sources ADD COLUMN parsed BLOB;
