# dt_k8s: see plugins/k8s/
