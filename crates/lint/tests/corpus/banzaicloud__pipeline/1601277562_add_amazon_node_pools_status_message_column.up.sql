ALTER TABLE `amazon_node_pools` ADD COLUMN `status_message` TEXT COLLATE utf8mb4_unicode_ci;
