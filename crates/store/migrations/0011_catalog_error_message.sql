-- The last refresh failure by message key and parameters (JSON), so it is shown in the user's
-- language; `last_error` keeps the English text.
ALTER TABLE catalog_sources ADD COLUMN last_error_msg TEXT;
