ALTER TABLE `amazon_node_pools` ADD COLUMN `stack_id` VARCHAR(255);
