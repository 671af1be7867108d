ALTER TABLE `vsphere_pke_clusters` ADD COLUMN `load_balancer_ip_range` varchar(255) COLLATE utf8mb4_unicode_ci DEFAULT NULL;
