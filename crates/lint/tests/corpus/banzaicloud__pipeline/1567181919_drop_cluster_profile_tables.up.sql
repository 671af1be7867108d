DROP TABLE IF EXISTS `amazon_eks_profile_node_pool_labels`;
DROP TABLE IF EXISTS `amazon_eks_profile_node_pools`;
DROP TABLE IF EXISTS `amazon_eks_profiles`;

DROP TABLE IF EXISTS `azure_aks_profile_node_pool_labels`;
DROP TABLE IF EXISTS `azure_aks_profile_node_pools`;
DROP TABLE IF EXISTS `azure_aks_profiles`;

DROP TABLE IF EXISTS `google_gke_profile_node_pool_labels`;
DROP TABLE IF EXISTS `google_gke_profile_node_pools`;
DROP TABLE IF EXISTS `google_gke_profiles`;

DROP TABLE IF EXISTS `oracle_oke_profile_node_pool_labels`;
DROP TABLE IF EXISTS `oracle_oke_profile_node_pools`;
DROP TABLE IF EXISTS `oracle_oke_profiles`;
