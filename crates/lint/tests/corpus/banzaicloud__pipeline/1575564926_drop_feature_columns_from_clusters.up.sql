ALTER TABLE `clusters` DROP COLUMN `monitoring`;
ALTER TABLE `clusters` DROP COLUMN `logging`;
ALTER TABLE `clusters` DROP COLUMN `security_scan`;
