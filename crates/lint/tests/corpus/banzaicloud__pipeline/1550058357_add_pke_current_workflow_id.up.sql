ALTER TABLE `amazon_ec2_clusters` ADD `current_workflow_id` varchar(255);
