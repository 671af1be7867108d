ALTER TABLE `amazon_eks_clusters` ADD COLUMN `auth_config_map` text COLLATE utf8mb4_unicode_ci;
