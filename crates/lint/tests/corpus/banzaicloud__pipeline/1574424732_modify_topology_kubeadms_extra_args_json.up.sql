ALTER TABLE `topology_kubeadms` MODIFY `extra_args` json;
