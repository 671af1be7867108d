DROP TABLE `scale_options`;
