# dt_etcd: see plugins/etcd/
