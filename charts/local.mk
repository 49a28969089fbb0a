dist_charts_DATA += \
	charts/etcd.yaml \
	charts/etcd-watch.yaml \
	charts/mariadb.yaml \
	charts/mariadb-galera.yaml \
	charts/postgres.yaml \
	charts/mem.yaml \
	charts/redis.yaml
