ALTER TABLE clusters DROP COLUMN `service_mesh`;
