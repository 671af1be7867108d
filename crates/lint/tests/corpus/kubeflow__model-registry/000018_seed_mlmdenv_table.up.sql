INSERT IGNORE INTO `MLMDEnv` (`schema_version`) VALUES
(10);
