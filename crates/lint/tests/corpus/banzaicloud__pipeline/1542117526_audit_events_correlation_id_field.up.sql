ALTER TABLE audit_events ADD COLUMN correlation_id varchar(36) null;
