ALTER TABLE `topology_nodepools` ADD `autoscaling` boolean DEFAULT false;
