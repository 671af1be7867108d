ALTER TABLE `amazon_eks_subnets`  ADD COLUMN `availability_zone` VARCHAR(25) DEFAULT NULL;
