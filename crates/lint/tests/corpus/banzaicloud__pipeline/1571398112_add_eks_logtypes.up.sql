ALTER TABLE `amazon_eks_clusters`
ADD COLUMN `log_types` json;
