ALTER TABLE `amazon_ec2_clusters` DROP COLUMN `dex_enabled`;
