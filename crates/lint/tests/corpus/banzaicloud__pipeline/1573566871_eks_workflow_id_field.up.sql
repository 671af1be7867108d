ALTER TABLE `amazon_eks_clusters` ADD COLUMN `current_workflow_id` varchar(255);
