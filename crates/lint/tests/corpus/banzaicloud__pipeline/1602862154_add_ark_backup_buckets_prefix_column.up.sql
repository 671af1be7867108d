ALTER TABLE `ark_backup_buckets` ADD COLUMN `prefix` varchar(255) COLLATE utf8mb4_unicode_ci DEFAULT NULL;
