ALTER TABLE `amazon_eks_profile_node_pools` ALTER `spot_price` DROP DEFAULT;

ALTER TABLE `amazon_ec2_profile_node_pools` ALTER `spot_price` DROP DEFAULT;
