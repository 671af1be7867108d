ALTER TABLE `oracle_buckets` ADD COLUMN `namespace` varchar(255)  DEFAULT NULL;

