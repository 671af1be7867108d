ALTER TABLE `clusters` ADD COLUMN `tags` json DEFAULT NULL;
