ALTER TABLE `amazon_eks_clusters`
ADD COLUMN `api_server_access_points` json;
