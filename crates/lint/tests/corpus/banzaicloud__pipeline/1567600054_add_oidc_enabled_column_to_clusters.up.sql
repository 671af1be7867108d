ALTER TABLE `clusters` ADD COLUMN `oidc_enabled` tinyint(1) DEFAULT 0 NOT NULL;
