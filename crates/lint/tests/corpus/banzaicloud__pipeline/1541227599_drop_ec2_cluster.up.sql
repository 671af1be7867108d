DROP TABLE IF EXISTS `amazon_ec2_clusters`;
DROP TABLE IF EXISTS `amazon_ec2_profile_node_pools`;
DROP TABLE IF EXISTS `amazon_ec2_profiles`;
