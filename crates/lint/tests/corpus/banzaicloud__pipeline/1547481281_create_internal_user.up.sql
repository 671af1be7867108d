INSERT INTO `users` (`created_at`, `updated_at`, `name`, `email`, `login`) VALUES(now(), now(), 'Internal user', 'internal@banzaicloud.com', 'internal');
