CREATE TABLE IF NOT EXISTS `MLMDEnv` (
  `schema_version` int NOT NULL,
  PRIMARY KEY (`schema_version`)
);
