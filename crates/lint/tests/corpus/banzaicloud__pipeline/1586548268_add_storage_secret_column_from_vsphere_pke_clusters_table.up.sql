ALTER TABLE `vsphere_pke_clusters` ADD COLUMN `storage_secret_id` varchar(255) COLLATE utf8mb4_unicode_ci DEFAULT NULL;
