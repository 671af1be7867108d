ALTER TABLE `amazon_node_pools` ADD COLUMN `status` VARCHAR(255);
