ALTER TABLE clusters ADD COLUMN `service_mesh` tinyint(1);
