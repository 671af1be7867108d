ALTER TABLE spotguide_repos MODIFY COLUMN icon LONGBLOB, MODIFY COLUMN readme TEXT COLLATE utf8mb4_unicode_ci;
