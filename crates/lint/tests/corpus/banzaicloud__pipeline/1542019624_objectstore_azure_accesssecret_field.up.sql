ALTER TABLE azure_buckets ADD COLUMN access_secret_ref varchar(255) null;
