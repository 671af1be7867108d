ALTER TABLE `cluster_status_history` ADD INDEX `idx_cluster_status_history_cluster_id` (`cluster_id`);
