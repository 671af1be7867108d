ALTER TABLE `azure_pke_clusters` ADD COLUMN `http_proxy` json DEFAULT NULL;
