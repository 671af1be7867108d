DROP TABLE IF EXISTS `dummy_clusters`;
