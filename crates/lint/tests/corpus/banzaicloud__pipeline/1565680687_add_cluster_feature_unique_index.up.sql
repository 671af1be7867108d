CREATE UNIQUE INDEX idx_cluster_feature_cluster_id_name ON `cluster_features`(`name`, cluster_id);
