DROP TABLE IF EXISTS `whitelisted_auth_identities`;
