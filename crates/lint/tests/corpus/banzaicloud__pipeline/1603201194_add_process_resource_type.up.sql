ALTER TABLE `processes` ADD `resource_type` varchar(255) NOT NULL;
