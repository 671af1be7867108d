DROP TABLE IF EXISTS `oracle_buckets`;
DROP TABLE IF EXISTS `oracle_oke_clusters`;
DROP TABLE IF EXISTS `oracle_oke_node_pool_subnets`;
DROP TABLE IF EXISTS `oracle_oke_node_pools`;
