DROP TABLE audit_entries;
DROP FUNCTION audit_entries_are_append_only();
