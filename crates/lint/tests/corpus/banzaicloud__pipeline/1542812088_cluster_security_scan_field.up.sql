ALTER TABLE `clusters` ADD COLUMN `security_scan` tinyint(1) DEFAULT NULL;
