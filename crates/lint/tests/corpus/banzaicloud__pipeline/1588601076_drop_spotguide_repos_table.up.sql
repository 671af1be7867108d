DROP TABLE IF EXISTS `spotguide_repos`;
