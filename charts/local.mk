dist_charts_DATA += \
	charts/etcd.yaml \
	charts/etcd-watch.yaml \
	charts/mem.yaml \
	charts/redis.yaml
