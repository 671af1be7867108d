ALTER TABLE alibaba_acsk_clusters ADD COLUMN `kubernetes_version` varchar(255);
