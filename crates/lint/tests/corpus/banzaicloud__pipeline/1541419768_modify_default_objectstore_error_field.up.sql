ALTER TABLE azure_buckets MODIFY COLUMN status_msg text;
ALTER TABLE google_buckets MODIFY COLUMN status_msg text;
ALTER TABLE amazon_buckets MODIFY COLUMN status_msg text;
