ALTER TABLE `organizations` DROP COLUMN `github_id`;
