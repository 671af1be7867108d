ALTER TABLE auth_identities DROP COLUMN `sign_logs`;
