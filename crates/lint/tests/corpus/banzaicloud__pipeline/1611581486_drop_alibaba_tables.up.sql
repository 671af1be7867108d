DROP TABLE IF EXISTS `alibaba_acsk_clusters`;
DROP TABLE IF EXISTS `alibaba_acsk_node_pools`;
DROP TABLE IF EXISTS `alibaba_buckets`;
