ALTER TABLE user_organizations MODIFY COLUMN role VARCHAR(255) COLLATE utf8mb4_unicode_ci DEFAULT 'member';
