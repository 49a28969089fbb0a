dist_charts_DATA += \
	charts/etcd.yaml \
	charts/mem.yaml \
	charts/redis.yaml
