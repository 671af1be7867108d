ALTER TABLE `amazon_eks_clusters` ADD COLUMN `ssh_generated` tinyint(1) DEFAULT '1';
