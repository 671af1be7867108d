DROP TABLE IF EXISTS `amazon_node_pool_labels`;
DROP TABLE IF EXISTS `google_gke_node_pool_labels`;
DROP TABLE IF EXISTS `oracle_oke_node_pool_labels`;
