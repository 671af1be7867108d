ALTER TABLE clusters DROP COLUMN `ttl_minutes`;
